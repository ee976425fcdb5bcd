"""RsaNNNN strings (RSA-OAEP SHA-1) and RSA key handling."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.crypto import (
    DecryptionError,
    EncryptedString,
    KeyFormatError,
    KeyPair,
    SerializationError,
    decrypt_with_private_key,
    encrypt_with_key,
    encrypt_with_public_key,
    generate_keypair,
    load_private_key,
    load_public_key,
    parse_encrypted,
    public_key_strategy,
    serialize_encrypted,
)
from tests.crypto.vectors import OaepKey, load_oaep_vectors


def crlf(pem: str) -> str:
    return pem.replace("\n", "\r\n")


def test_round_trip_with_pem_and_with_loaded_keys(rsa_pair: KeyPair) -> None:
    dek = bytes(range(32))
    serialized = encrypt_with_public_key(rsa_pair.public_pem, dek)
    assert decrypt_with_private_key(rsa_pair.private_pem, serialized) == dek
    public, private = load_public_key(rsa_pair.public_pem), load_private_key(rsa_pair.private_pem)
    assert decrypt_with_private_key(private, encrypt_with_public_key(public, dek)) == dek


def test_rsa4096_strategy_name_and_artefacts(rsa4096_pair: KeyPair) -> None:
    serialized = encrypt_with_public_key(rsa4096_pair.public_pem, b"session token")
    strategy, _ciphertext, artefacts = serialized.split(".")
    assert (strategy, artefacts) == ("Rsa4096", "QQUAAAAA")
    assert len(parse_encrypted(serialized).ciphertext) == 512
    assert decrypt_with_private_key(rsa4096_pair.private_pem, serialized) == b"session token"


def test_oaep_is_randomised(rsa_pair: KeyPair) -> None:
    assert encrypt_with_public_key(rsa_pair.public_pem, b"x") != encrypt_with_public_key(
        rsa_pair.public_pem, b"x"
    )


def test_keys_with_crlf_line_ends(rsa_pair: KeyPair) -> None:
    serialized = encrypt_with_public_key(crlf(rsa_pair.public_pem), b"x")
    assert decrypt_with_private_key(crlf(rsa_pair.private_pem), serialized) == b"x"


def test_wrong_private_key_raises_decryption_error(rsa_pair: KeyPair, other_rsa_pair: KeyPair) -> None:
    serialized = encrypt_with_public_key(rsa_pair.public_pem, b"x")
    with pytest.raises(DecryptionError):
        decrypt_with_private_key(other_rsa_pair.private_pem, serialized)


def test_private_key_of_another_size_raises_decryption_error(
    rsa_pair: KeyPair, rsa4096_pair: KeyPair
) -> None:
    with pytest.raises(DecryptionError):
        decrypt_with_private_key(rsa4096_pair.private_pem, encrypt_with_public_key(rsa_pair.public_pem, b"x"))


def test_aes_string_is_not_an_rsa_string(rsa_pair: KeyPair) -> None:
    with pytest.raises(SerializationError):
        decrypt_with_private_key(rsa_pair.private_pem, encrypt_with_key(bytes(32), b"x"))


def test_plaintext_longer_than_oaep_allows_is_refused(rsa_pair: KeyPair) -> None:
    assert encrypt_with_public_key(rsa_pair.public_pem, bytes(256 - 42))
    with pytest.raises(ValueError, match=r"(?i)encrypt|long"):
        encrypt_with_public_key(rsa_pair.public_pem, bytes(256 - 41))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(min_value=0, max_value=255), mask=st.integers(min_value=1, max_value=255))
def test_flipping_any_byte_of_the_wrapped_key_fails(
    rsa_pair: KeyPair, rsa_private: rsa.RSAPrivateKey, index: int, mask: int
) -> None:
    value = parse_encrypted(encrypt_with_public_key(rsa_pair.public_pem, bytes(range(32))))
    tampered = bytearray(value.ciphertext)
    tampered[index] ^= mask
    serialized = serialize_encrypted(dataclasses.replace(value, ciphertext=bytes(tampered)))
    with pytest.raises(DecryptionError):
        decrypt_with_private_key(rsa_private, serialized)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), char=st.characters(codec="ascii"))
def test_changing_any_character_never_returns_plaintext(
    rsa_pair: KeyPair, rsa_private: rsa.RSAPrivateKey, position: int, char: str
) -> None:
    serialized = encrypt_with_public_key(rsa_pair.public_pem, b"dek")
    index = position % len(serialized)
    if serialized[index] == char:
        return
    with pytest.raises((DecryptionError, SerializationError)):
        decrypt_with_private_key(rsa_private, serialized[:index] + char + serialized[index + 1 :])


# ---------------------------------------------------------------------- PKCS #1 v2.1 OAEP vectors

OAEP_KEYS = load_oaep_vectors()


def _private_key(vector: OaepKey) -> rsa.RSAPrivateKey:
    public = rsa.RSAPublicNumbers(vector.public_exponent, vector.modulus)
    numbers = rsa.RSAPrivateNumbers(
        vector.p, vector.q, vector.private_exponent, vector.dmp1, vector.dmq1, vector.iqmp, public
    )
    return numbers.private_key()


def test_oaep_vector_file_is_complete() -> None:
    assert len(OAEP_KEYS) == 10
    assert sum(len(key.examples) for key in OAEP_KEYS) == 60


@pytest.mark.parametrize("vector", OAEP_KEYS, ids=lambda key: f"{key.modulus.bit_length()}bits")
def test_oaep_vectors_decrypt_through_cryppo_strings(vector: OaepKey) -> None:
    private = _private_key(vector)
    bits = vector.modulus.bit_length()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")
    for message, ciphertext in vector.examples:
        serialized = serialize_encrypted(EncryptedString(f"Rsa{bits}", ciphertext))
        assert serialized.endswith(".QQUAAAAA")
        assert decrypt_with_private_key(private, serialized) == message
        assert decrypt_with_private_key(pem, serialized) == message


# -------------------------------------------------------------------------------------------- keys


def test_generated_pems_have_the_cryppo_forms(rsa_pair: KeyPair) -> None:
    assert rsa_pair.private_pem.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    assert rsa_pair.public_pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert "\r" not in rsa_pair.private_pem + rsa_pair.public_pem
    assert load_private_key(rsa_pair.private_pem).key_size == 2048


def test_key_pair_repr_hides_the_private_key(rsa_pair: KeyPair) -> None:
    assert "PRIVATE" not in repr(rsa_pair)
    assert rsa_pair.private_pem.split("\n")[1] not in repr(rsa_pair)


def test_generate_keypair_refuses_small_keys() -> None:
    with pytest.raises(KeyFormatError):
        generate_keypair(1024)


def test_public_key_strategy(rsa_pair: KeyPair, rsa4096_pair: KeyPair) -> None:
    assert public_key_strategy(rsa_pair.public_pem) == "Rsa2048"
    assert public_key_strategy(crlf(rsa4096_pair.public_pem)) == "Rsa4096"
    with pytest.raises(KeyFormatError):
        public_key_strategy("nope")


def test_private_key_loads_from_pkcs8_too(rsa_pair: KeyPair) -> None:
    pkcs8 = (
        load_private_key(rsa_pair.private_pem)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode("ascii")
    )
    assert pkcs8.startswith("-----BEGIN PRIVATE KEY-----")
    assert (
        load_private_key(crlf(pkcs8)).private_numbers()
        == load_private_key(rsa_pair.private_pem).private_numbers()
    )


def _ec_pems() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode("ascii"), public.decode("ascii")


def test_bad_public_keys_raise_key_format_error(rsa_pair: KeyPair) -> None:
    _, ec_public = _ec_pems()
    for pem in ["", "hello", rsa_pair.private_pem, ec_public, rsa_pair.public_pem[:100], "é", None, b"pem"]:
        with pytest.raises(KeyFormatError):
            load_public_key(pem)  # type: ignore[arg-type]
        with pytest.raises(KeyFormatError):
            encrypt_with_public_key(pem, b"x")  # type: ignore[arg-type]


def test_bad_private_keys_raise_key_format_error(rsa_pair: KeyPair) -> None:
    ec_private, _ = _ec_pems()
    encrypted = (
        load_private_key(rsa_pair.private_pem)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"password"),
        )
        .decode("ascii")
    )
    serialized = encrypt_with_public_key(rsa_pair.public_pem, b"x")
    for pem in ["", "hello", rsa_pair.public_pem, ec_private, encrypted, rsa_pair.private_pem[:200], None]:
        with pytest.raises(KeyFormatError):
            load_private_key(pem)  # type: ignore[arg-type]
        with pytest.raises(KeyFormatError):
            decrypt_with_private_key(pem, serialized)  # type: ignore[arg-type]


def test_trusted_loading_skips_only_the_consistency_check(rsa_pair: KeyPair) -> None:
    trusted = load_private_key(rsa_pair.private_pem, trusted=True)
    assert trusted.private_numbers() == load_private_key(rsa_pair.private_pem).private_numbers()
    assert decrypt_with_private_key(trusted, encrypt_with_public_key(rsa_pair.public_pem, b"x")) == b"x"
    for pem in ["hello", rsa_pair.public_pem, _ec_pems()[0]]:
        with pytest.raises(KeyFormatError):
            load_private_key(pem, trusted=True)
