"""Symmetric keys and RSA key pairs: generation, PEM loading, strategy names.

Loading a PEM private key is expensive: the consistency check OpenSSL runs on it takes about half a
second for RSA-4096. Callers doing more than one operation with a key should load it once with
:func:`load_private_key` (``trusted=True`` when its integrity is already authenticated) and pass the
key object to the functions that accept one (``str | RSAPrivateKey``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from strongroom.crypto.errors import KeyFormatError

__all__ = [
    "KEY_LENGTH",
    "KeyPair",
    "PrivateKeyLike",
    "PublicKeyLike",
    "as_private_key",
    "as_public_key",
    "check_symmetric_key",
    "generate_key",
    "generate_keypair",
    "load_private_key",
    "load_public_key",
    "public_key_strategy",
    "rsa_strategy",
]

KEY_LENGTH = 32
"""Length in bytes of every symmetric key (KEK, DEK, PDK): AES-256."""

PublicKeyLike = str | rsa.RSAPublicKey
PrivateKeyLike = str | rsa.RSAPrivateKey

_MIN_GENERATED_BITS = 2048


@dataclass(frozen=True)
class KeyPair:
    """An RSA key pair as PEM text: PKCS#1 private key and SubjectPublicKeyInfo public key."""

    private_pem: str
    public_pem: str

    def __repr__(self) -> str:
        # Never let the private key reach a log through repr().
        return "KeyPair(private_pem=<redacted>, public_pem=...)"


def generate_key() -> bytes:
    """Return 32 random bytes from the OS CSPRNG (a KEK or DEK)."""
    return os.urandom(KEY_LENGTH)


def check_symmetric_key(key: bytes) -> None:
    """Raise :class:`KeyFormatError` unless ``key`` is exactly 32 bytes."""
    if not isinstance(key, bytes) or len(key) != KEY_LENGTH:
        raise KeyFormatError(f"a symmetric key must be {KEY_LENGTH} bytes")


def generate_keypair(bits: int = 4096) -> KeyPair:
    """Generate an RSA key pair (public exponent 65537) of ``bits`` bits.

    Returns PEM text with ``\\n`` line ends: ``BEGIN RSA PRIVATE KEY`` (PKCS#1) and ``BEGIN PUBLIC KEY``
    (SPKI), the forms cryppo writes. Raises :class:`KeyFormatError` for fewer than 2048 bits.
    """
    if bits < _MIN_GENERATED_BITS:
        raise KeyFormatError(f"RSA keys must have at least {_MIN_GENERATED_BITS} bits")
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return KeyPair(private_pem=private_pem, public_pem=public_pem)


def _pem_bytes(pem: str) -> bytes:
    if not isinstance(pem, str):
        raise KeyFormatError("a PEM key must be a string")
    try:
        # OpenSSL reads \r\n as well as \n; normalising keeps behaviour independent of that.
        return pem.replace("\r\n", "\n").strip().encode("ascii") + b"\n"
    except UnicodeEncodeError:
        raise KeyFormatError("a PEM key must be ASCII") from None


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """Load an RSA public key from SPKI (``BEGIN PUBLIC KEY``) or PKCS#1 (``BEGIN RSA PUBLIC KEY``) PEM.

    Accepts ``\\n`` and ``\\r\\n`` line ends. Raises :class:`KeyFormatError` for anything else, including
    PEM holding a non-RSA key.
    """
    try:
        key = serialization.load_pem_public_key(_pem_bytes(pem))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFormatError("not a PEM RSA public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyFormatError("not an RSA public key")
    return key


def load_private_key(pem: str, *, trusted: bool = False) -> rsa.RSAPrivateKey:
    """Load an unencrypted RSA private key from PKCS#1 or PKCS#8 PEM (``\\n`` or ``\\r\\n`` line ends).

    By default the key's mathematical consistency is checked, which costs about half a second for
    RSA-4096. ``trusted=True`` skips that check: use it only for a key whose integrity is already
    established, e.g. one just unwrapped from an authenticated ``Aes256Gcm`` string. Raises
    :class:`KeyFormatError` for anything else (including encrypted PEM and non-RSA keys).
    """
    try:
        key = serialization.load_pem_private_key(
            _pem_bytes(pem), password=None, unsafe_skip_rsa_key_validation=trusted
        )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFormatError("not an unencrypted PEM RSA private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFormatError("not an RSA private key")
    return key


def as_public_key(key: PublicKeyLike) -> rsa.RSAPublicKey:
    """Return ``key`` itself if it is already an RSA public key object, else load it from PEM."""
    if isinstance(key, rsa.RSAPublicKey):
        return key
    return load_public_key(key)


def as_private_key(key: PrivateKeyLike) -> rsa.RSAPrivateKey:
    """Return ``key`` itself if it is already an RSA private key object, else load it from PEM."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key
    return load_private_key(key)


def rsa_strategy(key_size: int) -> str:
    """The cryppo strategy name for an RSA modulus of ``key_size`` bits, e.g. ``"Rsa4096"``."""
    return f"Rsa{key_size}"


def public_key_strategy(pem: PublicKeyLike) -> str:
    """Strategy name (``"Rsa4096"``, ``"Rsa2048"``…) from the modulus size of a public key.

    Raises :class:`KeyFormatError` if ``pem`` is not an RSA public key.
    """
    return rsa_strategy(as_public_key(pem).key_size)
