"""Aes256Gcm strings: round trips, authentication of every part, keys, NIST vectors."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.crypto import (
    DecryptionError,
    EncryptedString,
    KeyFormatError,
    KeyPair,
    SerializationError,
    aes_gcm_decrypt,
    aes_gcm_encrypt,
    b64decode,
    decrypt_text,
    decrypt_with_key,
    encrypt_text,
    encrypt_with_key,
    encrypt_with_public_key,
    generate_key,
    parse_encrypted,
    serialize_encrypted,
    unwrap_key,
    unwrap_private_key,
    wrap_key,
    wrap_private_key,
)
from tests.crypto.vectors import GcmVector, load_gcm_vectors

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


@given(st.binary(max_size=2048))
def test_round_trip(plaintext: bytes) -> None:
    serialized = encrypt_with_key(KEY, plaintext)
    assert serialized.startswith("Aes256Gcm.")
    assert len(serialized.split(".")) == 3
    assert decrypt_with_key(KEY, serialized) == plaintext


def test_ciphertext_part_excludes_the_tag_and_artefacts_hold_iv_tag_ad() -> None:
    value = parse_encrypted(encrypt_with_key(KEY, b"0123456789"))
    assert len(value.ciphertext) == 10
    assert len(value.artefacts["iv"]) == 12  # type: ignore[arg-type]
    assert len(value.artefacts["at"]) == 16  # type: ignore[arg-type]
    assert value.artefacts["ad"] == "none"


def test_every_encryption_uses_a_fresh_iv() -> None:
    first, second = (parse_encrypted(encrypt_with_key(KEY, b"same")) for _ in range(2))
    assert first.artefacts["iv"] != second.artefacts["iv"]
    assert first.ciphertext != second.ciphertext


def test_generate_key_gives_distinct_32_byte_keys() -> None:
    keys = {generate_key() for _ in range(4)}
    assert len(keys) == 4
    assert all(len(key) == 32 for key in keys)


def test_wrong_key_raises_decryption_error() -> None:
    with pytest.raises(DecryptionError, match="decryption failed"):
        decrypt_with_key(OTHER_KEY, encrypt_with_key(KEY, b"secret"))


@pytest.mark.parametrize("key", [b"", b"k" * 16, b"k" * 24, b"k" * 31, b"k" * 33, "k" * 32])
def test_keys_must_be_32_bytes(key: bytes) -> None:
    serialized = encrypt_with_key(KEY, b"x")
    with pytest.raises(KeyFormatError):
        encrypt_with_key(key, b"x")
    with pytest.raises(KeyFormatError):
        decrypt_with_key(key, serialized)


def test_rsa_string_is_not_an_aes_string(rsa_pair: KeyPair) -> None:
    with pytest.raises(SerializationError):
        decrypt_with_key(KEY, encrypt_with_public_key(rsa_pair.public_pem, b"x"))


def test_decrypt_rejects_malformed_strings() -> None:
    with pytest.raises(SerializationError):
        decrypt_with_key(KEY, "Aes256Gcm.x.y")
    with pytest.raises(SerializationError):
        decrypt_with_key(KEY, None)  # type: ignore[arg-type]


def test_empty_plaintext() -> None:
    assert decrypt_with_key(KEY, encrypt_with_key(KEY, b"")) == b""
    # cryppo represents an empty value by no value at all.
    assert encrypt_text(KEY, None) is None
    assert encrypt_text(KEY, "") is None
    assert decrypt_text(KEY, None) is None
    assert decrypt_text(KEY, encrypt_with_key(KEY, b"")) is None


def test_text_round_trip() -> None:
    serialized = encrypt_text(KEY, "Grüße 🔐")
    assert serialized is not None
    assert decrypt_with_key(KEY, serialized) == "Grüße 🔐".encode()
    assert decrypt_text(KEY, serialized) == "Grüße 🔐"


def test_decrypt_text_rejects_non_utf8_plaintext() -> None:
    with pytest.raises(SerializationError):
        decrypt_text(KEY, encrypt_with_key(KEY, b"\xff\xfe"))


# --------------------------------------------------------------------------------------- tampering

PLAINTEXT = b"the quick brown fox jumps over the lazy dog"
SERIALIZED = encrypt_with_key(KEY, PLAINTEXT)
PARSED = parse_encrypted(SERIALIZED)


def _flip(data: bytes, index: int, mask: int) -> bytes:
    changed = bytearray(data)
    changed[index % len(changed)] ^= mask
    return bytes(changed)


@given(st.sampled_from(["ciphertext", "iv", "at"]), st.integers(min_value=0), st.integers(1, 255))
def test_flipping_any_byte_of_ciphertext_tag_or_iv_fails_decryption(
    field: str, index: int, mask: int
) -> None:
    if field == "ciphertext":
        tampered = dataclasses.replace(PARSED, ciphertext=_flip(PARSED.ciphertext, index, mask))
    else:
        original = PARSED.artefacts[field]
        assert isinstance(original, bytes)
        tampered = dataclasses.replace(
            PARSED, artefacts={**PARSED.artefacts, field: _flip(original, index, mask)}
        )
    with pytest.raises(DecryptionError):
        decrypt_with_key(KEY, serialize_encrypted(tampered))


@pytest.mark.parametrize("ad", ["", "nonf", "None", "none "])
def test_associated_data_is_authenticated(ad: str) -> None:
    tampered = dataclasses.replace(PARSED, artefacts={**PARSED.artefacts, "ad": ad})
    with pytest.raises(DecryptionError):
        decrypt_with_key(KEY, serialize_encrypted(tampered))


def test_truncated_or_extended_ciphertext_fails() -> None:
    for ciphertext in (PARSED.ciphertext[:-1], PARSED.ciphertext + b"\x00", b""):
        with pytest.raises(DecryptionError):
            decrypt_with_key(KEY, serialize_encrypted(dataclasses.replace(PARSED, ciphertext=ciphertext)))


@given(st.integers(min_value=0, max_value=len(SERIALIZED) - 1), st.characters(codec="ascii"))
def test_changing_any_character_never_returns_plaintext(index: int, char: str) -> None:
    if SERIALIZED[index] == char:
        return
    tampered = SERIALIZED[:index] + char + SERIALIZED[index + 1 :]
    with pytest.raises((DecryptionError, SerializationError)):
        decrypt_with_key(KEY, tampered)


# ------------------------------------------------------------------------------------ wrapped keys


def test_wrap_and_unwrap_a_key() -> None:
    dek = generate_key()
    wrapped = wrap_key(KEY, dek)
    assert wrapped.startswith("Aes256Gcm.")
    assert unwrap_key(KEY, wrapped) == dek
    with pytest.raises(DecryptionError):
        unwrap_key(OTHER_KEY, wrapped)


def test_wrap_key_refuses_keys_that_are_not_32_bytes() -> None:
    with pytest.raises(KeyFormatError):
        wrap_key(KEY, b"short")


def test_unwrap_key_refuses_plaintext_that_is_not_32_bytes() -> None:
    with pytest.raises(KeyFormatError):
        unwrap_key(KEY, encrypt_with_key(KEY, b"x" * 31))


def test_wrap_and_unwrap_a_private_key(rsa_pair: KeyPair) -> None:
    wrapped = wrap_private_key(KEY, rsa_pair.private_pem)
    assert decrypt_with_key(KEY, wrapped) == rsa_pair.private_pem.encode("utf-8")
    assert unwrap_private_key(KEY, wrapped) == rsa_pair.private_pem


def test_wrap_private_key_refuses_non_keys(rsa_pair: KeyPair) -> None:
    with pytest.raises(KeyFormatError):
        wrap_private_key(KEY, "not a key")
    with pytest.raises(KeyFormatError):
        wrap_private_key(KEY, rsa_pair.public_pem)


def test_unwrap_private_key_refuses_non_pem_plaintext() -> None:
    with pytest.raises(KeyFormatError):
        unwrap_private_key(KEY, encrypt_with_key(KEY, b"just text"))
    with pytest.raises(KeyFormatError):
        unwrap_private_key(KEY, encrypt_with_key(KEY, b"\xff-----BEGIN RSA PRIVATE KEY-----"))


# ------------------------------------------------------------------------------- NIST GCM vectors

ENCRYPT_VECTORS = load_gcm_vectors("gcmEncryptExtIV256.rsp")
DECRYPT_VECTORS = load_gcm_vectors("gcmDecrypt256.rsp")


def test_vector_files_hold_both_outcomes() -> None:
    assert len(ENCRYPT_VECTORS) == 375
    assert len(DECRYPT_VECTORS) == 375
    assert 0 < sum(vector.fail for vector in DECRYPT_VECTORS) < len(DECRYPT_VECTORS)


@pytest.mark.parametrize("vector", ENCRYPT_VECTORS)
def test_nist_encrypt_vectors(vector: GcmVector) -> None:
    assert aes_gcm_encrypt(vector.key, vector.plaintext, iv=vector.iv, aad=vector.aad) == (
        vector.ciphertext,
        vector.tag,
    )


@pytest.mark.parametrize("vector", DECRYPT_VECTORS)
def test_nist_decrypt_vectors(vector: GcmVector) -> None:
    if vector.fail:
        with pytest.raises(DecryptionError):
            aes_gcm_decrypt(vector.key, vector.ciphertext, iv=vector.iv, tag=vector.tag, aad=vector.aad)
    else:
        assert (
            aes_gcm_decrypt(vector.key, vector.ciphertext, iv=vector.iv, tag=vector.tag, aad=vector.aad)
            == vector.plaintext
        )


@pytest.mark.parametrize("vector", [v for v in DECRYPT_VECTORS if not v.aad])
def test_nist_decrypt_vectors_through_cryppo_strings(vector: GcmVector) -> None:
    # With no associated data the vectors are cryppo strings whose "ad" is the empty string.
    serialized = serialize_encrypted(
        EncryptedString("Aes256Gcm", vector.ciphertext, {"iv": vector.iv, "at": vector.tag, "ad": ""})
    )
    if vector.fail:
        with pytest.raises(DecryptionError):
            decrypt_with_key(vector.key, serialized)
    else:
        assert decrypt_with_key(vector.key, serialized) == vector.plaintext


@settings(max_examples=25)
@given(st.binary(max_size=64), st.binary(max_size=32))
def test_aes_layer_round_trip_with_explicit_iv_and_aad(plaintext: bytes, aad: bytes) -> None:
    iv = b64decode("AAECAwQFBgcICQoL")
    ciphertext, tag = aes_gcm_encrypt(KEY, plaintext, iv=iv, aad=aad)
    assert aes_gcm_decrypt(KEY, ciphertext, iv=iv, tag=tag, aad=aad) == plaintext
    with pytest.raises(DecryptionError):
        aes_gcm_decrypt(KEY, ciphertext, iv=iv, tag=tag, aad=aad + b"x")


def test_aes_layer_rejects_wrong_iv_and_tag_lengths() -> None:
    with pytest.raises(ValueError, match="IV"):
        aes_gcm_encrypt(KEY, b"x", iv=b"\x00" * 16, aad=b"")
    ciphertext, tag = aes_gcm_encrypt(KEY, b"x", iv=b"\x00" * 12, aad=b"")
    with pytest.raises(DecryptionError):
        aes_gcm_decrypt(KEY, ciphertext, iv=b"\x00" * 16, tag=tag, aad=b"")
    with pytest.raises(DecryptionError):
        aes_gcm_decrypt(KEY, ciphertext, iv=b"\x00" * 12, tag=tag[:12], aad=b"")
