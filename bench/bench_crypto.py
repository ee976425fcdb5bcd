"""strongroom.crypto side by side with the raw ``cryptography`` primitive each function wraps.

Run with ``pytest bench/bench_crypto.py --benchmark-only``. Each benchmark group holds one of our
functions and the primitive(s) under it; where the wire format needs work the primitive does not do
(URL-safe base64 of the ciphertext), a "floor" entry adds just that work to the primitive, so the
table shows both our total overhead and how much of it the format itself imposes.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import TypeVar

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from pytest_benchmark.fixture import BenchmarkFixture

from strongroom.crypto import (
    KeyPair,
    decrypt_with_key,
    decrypt_with_private_key,
    derive_pdk,
    encrypt_with_key,
    encrypt_with_public_key,
    generate_keypair,
    load_private_key,
    load_public_key,
    parse_secret_key,
)

KEY = os.urandom(32)
VALUE = os.urandom(1024)
DEK = os.urandom(32)
AD = b"none"
OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303
SECRET_KEY = "1.alice.2Kq8sd-9ZyTfV-bN3xUe-mPoWq4-hGcJ7L-aXvB1r-YtKd5s-Np"
PASSPHRASE = "correct horse battery staple"


T = TypeVar("T")


@pytest.fixture(scope="module")
def rsa4096() -> KeyPair:
    return generate_keypair(4096)


def few_rounds(benchmark: BenchmarkFixture, target: Callable[[], T], rounds: int) -> T:
    """Benchmark a slow ``target`` over a fixed, small number of rounds."""
    result: T = benchmark.pedantic(target, rounds=rounds, iterations=1)  # type: ignore[no-untyped-call]
    return result


# ------------------------------------------------------------------------ AES-GCM, 1 KiB value


@pytest.mark.benchmark(group="aes-256-gcm encrypt 1 KiB")
def test_raw_aesgcm_encrypt(benchmark: BenchmarkFixture) -> None:
    sealed = benchmark(lambda: AESGCM(KEY).encrypt(os.urandom(12), VALUE, AD))
    assert len(sealed) == len(VALUE) + 16


@pytest.mark.benchmark(group="aes-256-gcm encrypt 1 KiB")
def test_floor_raw_aesgcm_encrypt_and_base64(benchmark: BenchmarkFixture) -> None:
    def encrypt() -> bytes:
        sealed = AESGCM(KEY).encrypt(os.urandom(12), VALUE, AD)
        return base64.urlsafe_b64encode(sealed)

    benchmark(encrypt)


@pytest.mark.benchmark(group="aes-256-gcm encrypt 1 KiB")
def test_ours_encrypt_with_key(benchmark: BenchmarkFixture) -> None:
    serialized = benchmark(encrypt_with_key, KEY, VALUE)
    assert serialized.startswith("Aes256Gcm.")


@pytest.mark.benchmark(group="aes-256-gcm decrypt 1 KiB")
def test_raw_aesgcm_decrypt(benchmark: BenchmarkFixture) -> None:
    iv = os.urandom(12)
    sealed = AESGCM(KEY).encrypt(iv, VALUE, AD)
    assert benchmark(lambda: AESGCM(KEY).decrypt(iv, sealed, AD)) == VALUE


@pytest.mark.benchmark(group="aes-256-gcm decrypt 1 KiB")
def test_floor_base64_and_raw_aesgcm_decrypt(benchmark: BenchmarkFixture) -> None:
    iv = os.urandom(12)
    sealed = AESGCM(KEY).encrypt(iv, VALUE, AD)
    encoded = base64.urlsafe_b64encode(sealed[:-16]).decode("ascii")
    tag = sealed[-16:]

    def decrypt() -> bytes:
        return AESGCM(KEY).decrypt(iv, base64.urlsafe_b64decode(encoded) + tag, AD)

    assert benchmark(decrypt) == VALUE


@pytest.mark.benchmark(group="aes-256-gcm decrypt 1 KiB")
def test_ours_decrypt_with_key(benchmark: BenchmarkFixture) -> None:
    serialized = encrypt_with_key(KEY, VALUE)
    assert benchmark(decrypt_with_key, KEY, serialized) == VALUE


# ------------------------------------------------------------- RSA-4096 OAEP of a 32-byte DEK


@pytest.mark.benchmark(group="rsa-4096 wrap 32-byte DEK")
def test_raw_oaep_encrypt(benchmark: BenchmarkFixture, rsa4096: KeyPair) -> None:
    public = load_public_key(rsa4096.public_pem)
    assert len(benchmark(public.encrypt, DEK, OAEP)) == 512


@pytest.mark.benchmark(group="rsa-4096 wrap 32-byte DEK")
def test_ours_encrypt_with_public_key_loaded(benchmark: BenchmarkFixture, rsa4096: KeyPair) -> None:
    public = load_public_key(rsa4096.public_pem)
    assert benchmark(encrypt_with_public_key, public, DEK).startswith("Rsa4096.")


@pytest.mark.benchmark(group="rsa-4096 wrap 32-byte DEK")
def test_ours_encrypt_with_public_key_pem(benchmark: BenchmarkFixture, rsa4096: KeyPair) -> None:
    assert benchmark(encrypt_with_public_key, rsa4096.public_pem, DEK).startswith("Rsa4096.")


@pytest.mark.benchmark(group="rsa-4096 unwrap 32-byte DEK")
def test_raw_oaep_decrypt(benchmark: BenchmarkFixture, rsa4096: KeyPair) -> None:
    private = load_private_key(rsa4096.private_pem)
    ciphertext = private.public_key().encrypt(DEK, OAEP)
    assert benchmark(private.decrypt, ciphertext, OAEP) == DEK


@pytest.mark.benchmark(group="rsa-4096 unwrap 32-byte DEK")
def test_ours_decrypt_with_private_key_loaded(benchmark: BenchmarkFixture, rsa4096: KeyPair) -> None:
    private = load_private_key(rsa4096.private_pem)
    serialized = encrypt_with_public_key(rsa4096.public_pem, DEK)
    assert benchmark(decrypt_with_private_key, private, serialized) == DEK


@pytest.mark.benchmark(group="rsa-4096 load private key PEM")
def test_ours_load_private_key_checked(benchmark: BenchmarkFixture, rsa4096: KeyPair) -> None:
    # The consistency check OpenSSL runs on load dominates any use of a PEM private key.
    key = few_rounds(benchmark, lambda: load_private_key(rsa4096.private_pem), rounds=3)
    assert isinstance(key, rsa.RSAPrivateKey)


@pytest.mark.benchmark(group="rsa-4096 load private key PEM")
def test_ours_load_private_key_trusted(benchmark: BenchmarkFixture, rsa4096: KeyPair) -> None:
    key = benchmark(lambda: load_private_key(rsa4096.private_pem, trusted=True))
    assert isinstance(key, rsa.RSAPrivateKey)


# ------------------------------------------------------------ PDK: PBKDF2-HMAC-SHA256, 100,000 rounds


@pytest.mark.benchmark(group="pdk pbkdf2-sha256 100k")
def test_raw_pbkdf2hmac(benchmark: BenchmarkFixture) -> None:
    salt = parse_secret_key(SECRET_KEY).secret.encode("ascii")

    def derive() -> bytes:
        kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=100_000)
        return kdf.derive(PASSPHRASE.encode("utf-8"))

    expected = few_rounds(benchmark, derive, rounds=5)
    assert expected == derive_pdk(PASSPHRASE, SECRET_KEY)


@pytest.mark.benchmark(group="pdk pbkdf2-sha256 100k")
def test_ours_derive_pdk(benchmark: BenchmarkFixture) -> None:
    assert len(few_rounds(benchmark, lambda: derive_pdk(PASSPHRASE, SECRET_KEY), rounds=5)) == 32
