"""The needle search of the audits finds a key however it is embedded, and only then."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from strongroom import crypto
from tests.security.leaks import NeedleSet, key_forms

KEYS = st.binary(min_size=32, max_size=32)
PADDING = st.binary(max_size=40)


@given(key=KEYS, before=PADDING, after=PADDING)
def test_a_key_is_found_inside_any_base64_or_hex_text(key: bytes, before: bytes, after: bytes) -> None:
    needles = NeedleSet()
    needles.key("the key", key)
    stream = before + key + after
    for text in (
        base64.b64encode(stream),
        base64.urlsafe_b64encode(stream),
        base64.urlsafe_b64encode(stream).rstrip(b"="),
        stream.hex().encode(),
        stream.hex().upper().encode(),
        stream,
    ):
        assert needles.found_in(b"prefix " + text + b" suffix") == ["the key"]


@given(key=KEYS, other=KEYS)
def test_another_key_is_not_mistaken_for_it(key: bytes, other: bytes) -> None:
    needles = NeedleSet()
    needles.key("the key", key)
    if key != other:
        assert needles.found_in(b" ".join(key_forms(other))) == []


def test_a_wrapped_key_does_not_betray_the_key() -> None:
    key = crypto.generate_key()
    needles = NeedleSet()
    needles.key("the key", key)
    assert needles.found_in(crypto.wrap_key(crypto.generate_key(), key).encode()) == []


def test_cells_report_where_a_needle_was_found() -> None:
    needles = NeedleSet()
    needles.text("canary", "canary-1234")
    cells = [("items", "label", b"a card"), ("slots", "encrypted_value", b"x canary-1234 y")]
    assert needles.found_in_cells(cells) == ["canary in slots.encrypted_value"]
    assert needles.found_in_cells(cells[:1]) == []
