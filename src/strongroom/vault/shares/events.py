"""Who read a share: each time the recipient is served the share's values, the Vault records the share,
the reader and the time (nothing else). The card's owner and the share's sender list them; the records go
with the share (foreign keys cascade) and with the reader's account.

Reads are coalesced: a read within ``share_read_event_window`` seconds of the last recorded read of the
same share by the same reader is not recorded again, so an event says "read at this time, and maybe again
in the following window". A hot read then costs no write transaction (on SQLite every write queues for
the one write lock) and, once a process has seen the recorded read (:class:`RecentReads`), no query
either. Two reads racing past the check may both be recorded; the rule is checked again inside the
write, so that this stays rare.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.errors import not_found
from strongroom.kit.pagination import ListParams, cut, meta
from strongroom.vault.auth import Principal
from strongroom.vault.models import Share
from strongroom.vault.shares import repository
from strongroom.vault.shares.schemas import OnShareRead, ShareEventsPage, ShareReadEventRead
from strongroom.vault.shares.views import values_readable

MAX_ON_SHARES = 1000


def is_served(share: Share, principal: Principal) -> bool:
    """Whether this answer serves the share's values to its recipient (a read to record)."""
    return share.recipient_id == principal.user_id and values_readable(share, principal.user_id)


class RecentReads:
    """Per process: when each (share, reader)'s latest read was recorded, as seen in the database (never a
    write of this process that might still roll back). Bounded: forgotten wholesale past ``capacity``."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._seen: dict[tuple[uuid.UUID, uuid.UUID], datetime] = {}
        self._capacity = capacity

    def get(self, share_id: uuid.UUID, reader_id: uuid.UUID) -> datetime | None:
        return self._seen.get((share_id, reader_id))

    def saw(self, share_id: uuid.UUID, reader_id: uuid.UUID, read_at: datetime) -> None:
        if len(self._seen) >= self._capacity:
            self._seen.clear()
        self._seen[(share_id, reader_id)] = read_at


async def _recorded_lately(
    session: AsyncSession,
    share: Share,
    principal: Principal,
    now: datetime,
    window: int,
    recent: RecentReads | None = None,
) -> bool:
    """Whether a read of the share by this reader is recorded within the last ``window`` seconds."""
    if window <= 0:
        return False
    since = now - timedelta(seconds=window)
    known = recent.get(share.id, principal.user_id) if recent is not None else None
    if known is not None and since < known <= now:
        return True
    latest = await repository.latest_read_after(session, share.id, principal.user_id, since)
    if latest is not None and recent is not None:
        recent.saw(share.id, principal.user_id, latest)
    return latest is not None


async def needs_record(
    session: AsyncSession,
    share: Share,
    principal: Principal,
    now: datetime,
    window: int,
    recent: RecentReads | None = None,
) -> bool:
    """Whether this answer is a read to record: it serves the values to the recipient (:func:`is_served`)
    and no read of theirs is recorded within the last ``window`` seconds (``recent`` spares the query)."""
    if not is_served(share, principal):
        return False
    return not await _recorded_lately(session, share, principal, now, window, recent)


async def record(
    session: AsyncSession, share: Share, principal: Principal, now: datetime, window: int = 0
) -> None:
    """Record that the recipient was served the share's values (see :func:`is_served`), unless a read of
    theirs is recorded within the last ``window`` seconds (checked again on ``session``, where it writes)."""
    if not await _recorded_lately(session, share, principal, now, window):
        await repository.record_read(session, share.id, principal.user_id, now)


async def list_events(
    session: AsyncSession, principal: Principal, share_id: uuid.UUID, params: ListParams, now: datetime
) -> ShareEventsPage:
    """The reads of ``share_id`` for its card's owner or its sender (404 for anyone else, the recipient
    included, and once the share is gone); the owner also gets the on-shares made from it."""
    share = await repository.watched_share(session, principal.user_id, share_id, now)
    if share is None:
        raise not_found("share")
    rows, after = cut(await repository.page_of_reads(session, share.id, params), params, lambda e: e.id)
    on_shares: list[Share] = []
    if share.owner_id == principal.user_id and params.after is None:
        on_shares = await repository.on_shares_of(
            session, principal.user_id, share.id, now, limit=MAX_ON_SHARES
        )
    return ShareEventsPage(
        share_events=[
            ShareReadEventRead(id=e.id, share_id=e.share_id, reader_id=e.reader_id, read_at=e.read_at)
            for e in rows
        ],
        on_shares=[
            OnShareRead(
                id=s.id,
                parent_share_id=s.parent_share_id,
                sender_id=s.sender_id,
                recipient_id=s.recipient_id,
                created_at=s.created_at,
            )
            for s in on_shares
        ],
        meta=meta(after, params),
        next_page_after=after,
    )
