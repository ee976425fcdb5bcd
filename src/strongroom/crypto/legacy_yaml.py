"""Reader for the legacy YAML artefacts of older cryppo versions.

Older cryppo wrote artefacts as a one-level YAML mapping instead of ``A`` + BSON, for example::

    ---
    iv: !binary |-
      ZKwn6oHfykIQ6lSN
    at: !binary |-
      IvFM+tiC0KfoNfVyu92r2w==
    ad: none

Variants seen in the wild: keys in single quotes (``'iv':``), the ``!!binary`` tag, ``|`` instead of
``|-``, an empty mapping (``---\\n{}`` or ``--- {}``) for RSA, and a binary field written as a quoted
YAML string of raw bytes (cryppo's README example). Like cryppo, which hands the decoded base64 to
its YAML parser as a JavaScript binary string, the text is read as Latin-1: one character per byte,
so such a string stands for exactly its bytes. Only this subset is read, by hand:
a general YAML loader would accept far more than artefacts can contain (and raise far more kinds of
error). Anything outside the subset raises :class:`~strongroom.crypto.errors.SerializationError`.
"""

from __future__ import annotations

import binascii
import re
from types import MappingProxyType

from strongroom.crypto.bson import BsonValue
from strongroom.crypto.errors import SerializationError

__all__ = ["MAX_YAML_SIZE", "parse_legacy_yaml"]

MAX_YAML_SIZE = 64 * 1024

_KEY = r"[A-Za-z_][A-Za-z0-9_]*"
_ENTRY = re.compile(rf"""(?:'(?P<sq>{_KEY})'|"(?P<dq>{_KEY})"|(?P<pk>{_KEY})):(?: +(?P<value>.*))?""")
_BINARY_TAG = re.compile(r"!!?binary(?: +(?P<rest>.*))?")
_BLOCK_INDICATOR = re.compile(r"\|[-+]?")
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,18})")
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+/=-]*")
_B64_BODY = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def _b64_standard(text: str) -> bytes:
    if not _B64_BODY.fullmatch(text):
        raise SerializationError("legacy artefacts: invalid base64 in a binary value")
    try:
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except binascii.Error:
        raise SerializationError("legacy artefacts: invalid base64 in a binary value") from None


_ESCAPES = MappingProxyType(
    {
        "\\": "\\",
        '"': '"',
        "/": "/",
        " ": " ",
        "0": "\x00",
        "a": "\x07",
        "b": "\x08",
        "t": "\t",
        "n": "\n",
        "v": "\x0b",
        "f": "\x0c",
        "r": "\r",
        "e": "\x1b",
    }
)
_HEX_ESCAPES = MappingProxyType({"x": 2, "u": 4, "U": 8})
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _double_quoted(inner: str) -> str | None:
    """Content of a YAML double-quoted scalar, with its escapes resolved (None if malformed)."""
    out: list[str] = []
    i = 0
    while i < len(inner):
        char = inner[i]
        if char == '"':
            return None
        if char != "\\":
            out.append(char)
            i += 1
            continue
        if i + 1 >= len(inner):
            return None
        code = inner[i + 1]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i += 2
        elif code in _HEX_ESCAPES:
            digits = inner[i + 2 : i + 2 + _HEX_ESCAPES[code]]
            if len(digits) != _HEX_ESCAPES[code] or not set(digits) <= _HEX_DIGITS:
                return None
            value = int(digits, 16)
            # Surrogates are not characters: they could not be encoded again as UTF-8.
            if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                return None
            out.append(chr(value))
            i += 2 + len(digits)
        else:
            return None
    return "".join(out)


def _unquote(text: str) -> str | None:
    if len(text) >= 2 and text[0] == text[-1] == "'":
        inner = text[1:-1]
        if "'" in inner.replace("''", ""):
            return None
        return inner.replace("''", "'")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return _double_quoted(text[1:-1])
    return None


def _scalar(text: str) -> BsonValue:
    if _INT.fullmatch(text):
        return int(text)
    quoted = _unquote(text)
    if quoted is not None:
        return quoted
    if _PLAIN.fullmatch(text):
        return text
    raise SerializationError("legacy artefacts: unsupported YAML value")


def parse_legacy_yaml(data: bytes, binary_fields: frozenset[str] = frozenset()) -> dict[str, BsonValue]:
    """Parse legacy YAML artefacts (the decoded bytes, starting with ``---``) into a flat mapping.

    Values are ``bytes`` (``!binary``), ``int`` or ``str``; a string value of a key in
    ``binary_fields`` is turned into the bytes it stands for (Latin-1, see the module docstring).
    Raises :class:`SerializationError` for anything that is not a flat mapping of those.
    """
    if len(data) > MAX_YAML_SIZE:
        raise SerializationError("legacy artefacts too large")
    text = data.decode("latin-1")
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and lines[-1].strip() == "":
        lines.pop()
    if not lines:
        raise SerializationError("legacy artefacts: empty document")
    head = lines[0].rstrip(" ")
    if head == "--- {}":
        if len(lines) != 1:
            raise SerializationError("legacy artefacts: content after an empty mapping")
        return {}
    if head != "---":
        raise SerializationError("legacy artefacts: missing '---' header")
    body = lines[1:]
    if len(body) == 1 and body[0].strip() == "{}":
        return {}
    result: dict[str, BsonValue] = {}
    i = 0
    while i < len(body):
        line = body[i].rstrip(" ")
        i += 1
        if line == "":
            continue
        match = _ENTRY.fullmatch(line)
        if match is None:
            raise SerializationError("legacy artefacts: not a flat YAML mapping")
        key = match.group("sq") or match.group("dq") or match.group("pk")
        if key in result:
            raise SerializationError("legacy artefacts: duplicate key")
        raw_value = (match.group("value") or "").strip(" ")
        if raw_value == "":
            raise SerializationError("legacy artefacts: empty value")
        binary = _BINARY_TAG.fullmatch(raw_value)
        value: BsonValue
        if binary is None:
            value = _scalar(raw_value)
        else:
            rest = (binary.group("rest") or "").strip(" ")
            if _BLOCK_INDICATOR.fullmatch(rest):
                chunks: list[str] = []
                while i < len(body) and body[i].startswith(" "):
                    chunks.append(body[i].strip(" "))
                    i += 1
                if not chunks:
                    raise SerializationError("legacy artefacts: empty binary block")
                value = _b64_standard("".join(chunks))
            else:
                inline = _unquote(rest)
                value = _b64_standard(rest if inline is None else inline)
        if isinstance(value, str) and key in binary_fields:
            try:
                value = value.encode("latin-1")
            except UnicodeEncodeError:
                raise SerializationError(
                    "legacy artefacts: a binary value holds a non-byte character"
                ) from None
        result[key] = value
    return result
