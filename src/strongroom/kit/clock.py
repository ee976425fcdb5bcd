"""Time as a dependency, so that everything that expires can be tested without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Protocol

from pydantic import AfterValidator


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        self._now = when


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as aware UTC; naive values (as SQLite returns them) are taken to be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# What a client may send as a time: wide enough for any real expiry, narrow enough that converting to UTC and
# adding the lifetimes the services use never leaves Python's datetime range (9999-12-31T23:59:59-14:00 did).
EARLIEST_INPUT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_INPUT = datetime(9000, 1, 1, tzinfo=UTC)


def _input_in_range(value: datetime) -> datetime:
    try:
        utc = as_utc(value)
    except OverflowError:
        raise ValueError("the time is out of range") from None
    if not EARLIEST_INPUT <= utc < LATEST_INPUT:
        raise ValueError("the time must be between 1970-01-01 and 9000-01-01 UTC")
    return utc


InputDatetime = Annotated[datetime, AfterValidator(_input_in_range)]
"""A datetime from a client, as aware UTC; out-of-range values answer 422 instead of overflowing later."""


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 UTC with a ``Z`` suffix and millisecond precision, as the reference clients print it."""
    if value is None:
        return None
    return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")
