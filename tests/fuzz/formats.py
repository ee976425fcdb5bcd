"""Hypothesis strategies for the string formats the OpenAPI documents use, reaching their edges.

schemathesis's own ``date-time`` values stay in comfortable years; these also produce the first and last
representable instants with every offset from -14:00 to +14:00 (``9999-12-31T23:59:59-14:00`` overflowed
converting to UTC), leap seconds' neighbours, naive and ``Z`` forms, and fractional digits. ``uuid`` values
include the nil and the all-ones UUID and every case. Registered once, before any schema is loaded.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import schemathesis
from hypothesis import strategies as st

EDGE_TIMES = [
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59.999999+14:00",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999999Z",
    "2038-01-19T03:14:08Z",
    "2026-02-28T23:59:59.999999-00:00",
    "2024-02-29T12:00:00",
]

_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_any_time = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_offsets
).map(lambda value: value.isoformat())
_near_edges = st.sampled_from([datetime(1, 1, 1, 0, 0, 1), datetime(9999, 12, 31, 23, 59, 58)]).flatmap(
    lambda base: _offsets.map(lambda tz: base.replace(tzinfo=tz).isoformat())
)
DATE_TIMES = st.one_of(
    st.sampled_from(EDGE_TIMES), _near_edges, _any_time, st.just(datetime.now(UTC).isoformat())
)

UUIDS = st.one_of(
    st.sampled_from([str(uuid.UUID(int=0)), str(uuid.UUID(int=2**128 - 1)).upper()]),
    st.uuids().map(str),
    st.uuids().map(lambda value: str(value).upper()),
)


def register() -> None:
    schemathesis.openapi.format("date-time", DATE_TIMES)
    schemathesis.openapi.format("uuid", UUIDS)
