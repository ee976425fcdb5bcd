"""What happens to shares when a shared card changes (implemented by the shares package)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.vault.attachments import garbage
from strongroom.vault.shares import service


async def on_item_changed(session: AsyncSession, item_id: uuid.UUID, now: datetime) -> None:
    """Called inside the updating transaction after item ``item_id`` or its slots changed (values, labels,
    slots added or destroyed), already flushed.

    Queues the ``update_shares`` client task (target: the item) for the owner when the item has live direct
    shares; on-sharers get theirs when the owner's new values reach their parent share (``PUT /shares``).
    Never duplicates a waiting task. Only flushes.
    """
    await service.item_changed(session, item_id, now)
    garbage.note(session)  # a destroyed or re-pointed attachment slot leaves its blobs to the collector


async def on_item_deleted(session: AsyncSession, item_id: uuid.UUID, now: datetime) -> None:
    """Called inside the deleting transaction *before* item ``item_id`` is deleted.

    Revokes the item's shares (and their on-shares), asks the parties' clients to delete the share keys,
    and drops every client task about the item. Only flushes.
    """
    await service.item_deleted(session, item_id, now)
    garbage.note(session)


async def on_slots_deleted(session: AsyncSession, slot_ids: Collection[uuid.UUID], now: datetime) -> None:
    """Called inside the transaction *before* slots ``slot_ids`` are deleted: revokes their single-slot
    shares (asking for their keys to be deleted, as every ending does). Only flushes."""
    await service.slots_deleted(session, slot_ids, now)
