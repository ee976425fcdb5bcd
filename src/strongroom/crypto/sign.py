"""RSA signatures in cryppo's form ``Sign.Rsa<bits>.<b64(signature)>.<b64(data)>``.

RSASSA-PKCS1-v1_5 over SHA-256, as ``signWithPrivateKey`` / ``verifyWithPublicKey`` of cryppo.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from strongroom.crypto.encoding import b64decode, b64encode
from strongroom.crypto.errors import SerializationError, SignatureError
from strongroom.crypto.format import rsa_bits
from strongroom.crypto.keys import PrivateKeyLike, PublicKeyLike, as_private_key, as_public_key, rsa_strategy

__all__ = ["Signature", "parse_signature", "sign", "verify"]

_PREFIX = "Sign"


@dataclass(frozen=True)
class Signature:
    """A parsed signature string: ``strategy`` is e.g. ``"Rsa4096"``; ``data`` is what was signed."""

    strategy: str
    signature: bytes
    data: bytes


def sign(private_key: PrivateKeyLike, data: bytes) -> str:
    """Sign ``data`` with ``private_key`` (PEM or loaded key); returns ``Sign.Rsa<bits>.<sig>.<data>``.

    Raises :class:`KeyFormatError` for a bad key.
    """
    key = as_private_key(private_key)
    signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return f"{_PREFIX}.{rsa_strategy(key.key_size)}.{b64encode(signature)}.{b64encode(data)}"


def parse_signature(serialized: str) -> Signature:
    """Parse a signature string: exactly four parts, ``Sign``, ``RsaNNNN``, a signature of the key's
    size, strict base64. Raises :class:`SerializationError` otherwise.
    """
    if not isinstance(serialized, str):
        raise SerializationError("a signature must be a string")
    parts = serialized.split(".")
    if len(parts) != 4 or parts[0] != _PREFIX:
        raise SerializationError("a signature has the form Sign.<strategy>.<signature>.<data>")
    bits = rsa_bits(parts[1])
    if bits is None:
        raise SerializationError("unknown signature strategy")
    signature = b64decode(parts[2])
    if len(signature) != (bits + 7) // 8:
        raise SerializationError("signature length does not match the strategy's key size")
    return Signature(strategy=parts[1], signature=signature, data=b64decode(parts[3]))


def verify(public_key: PublicKeyLike, serialized: str) -> bytes:
    """Verify a signature string with ``public_key`` (PEM or loaded key); returns the signed data.

    Raises :class:`SerializationError` if malformed, :class:`KeyFormatError` for a bad key and
    :class:`SignatureError` if the signature does not verify (including a key of another size).
    """
    parsed = parse_signature(serialized)
    key = as_public_key(public_key)
    if rsa_strategy(key.key_size) != parsed.strategy:
        raise SignatureError()
    try:
        key.verify(parsed.signature, parsed.data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureError() from None
    return parsed.data
