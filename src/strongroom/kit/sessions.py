"""What both services' session lists share: the client name a login gives, and when ``last_used_at`` is due.

A client may name itself when it logs in (``client_name``, unknown to Meeco's SDKs, which send none); else
the ``User-Agent`` header stands in. The name is shown back to the account's owner only, so it is bounded
and stripped of control characters (a terminal must not be steered by it) but otherwise kept as given.
It is never logged.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import StringConstraints

CLIENT_NAME_MAX_LENGTH = 48
# C0 and C1 controls and DEL: refused in a body, stripped from a User-Agent.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
ClientName = Annotated[
    str, StringConstraints(max_length=CLIENT_NAME_MAX_LENGTH, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")
]


def client_name(given: str | None, user_agent: str | None) -> str | None:
    """The name to record for a new session: ``given`` (already validated) or the cleaned ``User-Agent``,
    cut to :data:`CLIENT_NAME_MAX_LENGTH`; None when neither says anything."""
    raw = given if given is not None else user_agent
    if raw is None:
        return None
    cleaned = _CONTROL.sub("", raw).strip()[:CLIENT_NAME_MAX_LENGTH].strip()
    return cleaned or None


def touch_due(last_used_at: datetime | None, created_at: datetime, now: datetime, interval: int) -> bool:
    """Whether a session's ``last_used_at`` is stale enough to be written again (at most once per
    ``interval`` seconds: a write per request would queue every read behind the write lock)."""
    seen = last_used_at if last_used_at is not None else created_at
    return now - seen >= timedelta(seconds=interval)
