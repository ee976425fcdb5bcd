"""All SQL of public keys; lookups are limited to the caller's own keys."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.pagination import ListParams, paginate
from strongroom.vault.models import PublicKey


async def own_key(session: AsyncSession, user_id: uuid.UUID, key_id: uuid.UUID) -> PublicKey | None:
    stmt = select(PublicKey).where(PublicKey.id == key_id, PublicKey.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_keys(session: AsyncSession, user_id: uuid.UUID, params: ListParams) -> list[PublicKey]:
    stmt = paginate(select(PublicKey).where(PublicKey.user_id == user_id), PublicKey.id, params)
    return list((await session.execute(stmt)).scalars())


async def add(session: AsyncSession, key: PublicKey) -> None:
    session.add(key)
    await session.flush()
