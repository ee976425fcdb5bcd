"""Reading, accepting and revoking shares, and what happens to shares when cards and connections change.

Creation and updates have their own modules (:mod:`.create`, :mod:`.update`). Every function takes the
request's session and flushes, never commits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from strongroom.kit.errors import AppError, not_found
from strongroom.kit.pagination import ListParams, cut
from strongroom.vault.auth import Principal
from strongroom.vault.models import AcceptanceRequired, Share
from strongroom.vault.shares import repository
from strongroom.vault.tasks import repository as tasks


def _share_bytes(share: Share) -> int:
    """What a share adds to a list page, roughly: its ciphertext plus its row."""
    return 512 + (len(json.dumps(share.encrypted_values)) if share.encrypted_values else 0)


async def list_shares(
    session: AsyncSession,
    principal: Principal,
    outgoing: bool | None,
    item_id: uuid.UUID | None,
    params: ListParams,
    now: datetime,
) -> tuple[list[Share], uuid.UUID | None]:
    """One page of the caller's live shares (given, received or both) and the next-page cursor."""
    rows = await repository.page_of_shares(session, principal.user_id, outgoing, item_id, params, now)
    return cut(rows, params, lambda share: share.id, _share_bytes)


async def get_share(session: AsyncSession, principal: Principal, share_id: uuid.UUID, now: datetime) -> Share:
    """The live share ``share_id`` if the caller gave or received it; 404 otherwise (also once revoked or
    expired)."""
    share = await repository.visible_share(session, principal.user_id, share_id, now)
    if share is None:
        raise not_found("share")
    return share


async def accept_share(
    session: AsyncSession, principal: Principal, share_id: uuid.UUID, now: datetime
) -> Share:
    """The recipient accepts the share (and its terms): its values become readable to them.

    Idempotent. 404 if not party to it; 403 ``recipient_only`` for the sender. Acceptance does not change
    ``version`` or ``updated_at``: those track the sender's changes (a sender's pending update stays valid).
    """
    share = await get_share(session, principal, share_id, now)
    if share.recipient_id != principal.user_id:
        raise AppError(403, "recipient_only", "only the recipient can accept a share")
    if share.acceptance_required != AcceptanceRequired.ACCEPTED.value:
        await repository.set_acceptance(session, share.id, AcceptanceRequired.ACCEPTED.value)
        set_committed_value(share, "acceptance_required", AcceptanceRequired.ACCEPTED.value)
    return share


async def revoke_share(
    session: AsyncSession, principal: Principal, share_id: uuid.UUID, now: datetime
) -> None:
    """Sender or recipient revokes: the share and its on-shares are deleted (404 for everyone afterwards)."""
    share = await get_share(session, principal, share_id, now)
    gone = await repository.delete_shares(session, [share.id])
    await tasks.drop_moot_update_tasks(session, gone, now)


# Hooks called by the items and connections packages (inside their transactions).


async def item_changed(session: AsyncSession, item_id: uuid.UUID, now: datetime) -> None:
    """Queue ``update_shares`` for the item's owner when it has live direct shares (their values are now
    stale). On-sharers are asked later, when the owner's new values reach the shares they received."""
    sender = await repository.live_direct_sender(session, item_id, now)
    if sender is not None:
        await tasks.queue(session, sender, tasks.UPDATE_SHARES, item_id, now)


async def item_deleted(session: AsyncSession, item_id: uuid.UUID) -> None:
    """Revoke every share of the item (on-shares included) and drop every task about it."""
    await repository.delete_shares(session, await repository.shares_of_item(session, item_id))
    await tasks.delete_tasks_about(session, item_id)


async def connections_deleted(session: AsyncSession, connection_ids: Sequence[uuid.UUID]) -> None:
    """Revoke every share made over these connection records (both directions, on-shares included)."""
    gone = await repository.delete_shares(
        session, await repository.shares_over_connections(session, connection_ids)
    )
    await tasks.drop_moot_update_tasks(session, gone, None)


async def sweep_expired(session: AsyncSession, now: datetime, *, batch: int = 1000) -> int:
    """Delete every share expired at ``now`` (with its on-shares) and the tasks left without purpose.

    Returns how many shares were deleted. Works in batches of ``batch`` through the expiry index.
    """
    total = 0
    while True:
        rows = await repository.expired_batch(session, now, batch)
        if not rows:
            return total
        gone = await repository.delete_shares(session, [row[0] for row in rows])
        await tasks.drop_moot_update_tasks(session, gone, now)
        total += len(gone)
        if len(rows) < batch:
            return total
