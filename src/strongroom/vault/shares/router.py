"""Routes of shares: ``/shares``, ``/shares/{id}``, ``/shares/{id}/accept`` and ``/items/incoming``.

Every route authenticates the caller (``CurrentUser``); every answer shows shares as that caller sees them.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from strongroom.kit.db import DbSession, writer_for
from strongroom.kit.errors import error_responses
from strongroom.kit.pagination import ListPage, meta
from strongroom.vault.auth import CurrentUser
from strongroom.vault.deps import AppSettings, Now
from strongroom.vault.quotas import StorageQuota
from strongroom.vault.shares import create, events, service, update, views
from strongroom.vault.shares.schemas import (
    IncomingItemsPage,
    ShareEnvelope,
    ShareEventsPage,
    SharesCreate,
    SharesEnvelope,
    SharesPage,
    SharesUpdate,
)

router = APIRouter(tags=["shares"])


@router.post(
    "/shares",
    status_code=201,
    response_model=SharesEnvelope,
    responses=error_responses(401, 403, 404, 409, 413, 422),
    dependencies=[StorageQuota],
)
async def create_shares(
    body: SharesCreate, principal: CurrentUser, session: DbSession, now: Now
) -> SharesEnvelope:
    """Share cards (or single slots) over the caller's connections; all the shares succeed or none."""
    shares = await create.create_shares(session, principal, body.shares, now)
    ctx = await views.load_context(session, principal.user_id, shares)
    return views.envelope(shares, ctx, with_values=True)


@router.get("/shares", response_model=SharesPage, responses=error_responses(401, 422))
async def list_shares(
    principal: CurrentUser,
    session: DbSession,
    now: Now,
    page: ListPage,
    outgoing: Annotated[bool | None, Query(description="true: given; false: received; absent: both")] = None,
    shareable_id: Annotated[uuid.UUID | None, Query(description="only shares of this item")] = None,
) -> SharesPage:
    """The caller's live shares, oldest first, with their items (metadata only: no values)."""
    shares, after = await service.list_shares(session, principal, outgoing, shareable_id, page, now)
    ctx = await views.load_context(session, principal.user_id, shares)
    body = views.envelope(shares, ctx, with_values=False)
    return SharesPage(**dict(body), meta=meta(after, page), next_page_after=after)


@router.put(
    "/shares",
    response_model=SharesEnvelope,
    responses=error_responses(401, 403, 404, 409, 413, 422),
    dependencies=[StorageQuota],
)
async def update_shares(
    body: SharesUpdate, principal: CurrentUser, session: DbSession, now: Now
) -> SharesEnvelope:
    """The sender changes values (after editing the card), expiry or on-sharing; all or nothing."""
    shares = await update.update_shares(session, principal, body.shares, now)
    ctx = await views.load_context(session, principal.user_id, shares)
    return views.envelope(shares, ctx, with_values=True)


@router.get("/shares/{share_id}", response_model=ShareEnvelope, responses=error_responses(401, 404, 422))
async def get_share(
    share_id: uuid.UUID,
    request: Request,
    principal: CurrentUser,
    session: DbSession,
    now: Now,
    settings: AppSettings,
) -> ShareEnvelope:
    """One share with its item and covered slots; the recipient gets the values once acceptance allows
    (and that read is recorded, once per ``share_read_event_window``: ``GET /shares/{id}/events``)."""
    share = await service.get_share(session, principal, share_id, now)
    window = settings.share_read_event_window
    recent: events.RecentReads = request.app.state.recent_reads
    if await events.needs_record(session, share, principal, now, window, recent):
        async with writer_for(request, session) as writer:
            await events.record(writer, share, principal, now, window)
    return views.single(share, await views.load_context(session, principal.user_id, [share]))


@router.get(
    "/shares/{share_id}/events", response_model=ShareEventsPage, responses=error_responses(401, 404, 422)
)
async def share_events(
    share_id: uuid.UUID, principal: CurrentUser, session: DbSession, now: Now, page: ListPage
) -> ShareEventsPage:
    """Who read the share's values and when, for the card's owner and the share's sender (extension);
    the owner also sees the on-shares made from it."""
    return await events.list_events(session, principal, share_id, page, now)


@router.put(
    "/shares/{share_id}/accept", response_model=ShareEnvelope, responses=error_responses(401, 403, 404, 422)
)
async def accept_share(
    share_id: uuid.UUID, principal: CurrentUser, session: DbSession, now: Now, settings: AppSettings
) -> ShareEnvelope:
    """The recipient accepts the share and its terms (extension)."""
    share = await service.accept_share(session, principal, share_id, now)
    if events.is_served(share, principal):
        await events.record(session, share, principal, now, settings.share_read_event_window)
    return views.single(share, await views.load_context(session, principal.user_id, [share]))


@router.delete("/shares/{share_id}", status_code=204, responses=error_responses(401, 404, 422))
async def revoke_share(share_id: uuid.UUID, principal: CurrentUser, session: DbSession, now: Now) -> Response:
    """Sender or recipient revokes the share (its on-shares go with it)."""
    await service.revoke_share(session, principal, share_id, now)
    return Response(status_code=204)


@router.get("/items/incoming", response_model=IncomingItemsPage, responses=error_responses(401, 422))
async def incoming_items(
    principal: CurrentUser, session: DbSession, now: Now, page: ListPage
) -> IncomingItemsPage:
    """Cards shared with the caller: one page of received shares with their items and covered slots."""
    shares, after = await service.list_shares(session, principal, False, None, page, now)
    ctx = await views.load_context(session, principal.user_id, shares)
    body = views.envelope(shares, ctx, with_values=False)
    return IncomingItemsPage(
        items=body.items, slots=body.slots, shares=body.shares, meta=meta(after, page), next_page_after=after
    )
