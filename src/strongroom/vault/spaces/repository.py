"""SQL of encryption-space links. Every lookup is scoped to the caller (``user_id``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.vault.models import Connection, EncryptionSpace


async def own_connection(
    session: AsyncSession, user_id: uuid.UUID, connection_id: uuid.UUID
) -> Connection | None:
    """The caller's own connection record ``connection_id`` (None when missing or someone else's)."""
    result = await session.execute(
        select(Connection).where(Connection.id == connection_id, Connection.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def links_of(session: AsyncSession, space_id: uuid.UUID) -> Sequence[EncryptionSpace]:
    """Every link of space ``space_id`` (at most two: one per side of one connection)."""
    result = await session.execute(select(EncryptionSpace).where(EncryptionSpace.id == space_id))
    return result.scalars().all()


async def twin_id(session: AsyncSession, connection: Connection) -> uuid.UUID | None:
    """The id of the other user's record of ``connection``."""
    result = await session.execute(
        select(Connection.id).where(
            Connection.pair_id == connection.pair_id, Connection.user_id == connection.other_user_id
        )
    )
    return result.scalar_one_or_none()


def add_link(
    session: AsyncSession, space_id: uuid.UUID, user_id: uuid.UUID, connection_id: uuid.UUID, now: datetime
) -> EncryptionSpace:
    link = EncryptionSpace(id=space_id, user_id=user_id, connection_id=connection_id, created_at=now)
    session.add(link)
    return link


async def set_connection_space(
    session: AsyncSession, connection_id: uuid.UUID, space_id: uuid.UUID, now: datetime
) -> None:
    """Make ``space_id`` the connection record's latest space (the twin shows it as the other user's)."""
    await session.execute(
        update(Connection)
        .where(Connection.id == connection_id)
        .values(encryption_space_id=space_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
