"""Text encodings used on the wire: URL-safe base64 with padding, lowercase hex.

Decoders are strict: they accept exactly one spelling of each byte string (canonical padding, no
whitespace, no foreign alphabet), so that a tampered character can never decode to the same bytes.
"""

from __future__ import annotations

import binascii
from types import MappingProxyType

from strongroom.crypto.errors import SerializationError

__all__ = ["b64decode", "b64encode", "decode_standard", "from_hex", "to_hex", "to_standard_alphabet"]

_STANDARD_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_STANDARD_VALUES = MappingProxyType({c: i for i, c in enumerate(_STANDARD_ALPHABET)})

# Two single-character replace() calls are several times faster than bytes.translate() here, and
# base64 dominates the cost of (de)serializing a value, so they are used on both paths.


def b64encode(data: bytes | bytearray | memoryview) -> str:
    """Encode ``data`` as URL-safe base64 (``-`` and ``_``) keeping the ``=`` padding, as cryppo does."""
    return binascii.b2a_base64(data, newline=False).replace(b"+", b"-").replace(b"/", b"_").decode("ascii")


def to_standard_alphabet(text: str) -> bytes:
    """Map URL-safe base64 text (possibly several ``.``-joined parts) to the standard alphabet.

    Raises :class:`SerializationError` if ``text`` is not an ASCII string or already holds ``+`` or
    ``/`` (which the URL-safe alphabet excludes). The result is meant for :func:`decode_standard`.
    """
    if not isinstance(text, str):
        raise SerializationError("invalid base64: not a string")
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise SerializationError("invalid base64: not ASCII") from None
    if b"+" in raw or b"/" in raw:
        raise SerializationError("invalid base64: not the URL-safe alphabet")
    return raw.replace(b"-", b"+").replace(b"_", b"/")


def decode_standard(data: bytes | memoryview) -> bytes:
    """Strictly decode standard-alphabet base64 bytes (as made by :func:`to_standard_alphabet`).

    Requires canonical padding: length a multiple of four, ``=`` only at the end, unused trailing bits
    zero. Raises :class:`SerializationError` otherwise.
    """
    try:
        # strict_mode rejects whitespace, foreign characters, missing or misplaced padding.
        decoded = binascii.a2b_base64(data, strict_mode=True)
    except binascii.Error:
        raise SerializationError("invalid base64") from None
    # binascii ignores the unused low bits of the last character ("QR==" decodes like "QQ=="); reject
    # such non-canonical spellings so that every byte string has exactly one encoding.
    size = len(data)
    if size and data[size - 1] == 0x3D:
        pad = 2 if data[size - 2] == 0x3D else 1
        if _STANDARD_VALUES[data[size - pad - 1]] & (0x0F if pad == 2 else 0x03):
            raise SerializationError("invalid base64: non-canonical padding bits")
    return decoded


def b64decode(text: str) -> bytes:
    """Decode strict URL-safe base64 with ``=`` padding.

    Accepts only the alphabet ``A-Z a-z 0-9 - _`` followed by canonical padding (length a multiple of
    four, unused trailing bits zero). Raises :class:`SerializationError` for anything else.
    """
    return decode_standard(to_standard_alphabet(text))


def to_hex(data: bytes) -> str:
    """Lowercase hexadecimal of ``data``."""
    return data.hex()


def from_hex(text: str) -> bytes:
    """Decode hexadecimal (either case, even length, no separators); raises :class:`SerializationError`."""
    # bytes.fromhex would skip whitespace; only bare hex digits are accepted here.
    if not isinstance(text, str) or not text.isascii() or not (text == "" or text.isalnum()):
        raise SerializationError("invalid hex")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise SerializationError("invalid hex") from None
