"""Encryption and derivation artefacts: the third (and fifth) part of a cryppo string.

Current form: a version byte (``A`` for encryption artefacts, ``K`` for derivation artefacts) followed
by a BSON document, all URL-safe base64. Legacy form: YAML text starting with ``---`` (read only).
"""

from __future__ import annotations

from dataclasses import dataclass

from strongroom.crypto.bson import BsonValue, decode_document, encode_document
from strongroom.crypto.encoding import b64decode, b64encode
from strongroom.crypto.errors import SerializationError
from strongroom.crypto.legacy_yaml import parse_legacy_yaml

__all__ = [
    "AD_NONE",
    "DERIVATION_HASH",
    "DERIVATION_STRATEGY",
    "DERIVED_KEY_LENGTH",
    "IV_LENGTH",
    "MAX_ITERATIONS",
    "RSA_ARTEFACTS",
    "TAG_LENGTH",
    "DerivationArtefacts",
    "aes_artefacts_from_bytes",
    "decode_aes_artefacts",
    "decode_artefacts",
    "decode_derivation_artefacts",
    "encode_aes_artefacts",
    "encode_derivation_artefacts",
    "validate_aes_artefacts",
    "validate_derivation",
]

IV_LENGTH = 12
TAG_LENGTH = 16
AD_NONE = "none"
DERIVATION_STRATEGY = "Pbkdf2Hmac"
DERIVATION_HASH = "SHA256"
DERIVED_KEY_LENGTH = 32
# PBKDF2 cost is chosen by whoever wrote the string; cap it so a hostile string cannot pin a CPU.
MAX_ITERATIONS = 10_000_000
MAX_SALT_LENGTH = 1024

_ENCRYPTION_VERSION = b"A"
_AES_BINARY_FIELDS = frozenset(("iv", "at"))
_DERIVATION_BINARY_FIELDS = frozenset(("iv",))
_DERIVATION_VERSION = b"K"

# The Aes256Gcm artefacts always have the same 65-byte layout ("A" + BSON {iv, at, ad: "none"}), so
# they are written (and, when they match it, read) by slicing around two fixed gaps. These are
# immutable constants derived from the general encoder, not a cache.
_TEMPLATE = _ENCRYPTION_VERSION + encode_document(
    [("iv", b"\x00" * IV_LENGTH), ("at", b"\x00" * TAG_LENGTH), ("ad", AD_NONE)]
)
_IV_START = 14
_IV_END = _IV_START + IV_LENGTH
_TAG_START = _IV_END + 9
_TAG_END = _TAG_START + TAG_LENGTH
_HEAD = _TEMPLATE[:_IV_START]
_MIDDLE = _TEMPLATE[_IV_END:_TAG_START]
_TAIL = _TEMPLATE[_TAG_END:]
_TEMPLATE_LENGTH = len(_TEMPLATE)

RSA_ARTEFACTS = b64encode(_ENCRYPTION_VERSION + encode_document([]))
"""The artefacts part of every RSA cryppo string: ``"QQUAAAAA"`` ("A" + empty BSON document)."""


@dataclass(frozen=True)
class DerivationArtefacts:
    """How a key was derived from a passphrase (the last two parts of a five-part cryppo string)."""

    strategy: str
    salt: bytes
    iterations: int
    length: int
    hash: str


def decode_artefacts(
    text: str, version: bytes = _ENCRYPTION_VERSION, binary_fields: frozenset[str] = frozenset()
) -> dict[str, BsonValue]:
    """Decode base64 artefacts, either ``version`` byte + BSON or legacy YAML, into a flat mapping.

    ``binary_fields`` name the legacy YAML fields that may be written as strings of raw bytes.
    Raises :class:`SerializationError` if ``text`` is not base64 or the content is neither form.
    """
    raw = b64decode(text)
    if raw[:3] == b"---":
        return parse_legacy_yaml(raw, binary_fields)
    if raw[:1] != version:
        raise SerializationError("unknown artefacts version")
    return decode_document(raw[1:])


def encode_aes_artefacts(iv: bytes, tag: bytes) -> str:
    """Base64 of ``A`` + BSON ``{iv, at, ad: "none"}`` in cryppo's field order."""
    return b64encode(b"".join((_HEAD, iv, _MIDDLE, tag, _TAIL)))


def validate_aes_artefacts(fields: dict[str, BsonValue]) -> tuple[bytes, bytes, str]:
    """Check Aes256Gcm artefacts: exactly ``iv`` (12 bytes), ``at`` (16 bytes), ``ad`` (string).

    Returns ``(iv, tag, ad)``; raises :class:`SerializationError` otherwise.
    """
    if fields.keys() != {"iv", "at", "ad"}:
        raise SerializationError("Aes256Gcm artefacts must hold exactly iv, at and ad")
    iv, tag, ad = fields["iv"], fields["at"], fields["ad"]
    if not isinstance(iv, bytes) or len(iv) != IV_LENGTH:
        raise SerializationError(f"Aes256Gcm IV must be {IV_LENGTH} bytes")
    if not isinstance(tag, bytes) or len(tag) != TAG_LENGTH:
        raise SerializationError(f"Aes256Gcm tag must be {TAG_LENGTH} bytes")
    if not isinstance(ad, str):
        raise SerializationError("Aes256Gcm associated data must be a string")
    return iv, tag, ad


def decode_aes_artefacts(text: str) -> tuple[bytes, bytes, str]:
    """Decode and validate base64 Aes256Gcm artefacts; returns ``(iv, tag, ad)``.

    Raises :class:`SerializationError` for malformed or unexpected artefacts.
    """
    return aes_artefacts_from_bytes(b64decode(text))


def aes_artefacts_from_bytes(raw: bytes) -> tuple[bytes, bytes, str]:
    """Like :func:`decode_aes_artefacts`, for artefacts already decoded from base64."""
    if (
        len(raw) == _TEMPLATE_LENGTH
        and raw.startswith(_HEAD)
        and raw.endswith(_TAIL)
        and raw[_IV_END:_TAG_START] == _MIDDLE
    ):
        return raw[_IV_START:_IV_END], raw[_TAG_START:_TAG_END], AD_NONE
    if raw[:3] == b"---":
        return validate_aes_artefacts(parse_legacy_yaml(raw, _AES_BINARY_FIELDS))
    if raw[:1] != _ENCRYPTION_VERSION:
        raise SerializationError("unknown artefacts version")
    return validate_aes_artefacts(decode_document(raw[1:]))


def encode_derivation_artefacts(derivation: DerivationArtefacts) -> str:
    """Base64 of ``K`` + BSON ``{iv: salt, i: iterations, l: length, hash}`` (cryppo's order)."""
    validate_derivation(derivation)
    document = encode_document(
        [
            ("iv", derivation.salt),
            ("i", derivation.iterations),
            ("l", derivation.length),
            ("hash", derivation.hash),
        ]
    )
    return b64encode(_DERIVATION_VERSION + document)


def validate_derivation(derivation: DerivationArtefacts) -> None:
    """Raise :class:`SerializationError` unless ``derivation`` is a supported PBKDF2 configuration.

    Supported: strategy ``Pbkdf2Hmac``, hash ``SHA256``, 1..1024-byte salt, 1..10,000,000 iterations,
    length 32 (the key of Aes256Gcm).
    """
    if derivation.strategy != DERIVATION_STRATEGY:
        raise SerializationError("unknown key derivation strategy")
    if derivation.hash != DERIVATION_HASH:
        raise SerializationError("unsupported key derivation hash")
    if not isinstance(derivation.salt, bytes) or not 1 <= len(derivation.salt) <= MAX_SALT_LENGTH:
        raise SerializationError("invalid key derivation salt")
    if (
        not isinstance(derivation.iterations, int)
        or isinstance(derivation.iterations, bool)
        or not 1 <= derivation.iterations <= MAX_ITERATIONS
    ):
        raise SerializationError("invalid key derivation iteration count")
    if derivation.length != DERIVED_KEY_LENGTH or isinstance(derivation.length, bool):
        raise SerializationError(f"derived key length must be {DERIVED_KEY_LENGTH}")


def decode_derivation_artefacts(strategy: str, text: str) -> DerivationArtefacts:
    """Decode the derivation part of a five-part cryppo string (``K`` + BSON, or legacy YAML).

    ``hash`` may be absent (Ruby cryppo omits it); it then means SHA256. Raises
    :class:`SerializationError` for anything malformed or unsupported.
    """
    if strategy != DERIVATION_STRATEGY:
        raise SerializationError("unknown key derivation strategy")
    fields = decode_artefacts(text, _DERIVATION_VERSION, _DERIVATION_BINARY_FIELDS)
    if not fields.keys() <= {"iv", "i", "l", "hash"} or not fields.keys() >= {"iv", "i", "l"}:
        raise SerializationError("derivation artefacts must hold iv, i, l and optionally hash")
    salt, iterations, length = fields["iv"], fields["i"], fields["l"]
    hash_name = fields.get("hash", DERIVATION_HASH)
    if not isinstance(salt, bytes):
        raise SerializationError("invalid key derivation salt")
    if not isinstance(iterations, int) or not isinstance(length, int):
        raise SerializationError("key derivation iterations and length must be integers")
    if not isinstance(hash_name, str):
        raise SerializationError("unsupported key derivation hash")
    derivation = DerivationArtefacts(
        strategy=strategy, salt=salt, iterations=iterations, length=length, hash=hash_name.upper()
    )
    validate_derivation(derivation)
    return derivation
