"""All SQL of admission tokens, users and sessions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.pagination import ListParams, paginate
from strongroom.vault.models import AdmissionToken, Connection, UsedRequestSignature, User, VaultSession


async def admission_token_by_hash(session: AsyncSession, token_hash: str) -> AdmissionToken | None:
    return (
        await session.execute(select(AdmissionToken).where(AdmissionToken.token_hash == token_hash))
    ).scalar_one_or_none()


async def claim_admission_token(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> bool:
    """Mark the token used if it is not yet: True for exactly one of any number of racing callers.

    A conditional UPDATE: on PostgreSQL a concurrent claimer waits for the row lock and then sees
    ``used`` true; on SQLite transactions are serialized (BEGIN IMMEDIATE).
    """
    result = await session.execute(
        update(AdmissionToken)
        .where(AdmissionToken.id == token_id, AdmissionToken.used.is_(False))
        .values(used=True, used_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def user_by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def user_id_by_login_key(session: AsyncSession, login_key_hash: str) -> uuid.UUID | None:
    return (
        await session.execute(select(User.id).where(User.login_key_hash == login_key_hash))
    ).scalar_one_or_none()


async def session_epoch(session: AsyncSession, user_id: uuid.UUID) -> int:
    epoch = (await session.execute(select(User.session_epoch).where(User.id == user_id))).scalar_one()
    return int(epoch)


async def bump_session_epoch(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_epoch=User.session_epoch + 1)
        .execution_options(synchronize_session=False)
    )


async def revoke_session(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(VaultSession)
        .where(VaultSession.id == session_id)
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


async def delete_expired_sessions(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    """Forget the user's expired sessions (housekeeping on login; per user, so its cost stays small)."""
    await session.execute(
        delete(VaultSession).where(VaultSession.user_id == user_id, VaultSession.expires_at <= now)
    )


async def delete_sessions_of(session: AsyncSession, user_id: uuid.UUID, *, keep: uuid.UUID | None) -> None:
    stmt = delete(VaultSession).where(VaultSession.user_id == user_id)
    if keep is not None:
        stmt = stmt.where(VaultSession.id != keep)
    await session.execute(stmt)


async def connection_ids_of(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """Every connection row the user is on, both their own rows and the other parties' twins."""
    rows = await session.execute(
        select(Connection.id).where((Connection.user_id == user_id) | (Connection.other_user_id == user_id))
    )
    return list(rows.scalars())


async def delete_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Delete the user row; foreign keys cascade to everything the user owns or takes part in."""
    await session.execute(delete(User).where(User.id == user_id))


async def use_request_signature(
    session: AsyncSession, digest: str, expires_at: datetime, now: datetime
) -> bool:
    """Record a request signature as used (forgetting stale ones); False if it was already (a replay,
    also under a race)."""
    await session.execute(delete(UsedRequestSignature).where(UsedRequestSignature.expires_at < now))
    if await session.get(UsedRequestSignature, digest) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(UsedRequestSignature(signature_sha256=digest, expires_at=expires_at))
    except IntegrityError:
        return False
    return True


# --- the session list (GET/DELETE /sessions) --------------------------------------------------------


def _live(user_id: uuid.UUID, now: datetime) -> list[ColumnElement[bool]]:
    return [VaultSession.user_id == user_id, VaultSession.revoked_at.is_(None), VaultSession.expires_at > now]


async def live_sessions_page(
    session: AsyncSession, user_id: uuid.UUID, now: datetime, params: ListParams
) -> Sequence[VaultSession]:
    """A page of the user's used, unrevoked, unexpired sessions (plus one row: see kit/pagination)."""
    stmt = select(VaultSession).where(*_live(user_id, now))
    rows: Sequence[VaultSession] = (
        (await session.execute(paginate(stmt, VaultSession.id, params))).scalars().all()
    )
    return rows


async def revoke_live_session(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime
) -> bool:
    """Revoke one live session of the user's (kept until its expiry, see vault/sessions.py); False if the
    user has no such live session (another's, unknown, already ended)."""
    result = await session.execute(
        update(VaultSession)
        .where(VaultSession.id == session_id, *_live(user_id, now))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def session_is_live(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime
) -> bool:
    found = await session.execute(
        select(VaultSession.id).where(VaultSession.id == session_id, *_live(user_id, now))
    )
    return found.first() is not None


async def end_sessions_except(
    session: AsyncSession, user_id: uuid.UUID, keep: uuid.UUID, now: datetime
) -> int:
    """Delete every session row of the user's but ``keep``; how many of them were live."""
    result = await session.execute(
        delete(VaultSession)
        .where(VaultSession.user_id == user_id, VaultSession.id != keep)
        .returning(VaultSession.revoked_at, VaultSession.expires_at)
        .execution_options(synchronize_session=False)
    )
    return sum(1 for revoked_at, expires_at in result.all() if revoked_at is None and expires_at > now)
