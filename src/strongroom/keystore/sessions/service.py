"""Rules of the session list: one's own live sessions, ending one, ending all but the current one."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.keystore.principal import Principal
from strongroom.keystore.sessions import repository
from strongroom.keystore.sessions.schemas import SessionListItemRead, SessionPage
from strongroom.kit.errors import not_found, unauthorized
from strongroom.kit.pagination import PageParams


async def list_sessions(
    session: AsyncSession, principal: Principal, page: PageParams, now: datetime
) -> SessionPage:
    rows = await repository.live_sessions_page(
        session, principal.user_id, now, after=page.after, limit=page.per_page + 1
    )
    more = len(rows) > page.per_page
    rows = rows[: page.per_page]
    return SessionPage(
        sessions=[
            SessionListItemRead(
                id=row.id,
                created_at=row.created_at,
                last_used_at=row.last_used_at or row.created_at,
                client_name=row.client_name,
                expires_at=row.expires_at,
                current=row.id == principal.session_id,
            )
            for row in rows
        ],
        next_page_after=rows[-1].id if more else None,
    )


async def end_session(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID, now: datetime
) -> None:
    """End one of the caller's live sessions (the current one too); 404 ``not_found`` for any other id."""
    if not await repository.end_session(session, principal.user_id, session_id, now):
        raise not_found("session")


async def end_other_sessions(session: AsyncSession, principal: Principal, now: datetime) -> int:
    """End every session of the caller's but the current one; how many ended.

    Under the user row's lock, so that two of these at once (from two sessions) run one after the other:
    the second finds its own session ended by the first and answers 401, as any request of an ended
    session would.
    """
    await repository.lock_user(session, principal.user_id)
    if not await repository.session_is_live(session, principal.user_id, principal.session_id, now):
        raise unauthorized("the session token is missing, unknown, expired or revoked")
    return await repository.end_sessions_except(session, principal.user_id, principal.session_id, now)
