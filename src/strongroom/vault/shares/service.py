"""Reading, accepting and revoking shares, and what happens to shares when cards and connections change.

Creation and updates have their own modules (:mod:`.create`, :mod:`.update`). Every function takes the
request's session and flushes, never commits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Sequence
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


async def end_shares(
    session: AsyncSession, share_ids: Collection[uuid.UUID], now: datetime, *, live_only: bool = True
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Delete the shares ``share_ids`` with their on-shares, however they end, and ask both parties'
    clients to delete the Keystore copies of each share's DEK (``delete_encryption_space`` tasks): the
    Vault cannot reach the Keystore (another trust domain) and holds no credential there; only the users'
    own clients can. A task whose space is already gone (the SDK's revoke deletes it at once) is done
    without work.

    Returns the (sender, item) pairs of the deleted shares. Leftover ``update_shares`` tasks are dropped
    (with ``live_only``, an expired share no longer keeps its sender's task).
    """
    holders = await repository.key_holders(session, share_ids)
    gone = await repository.delete_shares(session, share_ids)
    await tasks.drop_moot_update_tasks(session, gone, now if live_only else None)
    for sender_id, recipient_id, space_id in holders:
        for user_id in (sender_id, recipient_id):
            await tasks.queue(session, user_id, tasks.DELETE_ENCRYPTION_SPACE, space_id, now)
    return gone


async def revoke_share(
    session: AsyncSession, principal: Principal, share_id: uuid.UUID, now: datetime
) -> None:
    """Sender or recipient revokes: the share and its on-shares are deleted (404 for everyone afterwards)."""
    share = await get_share(session, principal, share_id, now)
    await end_shares(session, [share.id], now)


# Hooks called by the items and connections packages (inside their transactions).


async def item_changed(session: AsyncSession, item_id: uuid.UUID, now: datetime) -> None:
    """Queue ``update_shares`` for the item's owner when it has live direct shares (their values are now
    stale). On-sharers are asked later, when the owner's new values reach the shares they received."""
    sender = await repository.live_direct_sender(session, item_id, now)
    if sender is not None:
        await tasks.queue(session, sender, tasks.UPDATE_SHARES, item_id, now)


async def item_deleted(session: AsyncSession, item_id: uuid.UUID, now: datetime) -> None:
    """Revoke every share of the item (on-shares included) and drop every task about it."""
    await end_shares(session, await repository.shares_of_item(session, item_id), now)
    await tasks.delete_tasks_about(session, item_id)


async def slots_deleted(session: AsyncSession, slot_ids: Collection[uuid.UUID], now: datetime) -> None:
    """Revoke the single-slot shares of these slots (with their on-shares)."""
    await end_shares(session, await repository.shares_of_slots(session, slot_ids), now)


async def connections_deleted(
    session: AsyncSession, connection_ids: Sequence[uuid.UUID], now: datetime
) -> None:
    """Revoke every share made over these connection records (both directions, on-shares included), and
    ask each user's client to delete what the connection leaves in their Keystore: the encryption spaces
    they linked to it and their connection keypair."""
    spaces, keys = await repository.connection_key_material(session, connection_ids)
    await end_shares(
        session, await repository.shares_over_connections(session, connection_ids), now, live_only=False
    )
    for user_id, space_id in spaces:
        await tasks.queue(session, user_id, tasks.DELETE_ENCRYPTION_SPACE, space_id, now)
    for user_id, key_store_id in keys:
        try:
            keypair_id = uuid.UUID(key_store_id)
        except ValueError:
            continue  # another Keystore's ids may not be UUIDs: no task can name it
        await tasks.queue(session, user_id, tasks.DELETE_KEYPAIR, keypair_id, now)


async def sweep_expired(session: AsyncSession, now: datetime, *, batch: int = 1000) -> int:
    """Delete every share expired at ``now`` (with its on-shares) and the tasks left without purpose.

    Returns how many shares were deleted. Works in batches of ``batch`` through the expiry index.
    """
    total = 0
    while True:
        rows = await repository.expired_batch(session, now, batch)
        if not rows:
            return total
        gone = await end_shares(session, [row[0] for row in rows], now)
        total += len(gone)
        if len(rows) < batch:
            return total
