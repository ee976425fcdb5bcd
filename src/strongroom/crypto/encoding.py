"""Text encodings used on the wire: URL-safe base64 with padding, lowercase hex.

Decoders are strict: they accept exactly one spelling of each byte string (canonical padding, no
whitespace, no foreign alphabet), so that a tampered character can never decode to the same bytes.
"""

from __future__ import annotations

import binascii

from strongroom.crypto.errors import SerializationError

__all__ = ["b64decode", "b64encode", "from_hex", "to_hex"]

# URL-safe -> standard alphabet for binascii. '+' and '/' are mapped to '!', which binascii's strict
# mode rejects, so that the standard alphabet is refused in one pass.
_FROM_URLSAFE = bytes.maketrans(b"-_+/", b"+/!!")
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_B64_VALUES = {
    c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}


def b64encode(data: bytes) -> str:
    """Encode ``data`` as URL-safe base64 (``-`` and ``_``) keeping the ``=`` padding, as cryppo does."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).decode("ascii")


def b64decode(text: str) -> bytes:
    """Decode strict URL-safe base64 with ``=`` padding.

    Accepts only the alphabet ``A-Z a-z 0-9 - _`` followed by canonical padding (length a multiple of
    four, unused trailing bits zero). Raises :class:`SerializationError` for anything else.
    """
    try:
        raw = text.encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        raise SerializationError("invalid base64: not an ASCII string") from None
    try:
        data = binascii.a2b_base64(raw.translate(_FROM_URLSAFE), strict_mode=True)
    except binascii.Error:
        raise SerializationError("invalid base64") from None
    # binascii ignores the unused low bits of the last character ("QR==" decodes like "QQ=="); reject
    # such non-canonical spellings.
    if raw.endswith(b"="):
        pad = 2 if raw.endswith(b"==") else 1
        last = _B64_VALUES.get(raw[-pad - 1], 0)
        if last & (0x0F if pad == 2 else 0x03):
            raise SerializationError("invalid base64: non-canonical padding bits")
    return data


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
