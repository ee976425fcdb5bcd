"""The Vault principal: who a request's bearer token belongs to.

``CurrentUser`` is the dependency every authenticated Vault route takes. It hashes the token from
``Authorization`` (bare or ``Bearer``), looks the hash up among live sessions, and answers 401
``unauthorized`` for a missing, unknown, expired or revoked (deleted) token. The lookup runs on the
request's own database session (FastAPI caches the ``DbSession`` dependency per request), so it is part
of the request's one transaction.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.auth import BearerToken
from strongroom.kit.db import DbSession, bookkeeping_writer, writer_for
from strongroom.kit.errors import unauthorized
from strongroom.kit.sessions import touch_due
from strongroom.kit.tokens import hash_token
from strongroom.vault import sessions
from strongroom.vault.deps import AppSettings, Now
from strongroom.vault.models import VaultSession


@dataclass(frozen=True)
class Principal:
    """An authenticated Vault user: ``user_id`` and the ``session_id`` the token belongs to."""

    user_id: uuid.UUID
    session_id: uuid.UUID


async def _signing_key(request: Request) -> bytes:
    key: bytes = request.app.state.session_signing_key
    return key


SigningKey = Annotated[bytes, Depends(_signing_key)]


async def _principal(
    request: Request, token: BearerToken, session: DbSession, now: Now, key: SigningKey, settings: AppSettings
) -> Principal:
    async with contextlib.AsyncExitStack() as stack:

        async def writer() -> AsyncSession:
            return await stack.enter_async_context(writer_for(request, session))

        async def toucher() -> AsyncSession:
            return await stack.enter_async_context(bookkeeping_writer(request, session))

        return await authenticate(
            session,
            token,
            now,
            key,
            writer=writer,
            toucher=toucher,
            touch_interval=settings.session_touch_interval,
        )


# Built once: every request runs it, and building a statement costs more than running it on SQLite.
_LIVE_SESSION = select(
    VaultSession.id,
    VaultSession.user_id,
    VaultSession.revoked_at,
    VaultSession.created_at,
    VaultSession.last_used_at,
).where(VaultSession.token_hash == bindparam("token_hash"), VaultSession.expires_at > bindparam("now"))


async def authenticate(
    session: AsyncSession,
    token: str,
    now: datetime,
    key: bytes,
    *,
    writer: Callable[[], Awaitable[AsyncSession]] | None = None,
    toucher: Callable[[], Awaitable[AsyncSession]] | None = None,
    touch_interval: int | None = None,
) -> Principal:
    """The principal of a session token (401 ``unauthorized`` otherwise), for routes that manage their own
    transactions (streamed uploads must not hold one open while the bytes arrive). ``key`` signs the
    Vault's session tokens (``app.state.session_signing_key``); a token's first use writes its row through
    ``writer()`` (default: ``session``), since a read-only request's session cannot. With
    ``touch_interval``, a stale ``last_used_at`` is refreshed through ``toucher()`` (kit/sessions.py)."""
    token_hash = hash_token(token)
    row = (await session.execute(_LIVE_SESSION, {"token_hash": token_hash, "now": now})).one_or_none()
    if row is None:
        # Not used before: a token this Vault signed becomes a session now (vault/sessions.py).
        claims = sessions.verify(key, token)
        target = await writer() if writer is not None and claims else session
        created = await sessions.materialize(target, claims, token_hash, now) if claims else None
        if created is None or created.revoked_at is not None or created.expires_at <= now:
            raise unauthorized("invalid or expired session token")
        return Principal(user_id=created.user_id, session_id=created.id)
    if row.revoked_at is not None:
        raise unauthorized("invalid or expired session token")
    if touch_interval is not None and touch_due(row.last_used_at, row.created_at, now, touch_interval):
        await sessions.touch(await toucher() if toucher else session, row.id, now, touch_interval)
    return Principal(user_id=row.user_id, session_id=row.id)


CurrentUser = Annotated[Principal, Depends(_principal)]
