"""Changing shares (``PUT /shares``): only the sender changes values, expiry and on-sharing.

Optimistic concurrency: each share has a ``version`` that grows with every change. A request may carry
``version`` or ``updated_at`` as a precondition; a stale one is refused with 409 ``stale_update``. The row
is read with a lock (PostgreSQL; SQLite serialises writers anyway) and written with a compare-and-set on the
version read, so two racing updates never lose one another: the second either waits and applies on top of
the first, or (with a stale precondition) is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from strongroom.kit.clock import as_utc
from strongroom.kit.errors import AppError, conflict, invalid, not_found
from strongroom.vault.auth import Principal
from strongroom.vault.models import Share
from strongroom.vault.shares import repository
from strongroom.vault.shares.schemas import ShareUpdate
from strongroom.vault.shares.values import check_slots, parse_values
from strongroom.vault.tasks import repository as tasks

STALE = "stale_update"


def _millis(value: datetime) -> int:
    """``value`` in whole milliseconds: the precision clients echo timestamps with."""
    return int(as_utc(value).timestamp() * 1000)


def _check_precondition(share: Share, change: ShareUpdate) -> None:
    if change.version is not None and change.version != share.version:
        raise conflict(STALE, "the share changed since it was read (version)")
    if change.updated_at is not None and _millis(change.updated_at) != _millis(share.updated_at):
        raise conflict(STALE, "the share changed since it was read (updated_at)")


async def _parent(session: AsyncSession, share: Share) -> Share | None:
    if share.parent_share_id is None:
        return None
    return await repository.share_by_id(session, share.parent_share_id)


async def _changes(
    session: AsyncSession, share: Share, change: ShareUpdate, now: datetime
) -> dict[str, object]:
    """The columns ``change`` alters on ``share`` (empty when it alters nothing), after every check."""
    parent = await _parent(session, share)
    values: dict[str, object] = {}
    if change.encrypted_values is not None:
        new_values = parse_values(change.encrypted_values)
        item_slots = await repository.slot_ids_of_item(session, share.item_id)
        coverage = None
        if parent is not None:
            coverage = {parent.slot_id} if parent.slot_id is not None else item_slots
        check_slots(new_values, item_slots, share.slot_id, coverage)
        if new_values != (share.encrypted_values or {}):
            values["encrypted_values"] = new_values
    if "expires_at" in change.model_fields_set:
        expires_at = as_utc(change.expires_at) if change.expires_at is not None else None
        if expires_at != share.expires_at:
            if expires_at is not None and expires_at <= now:
                raise invalid("expires_at_in_past", "expires_at must be in the future")
            limit = parent.expires_at if parent is not None else None
            if limit is not None and (expires_at is None or expires_at > limit):
                raise invalid("expires_after_parent", "an on-share cannot outlive the share it comes from")
            values["expires_at"] = expires_at
    if change.distributable is not None and change.distributable != share.distributable:
        if change.distributable and share.parent_share_id is not None:
            raise invalid("on_share_not_distributable", "an on-share cannot be distributable")
        values["distributable"] = change.distributable
    return values


async def update_shares(
    session: AsyncSession, principal: Principal, changes: Sequence[ShareUpdate], now: datetime
) -> list[Share]:
    """Apply ``changes`` to the caller's outgoing shares, all or nothing; returns the shares as they are now.

    404 for a share the caller is not party to (or that expired); 403 ``sender_only`` for the recipient;
    409 ``stale_update`` for a failed precondition or a lost race. Side effects: a new expiry is imposed on
    on-shares that would outlive it; turning ``distributable`` off revokes the on-shares; new values on a
    share that has on-shares queue ``update_shares`` for its recipient (the on-sharer).
    """
    ids = [change.id for change in changes]
    if len(set(ids)) != len(ids):
        raise invalid("duplicate_share", "a share appears twice in shares")
    updated: list[Share] = []
    for change in changes:
        share = await repository.visible_share(session, principal.user_id, change.id, now, lock=True)
        if share is None:
            raise not_found("share")
        if share.sender_id != principal.user_id:
            raise AppError(403, "sender_only", "only the sender can change a share")
        _check_precondition(share, change)
        values = await _changes(session, share, change, now)
        if values:
            # Strictly increasing, so that an echoed ``updated_at`` always tells versions apart.
            values["updated_at"] = max(now, share.updated_at + timedelta(milliseconds=1))
            if not await repository.compare_and_set(session, share.id, share.version, values):
                raise conflict(STALE, "the share changed while this update ran")
            for key, value in {**values, "version": share.version + 1}.items():
                set_committed_value(share, key, value)
            await _side_effects(session, share, values, now)
        updated.append(share)
    return updated


async def _side_effects(
    session: AsyncSession, share: Share, values: dict[str, object], now: datetime
) -> None:
    expires_at = values.get("expires_at")
    if isinstance(expires_at, datetime):
        await repository.clamp_children_expiry(session, share.id, expires_at, now)
    if values.get("distributable") is False:
        # Imported here: the service module imports this one.
        from strongroom.vault.shares.service import end_shares

        await end_shares(session, await repository.child_ids(session, share.id), now)
    if "encrypted_values" in values and await repository.has_live_children(session, share.id, now):
        await tasks.queue(session, share.recipient_id, tasks.UPDATE_SHARES, share.item_id, now)
