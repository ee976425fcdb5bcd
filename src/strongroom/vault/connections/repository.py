"""All SQL of connections. Every lookup starts from the caller's own record (``user_id`` = caller), so
another user's connection id answers exactly as a missing one.

Public for the shares package: :func:`own_connection`, :func:`connection_with`, :func:`twin_of`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from strongroom.kit.pagination import ListParams, paginate
from strongroom.vault.models import Connection, PublicKey, User

Twin = aliased(Connection)
OwnKey = aliased(PublicKey)
OtherKey = aliased(PublicKey)
Other = aliased(User)


@dataclass(frozen=True)
class ConnectionView:
    """A connection record with everything its owner is shown: own key, the twin's key and space, and the
    other user's profile."""

    connection: Connection
    own_key: PublicKey
    other_key: PublicKey
    other_space_id: uuid.UUID | None
    other_name: str | None
    other_email: str | None


def _views() -> Any:
    return (
        select(Connection, OwnKey, OtherKey, Twin.encryption_space_id, Other.full_name, Other.email)
        .join(Twin, (Twin.pair_id == Connection.pair_id) & (Twin.user_id == Connection.other_user_id))
        .join(OwnKey, OwnKey.id == Connection.public_key_id)
        .join(OtherKey, OtherKey.id == Twin.public_key_id)
        .join(Other, Other.id == Connection.other_user_id)
    )


def _view(row: Any) -> ConnectionView:
    return ConnectionView(row[0], row[1], row[2], row[3], row[4], row[5])


async def view(session: AsyncSession, user_id: uuid.UUID, connection_id: uuid.UUID) -> ConnectionView | None:
    stmt = _views().where(Connection.id == connection_id, Connection.user_id == user_id)
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else _view(row)


async def list_views(session: AsyncSession, user_id: uuid.UUID, params: ListParams) -> list[ConnectionView]:
    stmt = paginate(_views().where(Connection.user_id == user_id), Connection.id, params)
    return [_view(r) for r in (await session.execute(stmt)).all()]


async def own_connection(
    session: AsyncSession, user_id: uuid.UUID, connection_id: uuid.UUID
) -> Connection | None:
    """The caller's own record ``connection_id``, or None (also when it is someone else's)."""
    stmt = select(Connection).where(Connection.id == connection_id, Connection.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def connection_with(
    session: AsyncSession, user_id: uuid.UUID, other_user_id: uuid.UUID
) -> Connection | None:
    """The caller's record of their connection with ``other_user_id``, or None."""
    stmt = select(Connection).where(Connection.user_id == user_id, Connection.other_user_id == other_user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def twin_of(session: AsyncSession, connection: Connection) -> Connection:
    """The other user's record of the same connection (always exists: both rows live and die together)."""
    stmt = select(Connection).where(
        Connection.pair_id == connection.pair_id, Connection.user_id == connection.other_user_id
    )
    return (await session.execute(stmt)).scalar_one()


async def add_pair(session: AsyncSession, records: Sequence[Connection]) -> None:
    session.add_all(records)
    await session.flush()


async def delete_pair(session: AsyncSession, pair_id: uuid.UUID) -> None:
    """Delete both records; shares over them and linked encryption spaces cascade."""
    await session.execute(delete(Connection).where(Connection.pair_id == pair_id))
