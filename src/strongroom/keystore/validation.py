"""Checks on the key material clients send: cryppo strings of the right strategy, RSA public keys.

Each raises a 422 :class:`~strongroom.kit.errors.AppError` with a stable code whose message names the field,
never its value.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from strongroom.crypto import (
    EncryptedString,
    KeyFormatError,
    SerializationError,
    load_public_key,
    parse_encrypted,
)
from strongroom.kit.errors import invalid

AES_STRATEGY = "Aes256Gcm"
MIN_RSA_BITS = 2048

INVALID_ENCRYPTED_KEY = "invalid_encrypted_key"
INVALID_PUBLIC_KEY = "invalid_public_key"


def require_aes_wrapped(field: str, value: str) -> EncryptedString:
    """``value`` must be an ``Aes256Gcm`` cryppo string (also with ``Pbkdf2Hmac`` key derivation)."""
    parsed = _parse(field, value)
    if parsed.strategy != AES_STRATEGY:
        raise invalid(INVALID_ENCRYPTED_KEY, f"{field} must be an {AES_STRATEGY} encrypted string")
    return parsed


def require_rsa_wrapped(field: str, value: str) -> EncryptedString:
    """``value`` must be an ``Rsa<bits>`` cryppo string."""
    parsed = _parse(field, value)
    if not parsed.strategy.startswith("Rsa"):
        raise invalid(INVALID_ENCRYPTED_KEY, f"{field} must be an Rsa encrypted string")
    return parsed


def _parse(field: str, value: str) -> EncryptedString:
    try:
        return parse_encrypted(value)
    except SerializationError:
        raise invalid(INVALID_ENCRYPTED_KEY, f"{field} is not a serialized encrypted string") from None


def require_public_key(field: str, value: str) -> RSAPublicKey:
    """``value`` must be a PEM RSA public key of at least 2048 bits; returns the loaded key."""
    try:
        key = load_public_key(value)
    except KeyFormatError:
        raise invalid(INVALID_PUBLIC_KEY, f"{field} is not a PEM RSA public key") from None
    if key.key_size < MIN_RSA_BITS:
        raise invalid(INVALID_PUBLIC_KEY, f"{field} must be an RSA key of at least {MIN_RSA_BITS} bits")
    return key


def public_key_digest(key: RSAPublicKey) -> str:
    """SHA-256 (hex) of the key's DER SubjectPublicKeyInfo: equal for every PEM spelling of one key."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()
