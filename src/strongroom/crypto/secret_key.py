"""The secret key ``1.<username>.<readable>`` and Base58 (Bitcoin alphabet)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import MappingProxyType

from strongroom.crypto.errors import SerializationError

__all__ = [
    "BASE58_ALPHABET",
    "SECRET_KEY_VERSION",
    "SecretKey",
    "base58_decode",
    "base58_encode",
    "generate_secret_key",
    "parse_secret_key",
]

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
SECRET_KEY_VERSION = "1"  # noqa: S105 -- a format version, not a secret
_GROUP = 6
_SECRET_BYTES = 32
_BASE58_INDEX = MappingProxyType({c: i for i, c in enumerate(BASE58_ALPHABET)})
_MAX_SECRET_KEY_LENGTH = 1024


@dataclass(frozen=True)
class SecretKey:
    """A parsed secret key. ``secret`` is the third part with every ``-`` removed."""

    version: str
    username: str
    secret: str

    def __repr__(self) -> str:
        return f"SecretKey(version={self.version!r}, username={self.username!r}, secret=<redacted>)"


def base58_encode(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet; each leading zero byte becomes a leading ``1``."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(BASE58_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def base58_decode(text: str) -> bytes:
    """Inverse of :func:`base58_encode`; raises :class:`SerializationError` for a foreign character."""
    number = 0
    for char in text:
        value = _BASE58_INDEX.get(char)
        if value is None:
            raise SerializationError("invalid Base58 character")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body


def generate_secret_key(username: str) -> str:
    """A new secret key ``1.<username>.<readable>``: 32 random bytes in Base58, groups of 6 joined by ``-``.

    Raises ``ValueError`` if ``username`` is empty or contains ``.`` or whitespace.
    """
    _check_username(username, ValueError)
    readable = base58_encode(os.urandom(_SECRET_BYTES))
    groups = [readable[i : i + _GROUP] for i in range(0, len(readable), _GROUP)]
    return f"{SECRET_KEY_VERSION}.{username}.{'-'.join(groups)}"


def _check_username(username: str, error: type[Exception]) -> None:
    if not username or "." in username or any(c.isspace() for c in username):
        raise error("the username of a secret key must be non-empty, without '.' or whitespace")


def parse_secret_key(text: str) -> SecretKey:
    """Parse ``<version>.<username>.<readable>``: exactly three ``.``-separated parts.

    The version is decimal digits, the username non-empty without whitespace, and the readable part
    Base58 characters in ``-``-separated groups. Raises :class:`SerializationError` (whose message
    never repeats the key) otherwise.
    """
    if not isinstance(text, str) or len(text) > _MAX_SECRET_KEY_LENGTH:
        raise SerializationError("invalid secret key")
    parts = text.strip().split(".")
    if len(parts) != 3:
        raise SerializationError("a secret key has exactly three '.'-separated parts")
    version, username, readable = parts
    if not (version.isascii() and version.isdigit()):
        raise SerializationError("invalid secret key version")
    _check_username(username, SerializationError)
    groups = readable.split("-")
    if any(group == "" for group in groups):
        raise SerializationError("invalid secret key: empty group")
    secret = "".join(groups)
    if any(char not in _BASE58_INDEX for char in secret):
        raise SerializationError("invalid secret key: not Base58")
    return SecretKey(version=version, username=username, secret=secret)
