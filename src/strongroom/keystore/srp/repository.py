"""All SQL of accounts, challenges, sessions and server secrets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.keystore.models import ServerSecret, Session, SrpChallenge, User, UsernameReservation


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(select(User).where(User.username == username))
    return result.scalar_one_or_none()


async def user_by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def add_user(session: AsyncSession, user: User) -> None:
    """Insert ``user``; raises ``IntegrityError`` if the username is taken (also under a race)."""
    session.add(user)
    await session.flush()


async def delete_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Delete the account; every row of the user goes with it (foreign keys cascade)."""
    await session.execute(delete(User).where(User.id == user_id))


async def live_reservation(session: AsyncSession, username: str, now: datetime) -> UsernameReservation | None:
    result = await session.execute(
        select(UsernameReservation).where(
            UsernameReservation.username == username, UsernameReservation.expires_at > now
        )
    )
    return result.scalar_one_or_none()


async def username_in_use(session: AsyncSession, username: str) -> bool:
    """True if ``username`` has an account or a reservation row (expired ones too, until purged)."""
    taken = await session.execute(select(User.id).where(User.username == username))
    if taken.first() is not None:
        return True
    reserved = await session.execute(
        select(UsernameReservation.username).where(UsernameReservation.username == username)
    )
    return reserved.first() is not None


async def purge_expired_reservations(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(UsernameReservation).where(UsernameReservation.expires_at <= now))


async def add_reservation(session: AsyncSession, username: str, expires_at: datetime) -> None:
    session.add(UsernameReservation(username=username, expires_at=expires_at))
    await session.flush()


async def drop_reservation(session: AsyncSession, username: str) -> None:
    await session.execute(delete(UsernameReservation).where(UsernameReservation.username == username))


async def purge_expired_challenges(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(SrpChallenge).where(SrpChallenge.expires_at <= now))


async def add_challenge(session: AsyncSession, challenge: SrpChallenge) -> None:
    session.add(challenge)
    await session.flush()


@dataclass(frozen=True)
class TakenChallenge:
    user_id: uuid.UUID | None
    b_secret: str


async def take_challenge(
    session: AsyncSession, username: str, a_hash: str, now: datetime
) -> TakenChallenge | None:
    """Delete the live challenges of ``(username, A)`` and return the newest, in one statement: of two
    racing callers only the one whose DELETE removed the row gets it; the other gets None (single use).
    """
    result = await session.execute(
        delete(SrpChallenge)
        .where(
            SrpChallenge.username == username,
            SrpChallenge.a_hash == a_hash,
            SrpChallenge.expires_at > now,
        )
        .returning(SrpChallenge.id, SrpChallenge.user_id, SrpChallenge.b_secret)
        .execution_options(synchronize_session=False)
    )
    rows = sorted(result.all(), key=lambda row: row[0])
    if not rows:
        return None
    return TakenChallenge(user_id=rows[-1][1], b_secret=rows[-1][2])


async def add_session(session: AsyncSession, row: Session) -> None:
    session.add(row)
    await session.flush()


async def purge_expired_sessions(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(Session).where(Session.expires_at <= now))


async def delete_session(session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID) -> None:
    await session.execute(delete(Session).where(Session.user_id == user_id, Session.id == session_id))


async def delete_sessions(
    session: AsyncSession, user_id: uuid.UUID, *, keep: uuid.UUID | None = None
) -> None:
    statement = delete(Session).where(Session.user_id == user_id)
    if keep is not None:
        statement = statement.where(Session.id != keep)
    await session.execute(statement)


async def server_secret(session: AsyncSession, name: str, make: bytes) -> bytes:
    """The secret stored under ``name``, inserting ``make`` if there is none yet (first start wins a race)."""
    existing = await session.get(ServerSecret, name)
    if existing is not None:
        return existing.value
    try:
        async with session.begin_nested():
            session.add(ServerSecret(name=name, value=make))
    except IntegrityError:
        pass
    stored = (await session.execute(select(ServerSecret.value).where(ServerSecret.name == name))).scalar_one()
    return stored
