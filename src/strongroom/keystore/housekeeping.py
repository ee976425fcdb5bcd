"""Purges of expired rows (challenges, reservations, sessions, used claim signatures), at most once per
interval per process instead of on every request.

Purges are idempotent, so every process of a pool may run them; each only remembers when it last did.
A purge that ran in a transaction that rolled back simply waits for the next interval.
"""

from __future__ import annotations

from datetime import datetime

DEFAULT_INTERVAL = 60.0


class Housekeeping:
    def __init__(self, interval: float = DEFAULT_INTERVAL) -> None:
        self._interval = interval
        self._last: dict[str, datetime] = {}

    def due(self, name: str, now: datetime) -> bool:
        """True (and remembered) if the purge ``name`` last ran ``interval`` seconds ago or more, or never,
        or the clock went back since."""
        last = self._last.get(name)
        if last is not None and 0 <= (now - last).total_seconds() < self._interval:
            return False
        self._last[name] = now
        return True
