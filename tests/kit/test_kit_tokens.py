from __future__ import annotations

import re
import time

from strongroom.kit.auth import token_from_header
from strongroom.kit.ids import new_id
from strongroom.kit.tokens import hash_token, new_token, same_secret


def test_token_carries_256_random_bits_and_prefix() -> None:
    token = new_token("ks")
    assert re.fullmatch(r"ks_[A-Za-z0-9_-]{43}", token)
    assert len({new_token("ks") for _ in range(1000)}) == 1000


def test_hash_is_stable_and_hides_the_token() -> None:
    token = new_token("v")
    assert hash_token(token) == hash_token(token)
    assert token not in hash_token(token)
    assert hash_token(token) != hash_token(token + "x")


def test_same_secret() -> None:
    assert same_secret("abc", "abc")
    assert not same_secret("abc", "abd")
    assert not same_secret("abc", "ab")


def test_token_from_header_forms() -> None:
    assert token_from_header("tok") == "tok"
    assert token_from_header("Bearer tok") == "tok"
    assert token_from_header("bearer   tok ") == "tok"
    assert token_from_header(None) is None
    assert token_from_header("") is None
    assert token_from_header("Bearer ") is None
    assert token_from_header("two words") is None
    assert token_from_header("x" * 600) is None


def test_ids_are_uuid7_and_time_ordered() -> None:
    first = new_id()
    time.sleep(0.002)
    second = new_id()
    assert first.version == 7
    assert first.variant == "specified in RFC 4122"
    assert first < second
    assert abs(int(first.hex[:12], 16) - time.time() * 1000) < 60_000


def test_logging_setup_silences_libraries_that_log_sql_parameters() -> None:
    import logging

    from strongroom.kit.logging import configure_logging

    logging.getLogger("aiosqlite").setLevel(logging.DEBUG)
    configure_logging("DEBUG")
    for name in ("aiosqlite", "sqlalchemy.engine", "asyncpg"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)
    assert logging.getLogger("strongroom.x").isEnabledFor(logging.DEBUG)
