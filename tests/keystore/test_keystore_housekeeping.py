"""The periodic purge schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strongroom.keystore.housekeeping import Housekeeping


def test_a_purge_runs_at_most_once_per_interval() -> None:
    house = Housekeeping(interval=60)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert house.due("sessions", t0)
    assert not house.due("sessions", t0 + timedelta(seconds=59))
    assert house.due("challenges", t0 + timedelta(seconds=59))  # each purge on its own schedule
    assert house.due("sessions", t0 + timedelta(seconds=60))
    assert house.due("sessions", t0)  # the clock went back: run rather than wait
