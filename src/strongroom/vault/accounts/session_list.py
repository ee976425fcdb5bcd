"""The caller's own sessions: list them, end one, end all but the current one (``/sessions``).

Only used tokens have rows (vault/sessions.py), so the list shows sessions that have made a request; a
token issued but never used is invisible here, and ending "all but this one" still ends it, by bumping the
account's session epoch (the current session lives on through its row).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.errors import not_found, unauthorized
from strongroom.kit.pagination import ListParams, cut
from strongroom.vault.accounts import repository as repo
from strongroom.vault.accounts.schemas import SessionListItemOut
from strongroom.vault.auth import Principal
from strongroom.vault.models import VaultSession


def session_out(row: VaultSession, principal: Principal) -> SessionListItemOut:
    return SessionListItemOut(
        id=row.id,
        created_at=row.created_at,
        last_used_at=row.last_used_at or row.created_at,
        client_name=row.client_name,
        expires_at=row.expires_at,
        current=row.id == principal.session_id,
    )


async def list_sessions(
    session: AsyncSession, principal: Principal, params: ListParams, now: datetime
) -> tuple[list[VaultSession], uuid.UUID | None]:
    """A page of the caller's live sessions, oldest first, and the cursor of the next one."""
    rows = await repo.live_sessions_page(session, principal.user_id, now, params)
    return cut(rows, params, lambda row: row.id)


async def end_session(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID, now: datetime
) -> None:
    """End one of the caller's live sessions (the current one too); 404 ``not_found`` for any other id."""
    if not await repo.revoke_live_session(session, principal.user_id, session_id, now):
        raise not_found("session")


async def end_other_sessions(session: AsyncSession, principal: Principal, now: datetime) -> int:
    """End every session of the caller's but the current one, used or not; how many used ones ended.

    The epoch bump takes the user row's lock first, so two of these at once (from two sessions) run one
    after the other, and the second finds its own session ended by the first: 401, as for any request of
    an ended session, and its rollback undoes its bump.
    """
    await repo.bump_session_epoch(session, principal.user_id)
    if not await repo.session_is_live(session, principal.user_id, principal.session_id, now):
        raise unauthorized("invalid or expired session token")
    return await repo.end_sessions_except(session, principal.user_id, principal.session_id, now)
