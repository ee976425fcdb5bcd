"""What happens to shares when a shared card changes. Vault B (shares, client tasks) fills these in."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession


async def on_item_changed(session: AsyncSession, item_id: uuid.UUID, now: datetime) -> None:
    """Called inside the updating transaction after item ``item_id`` or its slots changed (values, labels,
    slots added or destroyed), already flushed.

    Vault B queues the ``update_shares`` client task for each sender whose live shares carry the item's
    values. Must only flush, never commit. No-op until Vault B implements it.
    """
    return None


async def on_item_deleted(session: AsyncSession, item_id: uuid.UUID) -> None:
    """Called inside the deleting transaction *before* item ``item_id`` is deleted.

    Vault B revokes the item's shares (and their on-shares) and drops tasks about them. Must only flush,
    never commit. No-op until Vault B implements it (the foreign-key cascade still removes the shares).
    """
    return None
