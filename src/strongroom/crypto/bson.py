"""A tiny BSON reader/writer for the artefact documents cryppo uses.

Only these element types exist in cryppo artefacts and are therefore supported: binary (subtype 0),
UTF-8 string, int32 and int64. Anything else (another type, another binary subtype, a nested
document, a truncated or over-long buffer, a duplicate key) is rejected with
:class:`~strongroom.crypto.errors.SerializationError`.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from strongroom.crypto.errors import SerializationError

__all__ = ["BsonValue", "decode_document", "encode_document"]

BsonValue = bytes | str | int

_T_STRING = 0x02
_T_BINARY = 0x05
_T_INT32 = 0x10
_T_INT64 = 0x12
_INT32 = struct.Struct("<i")
_INT64 = struct.Struct("<q")
_UINT32 = struct.Struct("<I")
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# Artefact documents are a few dozen bytes; refuse anything absurd before looking inside.
MAX_DOCUMENT_SIZE = 64 * 1024


def _cstring(name: str) -> bytes:
    raw = name.encode("utf-8")
    if b"\x00" in raw:
        raise ValueError("BSON keys must not contain NUL")
    return raw + b"\x00"


def encode_document(fields: Sequence[tuple[str, BsonValue]]) -> bytes:
    """Encode ``fields`` as a BSON document, in the given order.

    ``bytes`` become binary subtype 0, ``str`` a string, ``int`` an int32 (or int64 when it does not
    fit). Raises ``ValueError`` for other types, NUL in a key or an int outside the int64 range (these
    are programming errors, not malformed input).
    """
    body = bytearray()
    for name, value in fields:
        if isinstance(value, bytes):
            body += bytes((_T_BINARY,)) + _cstring(name) + _INT32.pack(len(value)) + b"\x00" + value
        elif isinstance(value, str):
            raw = value.encode("utf-8")
            body += bytes((_T_STRING,)) + _cstring(name) + _INT32.pack(len(raw) + 1) + raw + b"\x00"
        elif isinstance(value, int) and not isinstance(value, bool):
            if _INT32_MIN <= value <= _INT32_MAX:
                body += bytes((_T_INT32,)) + _cstring(name) + _INT32.pack(value)
            elif _INT64_MIN <= value <= _INT64_MAX:
                body += bytes((_T_INT64,)) + _cstring(name) + _INT64.pack(value)
            else:
                raise ValueError("integer out of BSON int64 range")
        else:
            raise ValueError(f"unsupported BSON value type {type(value).__name__}")
    return _INT32.pack(len(body) + 5) + bytes(body) + b"\x00"


def decode_document(data: bytes) -> dict[str, BsonValue]:
    """Decode one BSON document that spans exactly ``data``.

    Returns the fields in document order. Raises :class:`SerializationError` for any malformed or
    unsupported content, and for trailing bytes after the document.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise SerializationError("BSON document must be bytes")
    view = bytes(data)
    size = len(view)
    if size < 5:
        raise SerializationError("BSON document too short")
    if size > MAX_DOCUMENT_SIZE:
        raise SerializationError("BSON document too large")
    (declared,) = _INT32.unpack_from(view, 0)
    if declared != size:
        raise SerializationError("BSON document length does not match its content")
    if view[-1] != 0:
        raise SerializationError("BSON document not terminated")
    end = size - 1
    pos = 4
    result: dict[str, BsonValue] = {}
    while pos < end:
        etype = view[pos]
        pos += 1
        nul = view.find(b"\x00", pos, end)
        if nul < 0:
            raise SerializationError("BSON key not terminated")
        try:
            name = view[pos:nul].decode("utf-8")
        except UnicodeDecodeError:
            raise SerializationError("BSON key is not UTF-8") from None
        if name in result:
            raise SerializationError("duplicate BSON key")
        pos = nul + 1
        value: BsonValue
        if etype == _T_BINARY:
            if pos + 5 > end:
                raise SerializationError("truncated BSON binary")
            (length,) = _UINT32.unpack_from(view, pos)
            subtype = view[pos + 4]
            pos += 5
            if subtype != 0:
                raise SerializationError("unsupported BSON binary subtype")
            if length > end - pos:
                raise SerializationError("truncated BSON binary")
            value = view[pos : pos + length]
            pos += length
        elif etype == _T_STRING:
            if pos + 4 > end:
                raise SerializationError("truncated BSON string")
            (length,) = _UINT32.unpack_from(view, pos)
            pos += 4
            if length < 1 or length > end - pos or view[pos + length - 1] != 0:
                raise SerializationError("malformed BSON string")
            try:
                value = view[pos : pos + length - 1].decode("utf-8")
            except UnicodeDecodeError:
                raise SerializationError("BSON string is not UTF-8") from None
            pos += length
        elif etype == _T_INT32:
            if pos + 4 > end:
                raise SerializationError("truncated BSON int32")
            (value,) = _INT32.unpack_from(view, pos)
            pos += 4
        elif etype == _T_INT64:
            if pos + 8 > end:
                raise SerializationError("truncated BSON int64")
            (value,) = _INT64.unpack_from(view, pos)
            pos += 8
        else:
            raise SerializationError("unsupported BSON element type")
        result[name] = value
    if pos != end:
        raise SerializationError("malformed BSON document")
    return result
