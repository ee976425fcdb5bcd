"""Shared fixtures for the crypto tests: RSA key pairs are generated once per session (slow)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from strongroom.crypto import KeyPair, generate_keypair, load_private_key


@pytest.fixture(scope="session")
def rsa_pair() -> KeyPair:
    """An RSA-2048 key pair (fast enough for the many tests that do not care about the size)."""
    return generate_keypair(2048)


@pytest.fixture(scope="session")
def other_rsa_pair() -> KeyPair:
    """A second, unrelated RSA-2048 key pair (the "wrong key")."""
    return generate_keypair(2048)


@pytest.fixture(scope="session")
def rsa4096_pair() -> KeyPair:
    """An RSA-4096 key pair: the size the wire format uses."""
    return generate_keypair(4096)


@pytest.fixture(scope="session")
def rsa_private(rsa_pair: KeyPair) -> rsa.RSAPrivateKey:
    """The private key of ``rsa_pair``, loaded once (loading validates the key, which is slow)."""
    return load_private_key(rsa_pair.private_pem)
