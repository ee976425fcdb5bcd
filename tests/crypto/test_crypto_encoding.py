"""URL-safe base64 with padding, and hex: exact, strict, canonical."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.crypto import SerializationError, b64decode, b64encode, from_hex, to_hex

B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ \n.é"


def test_b64encode_uses_the_urlsafe_alphabet_and_keeps_padding() -> None:
    # 0xFB 0xFF -> 111110 111111 1111(00): '+', '/', '8' in the standard alphabet, then one '='.
    assert b64encode(b"\xfb\xff") == "-_8="
    assert b64encode(b"A") == "QQ=="
    assert b64encode(b"") == ""


@given(st.binary(max_size=300))
def test_b64_round_trip_matches_the_standard_library(data: bytes) -> None:
    text = b64encode(data)
    assert text == base64.urlsafe_b64encode(data).decode("ascii")
    assert b64decode(text) == data


@pytest.mark.parametrize(
    "text",
    [
        "-_8",  # missing padding
        "QQ",
        "QQ=",
        "QQ===",
        "+/8=",  # standard alphabet
        "Q/==",
        "QQ== ",  # whitespace
        " QQ==",
        "QQ==\n",
        "Q Q==",
        "QR==",  # non-canonical: unused bits set
        "QUF=",
        "QQ==QQ==",  # padding in the middle
        "=QQ=",
        "A",
        "é===",
        "QQ.=",
    ],
)
def test_b64decode_rejects_non_canonical_or_foreign_text(text: str) -> None:
    with pytest.raises(SerializationError):
        b64decode(text)


@pytest.mark.parametrize("value", [None, b"QQ==", 12])
def test_b64decode_rejects_non_strings(value: object) -> None:
    with pytest.raises(SerializationError):
        b64decode(value)  # type: ignore[arg-type]


@given(st.text(alphabet=B64_CHARS, max_size=40) | st.text(max_size=40))
def test_b64decode_either_decodes_canonically_or_raises_serialization_error(text: str) -> None:
    try:
        data = b64decode(text)
    except SerializationError:
        return
    # Whatever decodes is the one canonical spelling of its bytes.
    assert b64encode(data) == text


@given(st.binary(max_size=100))
def test_hex_round_trip_is_lowercase(data: bytes) -> None:
    text = to_hex(data)
    assert text == text.lower()
    assert from_hex(text) == data
    assert from_hex(text.upper()) == data


@pytest.mark.parametrize("text", ["abc", "0x12", "12 34", " 12", "zz", "１２", "12\n", "-1"])
def test_from_hex_rejects_malformed_text(text: str) -> None:
    with pytest.raises(SerializationError):
        from_hex(text)


@given(st.text(max_size=20))
def test_from_hex_either_decodes_or_raises_serialization_error(text: str) -> None:
    try:
        data = from_hex(text)
    except SerializationError:
        return
    assert to_hex(data) == text.lower()
