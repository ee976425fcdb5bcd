"""The serialized encrypted string ("cryppo string"): parsing, validation and serialization.

``<Strategy>.<b64(ciphertext)>.<b64(artefacts)>``, optionally followed by
``.Pbkdf2Hmac.<b64(derivation artefacts)>`` when the key was derived from a passphrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from strongroom.crypto.artefacts import (
    RSA_ARTEFACTS,
    DerivationArtefacts,
    decode_aes_artefacts,
    decode_artefacts,
    decode_derivation_artefacts,
    encode_aes_artefacts,
    encode_derivation_artefacts,
    validate_aes_artefacts,
)
from strongroom.crypto.bson import BsonValue, encode_document
from strongroom.crypto.encoding import b64decode, b64encode
from strongroom.crypto.errors import SerializationError

__all__ = [
    "AES_STRATEGY",
    "MAX_RSA_BITS",
    "MIN_RSA_BITS",
    "EncryptedString",
    "is_encrypted",
    "parse_encrypted",
    "rsa_bits",
    "serialize_encrypted",
]

AES_STRATEGY = "Aes256Gcm"
MIN_RSA_BITS = 1024
MAX_RSA_BITS = 16384
_AES_FIELDS = frozenset(("iv", "at", "ad"))
_RSA_STRATEGY = re.compile(r"Rsa([1-9][0-9]{3,4})")


@dataclass(frozen=True)
class EncryptedString:
    """A parsed cryppo string.

    ``artefacts`` is ``{"iv": bytes, "at": bytes, "ad": str}`` for ``Aes256Gcm`` and empty for
    ``RsaNNNN``; ``ciphertext`` excludes the GCM tag. ``derivation`` is set for passphrase-derived keys.
    """

    strategy: str
    ciphertext: bytes
    # Excluded from the hash so that the frozen value stays hashable (a dict is not).
    artefacts: dict[str, BsonValue] = field(default_factory=dict, hash=False)
    derivation: DerivationArtefacts | None = None


def rsa_bits(strategy: str) -> int | None:
    """Modulus size named by an ``RsaNNNN`` strategy (1024..16384), or ``None`` if it is not one."""
    match = _RSA_STRATEGY.fullmatch(strategy)
    if match is None:
        return None
    bits = int(match.group(1))
    return bits if MIN_RSA_BITS <= bits <= MAX_RSA_BITS else None


def _rsa_ciphertext(bits: int, text: str) -> bytes:
    ciphertext = b64decode(text)
    if len(ciphertext) != (bits + 7) // 8:
        raise SerializationError("RSA ciphertext length does not match the strategy's key size")
    return ciphertext


def parse_encrypted(serialized: str) -> EncryptedString:
    """Parse and validate a cryppo string (3 parts, or 5 with passphrase derivation).

    Checks: known strategy (``Aes256Gcm`` or ``Rsa1024``..``Rsa16384``), strict base64 everywhere,
    artefacts that parse (``A`` + BSON or legacy YAML), a 12-byte IV and 16-byte tag for AES, empty
    artefacts and a ciphertext of the key's size for RSA, supported derivation artefacts (AES only).
    Raises :class:`SerializationError` for anything else; never any other exception.
    """
    if not isinstance(serialized, str):
        raise SerializationError("an encrypted string must be a string")
    parts = serialized.split(".")
    if len(parts) not in (3, 5):
        raise SerializationError("an encrypted string has 3 parts (or 5 with key derivation)")
    strategy = parts[0]
    artefacts: dict[str, BsonValue]
    if strategy == AES_STRATEGY:
        ciphertext = b64decode(parts[1])
        iv, tag, ad = decode_aes_artefacts(parts[2])
        artefacts = {"iv": iv, "at": tag, "ad": ad}
    else:
        bits = rsa_bits(strategy)
        if bits is None:
            raise SerializationError("unknown encryption strategy")
        ciphertext = _rsa_ciphertext(bits, parts[1])
        # Current cryppo writes an empty document; some legacy writers put empty iv/at/ad fields.
        legacy_fields = decode_artefacts(parts[2])
        if any(name not in _AES_FIELDS or item not in ("", b"") for name, item in legacy_fields.items()):
            raise SerializationError("RSA artefacts must be empty")
        artefacts = {}
        if len(parts) == 5:
            raise SerializationError("key derivation is only defined for Aes256Gcm")
    derivation = decode_derivation_artefacts(parts[3], parts[4]) if len(parts) == 5 else None
    return EncryptedString(strategy, ciphertext, artefacts, derivation)


def serialize_encrypted(value: EncryptedString) -> str:
    """Serialize ``value`` in the current form (BSON artefacts, cryppo's field order).

    Raises :class:`SerializationError` if ``value`` would not parse back (unknown strategy, bad
    artefacts, RSA ciphertext of the wrong size, unsupported derivation).
    """
    if value.strategy == AES_STRATEGY:
        iv, tag, ad = validate_aes_artefacts(value.artefacts)
        if ad == "none":
            artefacts = encode_aes_artefacts(iv, tag)
        else:
            artefacts = b64encode(b"A" + encode_document([("iv", iv), ("at", tag), ("ad", ad)]))
    else:
        bits = rsa_bits(value.strategy)
        if bits is None:
            raise SerializationError("unknown encryption strategy")
        if len(value.ciphertext) != (bits + 7) // 8:
            raise SerializationError("RSA ciphertext length does not match the strategy's key size")
        if value.artefacts:
            raise SerializationError("RSA artefacts must be empty")
        if value.derivation is not None:
            raise SerializationError("key derivation is only defined for Aes256Gcm")
        artefacts = RSA_ARTEFACTS
    serialized = f"{value.strategy}.{b64encode(value.ciphertext)}.{artefacts}"
    if value.derivation is not None:
        serialized += f".{value.derivation.strategy}.{encode_derivation_artefacts(value.derivation)}"
    return serialized


def is_encrypted(serialized: object, strategy_prefix: str | None = None) -> bool:
    """True if ``serialized`` is a valid cryppo string whose strategy starts with ``strategy_prefix``.

    ``is_encrypted(s, "Aes256Gcm")`` accepts only AES strings; ``is_encrypted(s, "Rsa")`` any RSA size.
    Never raises.
    """
    if not isinstance(serialized, str):
        return False
    try:
        strategy = parse_encrypted(serialized).strategy
    except SerializationError:
        return False
    return strategy_prefix is None or strategy.startswith(strategy_prefix)
