"""The secret key ``1.<username>.<readable>`` and its Base58."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.crypto import (
    SecretKey,
    SerializationError,
    base58_decode,
    base58_encode,
    generate_secret_key,
    parse_secret_key,
)

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

# Bitcoin Core's base58 test vectors (src/test/data/base58_encode_decode.json).
BITCOIN_VECTORS = [
    ("", ""),
    ("61", "2g"),
    ("626262", "a3gV"),
    ("636363", "aPEr"),
    ("73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"),
    ("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"),
    ("516b6fcd0f", "ABnLTmg"),
    ("bf4f89001e670274dd", "3SEo3LWLoPntC"),
    ("572e4794", "3EFU7m"),
    ("ecac89cad93923c02321", "EJDM8drfXA6uyA"),
    ("10c8511e", "Rt5zm"),
    ("00000000000000000000", "1111111111"),
]


@pytest.mark.parametrize(("data", "text"), BITCOIN_VECTORS)
def test_base58_bitcoin_vectors(data: str, text: str) -> None:
    assert base58_encode(bytes.fromhex(data)) == text
    assert base58_decode(text) == bytes.fromhex(data)


@given(st.binary(max_size=64))
def test_base58_round_trip(data: bytes) -> None:
    text = base58_encode(data)
    assert set(text) <= set(BASE58)
    assert base58_decode(text) == data


@pytest.mark.parametrize("text", ["0", "O", "I", "l", "+", "abc-", " "])
def test_base58_rejects_foreign_characters(text: str) -> None:
    with pytest.raises(SerializationError):
        base58_decode(text)


def test_generated_secret_key_format() -> None:
    key = generate_secret_key("alice123")
    version, username, readable = key.split(".")
    assert (version, username) == ("1", "alice123")
    groups = readable.split("-")
    assert all(len(group) == 6 for group in groups[:-1])
    assert 1 <= len(groups[-1]) <= 6
    assert re.fullmatch(f"[{BASE58}-]+", readable)
    parsed = parse_secret_key(key)
    assert parsed == SecretKey("1", "alice123", readable.replace("-", ""))
    assert len(base58_decode(parsed.secret)) == 32


def test_generated_secret_keys_differ() -> None:
    assert len({parse_secret_key(generate_secret_key("u")).secret for _ in range(5)}) == 5


@pytest.mark.parametrize("username", ["", "a.b", "a b", "tab\there"])
def test_generate_refuses_usernames_that_would_not_parse(username: str) -> None:
    with pytest.raises(ValueError, match="username"):
        generate_secret_key(username)


def test_parse_removes_every_dash_and_tolerates_surrounding_space() -> None:
    assert parse_secret_key(" 1.bob.abc-def-g \n") == SecretKey("1", "bob", "abcdefg")


def test_repr_does_not_show_the_secret() -> None:
    assert "abcdefg" not in repr(parse_secret_key("1.bob.abc-def-g"))


MALFORMED = [
    "",
    "1",
    "1.bob",
    "1.bob.abc.def",
    "1..abcdef",
    ".bob.abcdef",
    "v1.bob.abcdef",
    "1.bob.",
    "1.bob.-",
    "1.bob.abc--def",
    "1.bob.-abc",
    "1.bob.abc-",
    "1.bob.abc0def",  # 0, O, I, l are not Base58
    "1.bob.abcOdef",
    "1.b ob.abcdef",
    "1.bob.abc def",
    "1.bob." + "a" * 2000,
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_secret_keys_raise_serialization_error(text: str) -> None:
    with pytest.raises(SerializationError) as raised:
        parse_secret_key(text)
    # The message never repeats the key.
    if len(text) > 6:
        assert text.split(".")[-1] not in str(raised.value)


@pytest.mark.parametrize("value", [None, 1, b"1.bob.abc"])
def test_non_strings_raise_serialization_error(value: object) -> None:
    with pytest.raises(SerializationError):
        parse_secret_key(value)  # type: ignore[arg-type]


@given(st.text(max_size=60) | st.lists(st.text(BASE58 + ".- ", max_size=10), max_size=4).map(".".join))
def test_any_text_parses_or_raises_serialization_error(text: str) -> None:
    try:
        parsed = parse_secret_key(text)
    except SerializationError:
        return
    assert parsed.secret
    assert set(parsed.secret) <= set(BASE58)
