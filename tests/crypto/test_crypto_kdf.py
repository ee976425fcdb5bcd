"""PBKDF2-HMAC-SHA256, the PDK and the SRP password derived from passphrase and secret key."""

from __future__ import annotations

import pytest

from strongroom.crypto import (
    PDK_ITERATIONS,
    SerializationError,
    derive_pdk,
    derive_srp_password,
    parse_secret_key,
    pbkdf2_sha256,
)

# RFC 7914 (scrypt), section 11: the published PBKDF2-HMAC-SHA256 test vectors (the
# cryptography_vectors package has PBKDF2 vectors for SHA-1 only).
RFC7914_VECTORS = [
    (
        b"passwd",
        b"salt",
        1,
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
    ),
    (
        b"Password",
        b"NaCl",
        80000,
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d",
    ),
]


@pytest.mark.parametrize(("password", "salt", "iterations", "expected"), RFC7914_VECTORS)
def test_pbkdf2_sha256_rfc7914_vectors(password: bytes, salt: bytes, iterations: int, expected: str) -> None:
    assert pbkdf2_sha256(password, salt, iterations, 64).hex() == expected
    # A shorter output is a prefix of the longer one.
    assert pbkdf2_sha256(password, salt, iterations, 32).hex() == expected[:64]


SECRET_KEY = "1.alice123.2Kq8sd-9ZyTfV-bN3xUe-mPoWq4-hGcJ7L-aXvB1r-YtKd5s-Np"
SECRET = "2Kq8sd9ZyTfVbN3xUemPoWq4hGcJ7LaXvB1rYtKd5sNp"


def test_pdk_is_pbkdf2_of_the_passphrase_salted_with_the_secret() -> None:
    assert PDK_ITERATIONS == 100_000
    assert parse_secret_key(SECRET_KEY).secret == SECRET
    pdk = derive_pdk("correct horse", SECRET_KEY)
    assert len(pdk) == 32
    assert pdk == pbkdf2_sha256(b"correct horse", SECRET.encode("ascii"), 100_000, 32)


def test_pdk_is_deterministic_and_depends_on_both_inputs() -> None:
    pdk = derive_pdk("correct horse", SECRET_KEY)
    assert derive_pdk("correct horse", SECRET_KEY) == pdk
    assert derive_pdk("correct horsf", SECRET_KEY) != pdk
    assert derive_pdk("correct horse", SECRET_KEY.replace("2Kq8sd", "2Kq8se")) != pdk
    # The dashes only group the secret for reading: they are not part of it, nor is the username.
    regrouped = "1.bob." + "-".join(SECRET[i : i + 4] for i in range(0, len(SECRET), 4))
    assert derive_pdk("correct horse", regrouped) == pdk


def test_passphrase_is_utf8_encoded() -> None:
    expected = pbkdf2_sha256("Grüße 🔐".encode(), SECRET.encode("ascii"), 100_000, 32)
    assert derive_pdk("Grüße 🔐", SECRET_KEY) == expected


def test_srp_password_uses_the_reversed_secret_and_jsrp_utf8_reencoding() -> None:
    raw = pbkdf2_sha256(b"correct horse", SECRET[::-1].encode("ascii"), 100_000, 32)
    password = derive_srp_password("correct horse", SECRET_KEY)
    high = [byte for byte in raw if byte >= 0x80]
    assert high, "the vector must exercise the re-encoding (a 32-byte digest without such a byte is ~2^-32)"
    # Every byte >= 0x80 becomes two bytes (its UTF-8 encoding as a code point); the others stay.
    assert len(password) == 32 + len(high)
    expected = bytearray()
    for byte in raw:
        expected += bytes([byte]) if byte < 0x80 else bytes([0xC0 | byte >> 6, 0x80 | (byte & 0x3F)])
    assert password == bytes(expected)
    assert password != derive_pdk("correct horse", SECRET_KEY)


def test_srp_password_single_byte_rule() -> None:
    # The rule on one byte, as jsrp applies it to the JavaScript binary string: 0xE9 -> C3 A9.
    assert b"\xe9".decode("latin-1").encode("utf-8") == b"\xc3\xa9"
    password = derive_srp_password("p", SECRET_KEY)
    assert password.decode("utf-8").encode("latin-1") == pbkdf2_sha256(b"p", SECRET[::-1].encode(), 100_000)


@pytest.mark.parametrize("secret_key", ["", "alice.secret", "1.alice.", "1.alice.0OIl", "1.a.b.c"])
def test_malformed_secret_keys_raise_serialization_error(secret_key: str) -> None:
    with pytest.raises(SerializationError):
        derive_pdk("p", secret_key)
    with pytest.raises(SerializationError):
        derive_srp_password("p", secret_key)
