"""All SQL of items and slots. Every lookup starts from the caller's own rows, so another user's id
answers exactly as a missing one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.pagination import ListParams, paginate
from strongroom.vault.models import Item, Slot

# Built once (building a statement costs more than running it on SQLite); ``ids``: the items' ids.
SLOTS_OF_ITEMS = (
    select(Slot)
    .where(Slot.item_id.in_(bindparam("ids", expanding=True)))
    .order_by(Slot.item_id, Slot.ordinal, Slot.id)
)


async def list_items(
    session: AsyncSession, user_id: uuid.UUID, params: ListParams, template_ids: Sequence[uuid.UUID] | None
) -> list[tuple[Item, int]]:
    """One page (plus one row) of the user's items, by id, optionally only from ``template_ids``, each with
    how many characters of ciphertext its slots hold (for page byte limits), in one statement."""
    size = (
        select(func.coalesce(func.sum(func.length(Slot.encrypted_value)), 0))
        .where(Slot.item_id == Item.id)
        .correlate(Item)
        .scalar_subquery()
    )
    stmt = select(Item, size).where(Item.user_id == user_id)
    if template_ids is not None:
        stmt = stmt.where(Item.item_template_id.in_(template_ids))
    return [
        (item, int(total)) for item, total in (await session.execute(paginate(stmt, Item.id, params))).all()
    ]


async def slots_of(session: AsyncSession, item_ids: Sequence[uuid.UUID]) -> list[Slot]:
    """The slots of ``item_ids`` ordered by item and ordinal (callers pass ids they may read)."""
    if not item_ids:
        return []
    return list((await session.execute(SLOTS_OF_ITEMS, {"ids": list(item_ids)})).scalars())


async def get_item(session: AsyncSession, user_id: uuid.UUID, item_id: uuid.UUID) -> Item | None:
    stmt = select(Item).where(Item.id == item_id, Item.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_slot(session: AsyncSession, user_id: uuid.UUID, slot_id: uuid.UUID) -> Slot | None:
    stmt = select(Slot).where(Slot.id == slot_id, Slot.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def add(session: AsyncSession, item: Item, slots: Sequence[Slot]) -> None:
    session.add(item)
    await session.flush()
    session.add_all(slots)
    await session.flush()


async def delete_slots(session: AsyncSession, slot_ids: Sequence[uuid.UUID]) -> None:
    if slot_ids:
        await session.execute(delete(Slot).where(Slot.id.in_(slot_ids)))


async def delete_item(session: AsyncSession, item_id: uuid.UUID) -> None:
    """Delete the item; its slots and shares go with it (foreign keys cascade)."""
    await session.execute(delete(Item).where(Item.id == item_id))
