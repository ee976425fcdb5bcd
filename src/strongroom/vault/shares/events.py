"""Who read a share: each time the recipient is served the share's values, the Vault records the share,
the reader and the time (nothing else). The card's owner and the share's sender list them; the records go
with the share (foreign keys cascade) and with the reader's account."""

from __future__ import annotations

import uuid
from datetime import datetime

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


async def record(session: AsyncSession, share: Share, principal: Principal, now: datetime) -> None:
    """Record that the recipient was served the share's values (see :func:`is_served`)."""
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
