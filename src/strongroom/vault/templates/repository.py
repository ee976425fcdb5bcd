"""All SQL of item templates. Every query is limited to templates the user may see: the built-ins
(``user_id IS NULL``) and the user's own."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from strongroom.kit.pagination import ListParams, paginate
from strongroom.vault.models import ItemTemplate, TemplateSlot


def _visible_to(user_id: uuid.UUID) -> ColumnElement[bool]:
    return ItemTemplate.user_id.is_(None) | (ItemTemplate.user_id == user_id)


async def list_templates(session: AsyncSession, user_id: uuid.UUID, params: ListParams) -> list[ItemTemplate]:
    """One page (plus one row) of the templates the user sees, by id."""
    stmt = paginate(select(ItemTemplate).where(_visible_to(user_id)), ItemTemplate.id, params)
    return list((await session.execute(stmt)).scalars())


async def slots_of(session: AsyncSession, template_ids: Sequence[uuid.UUID]) -> list[TemplateSlot]:
    if not template_ids:
        return []
    stmt = (
        select(TemplateSlot)
        .where(TemplateSlot.item_template_id.in_(template_ids))
        .order_by(TemplateSlot.item_template_id, TemplateSlot.ordinal)
    )
    return list((await session.execute(stmt)).scalars())


async def get_template(
    session: AsyncSession, user_id: uuid.UUID, template_id: uuid.UUID
) -> ItemTemplate | None:
    stmt = select(ItemTemplate).where(ItemTemplate.id == template_id, _visible_to(user_id))
    return (await session.execute(stmt)).scalar_one_or_none()


async def template_by_name(session: AsyncSession, user_id: uuid.UUID, name: str) -> ItemTemplate | None:
    """The user's own template called ``name``, else the built-in one (names never collide: see service)."""
    stmt = (
        select(ItemTemplate)
        .where(ItemTemplate.name == name, _visible_to(user_id))
        .order_by(ItemTemplate.user_id.is_(None))
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def add(session: AsyncSession, template: ItemTemplate, slots: Sequence[TemplateSlot]) -> None:
    session.add(template)
    await session.flush()
    session.add_all(slots)
    await session.flush()
