"""The session list's shared rules: the client name a login records, and when last_used_at is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strongroom.kit.sessions import CLIENT_NAME_MAX_LENGTH, client_name, touch_due


def test_the_given_name_wins_over_the_user_agent() -> None:
    assert client_name("Alice's phone", "curl/8") == "Alice's phone"
    assert client_name(None, "curl/8") == "curl/8"
    assert client_name(None, None) is None


def test_user_agents_lose_control_characters_and_are_cut() -> None:
    assert client_name(None, "a\x1b[2Jb\x07c\x9b\x7f") == "a[2Jbc"
    assert client_name(None, "  \x00 ") is None
    assert client_name(None, "z" * 500) == "z" * CLIENT_NAME_MAX_LENGTH


def test_touch_is_due_once_the_interval_has_passed() -> None:
    t = datetime(2026, 12, 1, tzinfo=UTC)
    assert not touch_due(t, t, t + timedelta(seconds=299), 300)
    assert touch_due(t, t, t + timedelta(seconds=300), 300)
    assert not touch_due(None, t, t + timedelta(seconds=1), 300)  # never touched: created counts as used
    assert touch_due(None, t, t + timedelta(seconds=300), 300)
