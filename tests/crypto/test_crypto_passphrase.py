"""Passphrase-derived keys: the five-part Pbkdf2Hmac form of cryppo."""

from __future__ import annotations

import dataclasses

import pytest

from strongroom.crypto import (
    PASSPHRASE_ITERATIONS,
    DecryptionError,
    SerializationError,
    b64decode,
    decode_document,
    decrypt_with_key,
    decrypt_with_passphrase,
    encrypt_with_key,
    encrypt_with_passphrase,
    parse_encrypted,
    pbkdf2_sha256,
    serialize_encrypted,
)

FAST = 1000  # iterations for tests that do not care about the default


def test_round_trip_with_cryppo_defaults() -> None:
    serialized = encrypt_with_passphrase("correct horse battery staple", b"exported key")
    assert decrypt_with_passphrase("correct horse battery staple", serialized) == b"exported key"
    parts = serialized.split(".")
    assert len(parts) == 5
    assert (parts[0], parts[3]) == ("Aes256Gcm", "Pbkdf2Hmac")
    derivation = b64decode(parts[4])
    assert derivation[:1] == b"K"
    document = decode_document(derivation[1:])
    # cryppo's field order and defaults: 20-byte salt, 20,000 iterations, 32-byte key, SHA256.
    assert list(document) == ["iv", "i", "l", "hash"]
    assert len(document["iv"]) == 20  # type: ignore[arg-type]
    assert document["i"] == PASSPHRASE_ITERATIONS == 20_000
    assert (document["l"], document["hash"]) == (32, "SHA256")


def test_iterations_can_be_chosen() -> None:
    serialized = encrypt_with_passphrase("pw", b"x", iterations=FAST)
    derivation = parse_encrypted(serialized).derivation
    assert derivation is not None
    assert derivation.iterations == FAST
    assert decrypt_with_passphrase("pw", serialized) == b"x"


def test_the_key_is_pbkdf2_of_the_utf8_passphrase() -> None:
    passphrase = "pässwörd"
    serialized = encrypt_with_passphrase(passphrase, b"data", iterations=FAST)
    derivation = parse_encrypted(serialized).derivation
    assert derivation is not None
    key = pbkdf2_sha256(passphrase.encode("utf-8"), derivation.salt, derivation.iterations, 32)
    # decrypt_with_key accepts the five-part form when given the derived key.
    assert decrypt_with_key(key, serialized) == b"data"
    latin1_key = pbkdf2_sha256(passphrase.encode("latin-1"), derivation.salt, derivation.iterations, 32)
    with pytest.raises(DecryptionError):
        decrypt_with_key(latin1_key, serialized)


def test_salts_are_random() -> None:
    first, second = (parse_encrypted(encrypt_with_passphrase("pw", b"x", iterations=FAST)) for _ in range(2))
    assert first.derivation is not None
    assert second.derivation is not None
    assert first.derivation.salt != second.derivation.salt


def test_wrong_passphrase_raises_decryption_error() -> None:
    serialized = encrypt_with_passphrase("right", b"x", iterations=FAST)
    with pytest.raises(DecryptionError):
        decrypt_with_passphrase("wrong", serialized)
    with pytest.raises(DecryptionError):
        decrypt_with_passphrase("Right", serialized)


def test_tampered_derivation_artefacts_fail() -> None:
    value = parse_encrypted(encrypt_with_passphrase("pw", b"x", iterations=FAST))
    assert value.derivation is not None
    for derivation in (
        dataclasses.replace(value.derivation, salt=value.derivation.salt[:-1] + b"\x00"),
        dataclasses.replace(value.derivation, iterations=FAST + 1),
    ):
        tampered = serialize_encrypted(dataclasses.replace(value, derivation=derivation))
        with pytest.raises(DecryptionError):
            decrypt_with_passphrase("pw", tampered)


def test_a_string_without_derivation_is_refused() -> None:
    with pytest.raises(SerializationError):
        decrypt_with_passphrase("pw", encrypt_with_key(bytes(32), b"x"))


@pytest.mark.parametrize("iterations", [0, -1, 10_000_001])
def test_unsupported_iteration_counts_are_refused(iterations: int) -> None:
    with pytest.raises(SerializationError):
        encrypt_with_passphrase("pw", b"x", iterations=iterations)
