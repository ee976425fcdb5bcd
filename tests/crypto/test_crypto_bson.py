"""The tiny BSON reader/writer: exact bytes for the types cryppo uses, clean rejection of the rest."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.crypto import (
    SerializationError,
    b64decode,
    decode_document,
    encode_document,
    encrypt_with_key,
)

# Expected encodings below are written out from the BSON specification (bsonspec.org): int32 total
# length, elements (type byte, NUL-terminated key, value), then a NUL byte.


def test_empty_document() -> None:
    assert encode_document([]) == b"\x05\x00\x00\x00\x00"
    assert decode_document(b"\x05\x00\x00\x00\x00") == {}


def test_int32_string_and_binary_elements_are_encoded_per_the_specification() -> None:
    assert encode_document([("a", 1)]) == b"\x0c\x00\x00\x00\x10a\x00\x01\x00\x00\x00\x00"
    assert encode_document([("s", "hi")]) == b"\x0f\x00\x00\x00\x02s\x00\x03\x00\x00\x00hi\x00\x00"
    assert encode_document([("b", b"\xff")]) == b"\x0e\x00\x00\x00\x05b\x00\x01\x00\x00\x00\x00\xff\x00"


def test_large_integers_become_int64() -> None:
    encoded = encode_document([("n", 2**40)])
    assert encoded[4] == 0x12
    assert encoded == struct.pack("<i", 16) + b"\x12n\x00" + struct.pack("<q", 2**40) + b"\x00"
    assert decode_document(encoded) == {"n": 2**40}


def test_field_order_is_preserved() -> None:
    fields: list[tuple[str, bytes | str | int]] = [("iv", b"\x01" * 12), ("at", b"\x02" * 16), ("ad", "none")]
    assert list(decode_document(encode_document(fields)).items()) == fields
    reverse = list(reversed(fields))
    assert list(decode_document(encode_document(reverse)).items()) == reverse


def test_cryppo_aes_artefacts_are_iv_at_ad_in_this_order() -> None:
    artefacts = b64decode(encrypt_with_key(b"k" * 32, b"data").split(".")[2])
    assert artefacts[:1] == b"A"
    document = decode_document(artefacts[1:])
    assert list(document) == ["iv", "at", "ad"]
    assert document["ad"] == "none"


@pytest.mark.parametrize("value", [True, 1.5, None, ["x"], {"a": 1}, 2**63])
def test_encode_rejects_unsupported_values(value: object) -> None:
    with pytest.raises(ValueError, match="BSON"):
        encode_document([("x", value)])  # type: ignore[list-item]


def test_encode_rejects_nul_in_keys() -> None:
    with pytest.raises(ValueError, match="NUL"):
        encode_document([("a\x00b", 1)])


VALID = encode_document([("iv", b"\x01" * 12), ("i", 20000), ("hash", "SHA256")])


def _document(body: bytes) -> bytes:
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x05\x00\x00",
        b"\x05\x00\x00\x00",  # no terminator
        b"\x05\x00\x00\x00\x01",  # bad terminator
        b"\x06\x00\x00\x00\x00",  # length larger than the data
        b"\x04\x00\x00\x00\x00",  # length smaller than the data
        VALID + b"\x00",  # trailing byte
        VALID[:-1],  # truncated
        _document(b"\x01d\x00" + struct.pack("<d", 1.0)),  # double
        _document(b"\x03d\x00" + b"\x05\x00\x00\x00\x00"),  # embedded document
        _document(b"\x08d\x00\x01"),  # boolean
        _document(b"\x05b\x00\x01\x00\x00\x00\x02\xff"),  # binary subtype 2
        _document(b"\x05b\x00\x05\x00\x00\x00\x00\xff"),  # binary longer than the document
        _document(b"\x05b\x00\xff\xff\xff\xff\x00"),  # negative / huge binary length
        _document(b"\x02s\x00\x00\x00\x00\x00"),  # string length 0
        _document(b"\x02s\x00\x02\x00\x00\x00ab"),  # string without its NUL
        _document(b"\x02s\x00\x02\x00\x00\x00\xff\x00"),  # string not UTF-8
        _document(b"\x10\xff\x00\x01\x00\x00\x00"),  # key not UTF-8
        _document(b"\x10a\x00\x01\x00\x00\x00\x10a\x00\x02\x00\x00\x00"),  # duplicate key
        _document(b"\x10abc"),  # key not terminated
        _document(b"\x10a\x00\x01\x00"),  # truncated int32
        _document(b"\x12a\x00\x01\x00\x00\x00"),  # truncated int64
        b"\x00\x00\x01\x00" + b"\x00" * (64 * 1024 - 4),  # over the size limit
    ],
)
def test_decode_rejects_malformed_documents(data: bytes) -> None:
    with pytest.raises(SerializationError):
        decode_document(data)


def test_decode_rejects_non_bytes() -> None:
    with pytest.raises(SerializationError):
        decode_document("abc")  # type: ignore[arg-type]


KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=6)
VALUES = st.binary(max_size=40) | st.text(max_size=20) | st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_round_trip(fields: dict[str, bytes | str | int]) -> None:
    assert decode_document(encode_document(list(fields.items()))) == fields


@given(st.binary(max_size=80))
def test_any_bytes_decode_or_raise_serialization_error(data: bytes) -> None:
    try:
        result = decode_document(data)
    except SerializationError:
        return
    assert all(isinstance(value, bytes | str | int) for value in result.values())


@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.integers(min_value=1, max_value=255))
def test_corrupting_any_byte_gives_a_document_or_serialization_error(index: int, mask: int) -> None:
    corrupted = bytearray(VALID)
    corrupted[index] ^= mask
    try:
        result = decode_document(bytes(corrupted))
    except SerializationError:
        return
    assert isinstance(result, dict)
