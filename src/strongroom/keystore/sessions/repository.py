"""All SQL of the session list: the caller's live sessions, ending one, ending all but one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.keystore.models import Session, User


async def touch(session: AsyncSession, session_id: uuid.UUID, now: datetime, interval: int) -> None:
    """Record a use of a session, unless another request recorded one less than ``interval`` ago."""
    stale = now - timedelta(seconds=interval)
    await session.execute(
        update(Session)
        .where(Session.id == session_id, or_(Session.last_used_at.is_(None), Session.last_used_at <= stale))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


async def live_sessions_page(
    session: AsyncSession, user_id: uuid.UUID, now: datetime, *, after: uuid.UUID | None, limit: int
) -> Sequence[Session]:
    statement = select(Session).where(Session.user_id == user_id, Session.expires_at > now)
    if after is not None:
        statement = statement.where(Session.id > after)
    rows: Sequence[Session] = (
        (await session.execute(statement.order_by(Session.id).limit(limit))).scalars().all()
    )
    return rows


async def end_session(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime
) -> bool:
    """Delete one live session of the user's; False if the user has no such session."""
    result = await session.execute(
        delete(Session)
        .where(Session.id == session_id, Session.user_id == user_id, Session.expires_at > now)
        .returning(Session.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def lock_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Take the user row's lock (PostgreSQL; SQLite writers are serialized anyway) until the commit."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())


async def session_is_live(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime
) -> bool:
    found = await session.execute(
        select(Session.id).where(
            Session.id == session_id, Session.user_id == user_id, Session.expires_at > now
        )
    )
    return found.first() is not None


async def end_sessions_except(
    session: AsyncSession, user_id: uuid.UUID, keep: uuid.UUID, now: datetime
) -> int:
    """Delete every session of the user's but ``keep``; how many of them were live."""
    result = await session.execute(
        delete(Session)
        .where(Session.user_id == user_id, Session.id != keep)
        .returning(Session.expires_at)
        .execution_options(synchronize_session=False)
    )
    return sum(1 for (expires_at,) in result.all() if expires_at > now)
