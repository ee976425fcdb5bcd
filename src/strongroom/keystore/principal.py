"""Who is calling: the session token of the request, resolved against the sessions table.

Every route that touches a user's data depends on :data:`CurrentUser`. The token (``Authorization: <token>``
or ``Bearer <token>``; ``Meeco-Subscription-Key`` is ignored) is looked up by its SHA-256; a missing, unknown,
expired or revoked token answers 401 ``unauthorized``, and the four cases are indistinguishable. A use
refreshes the session's ``last_used_at`` when it is older than ``session_touch_interval`` (kit/sessions.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import bindparam, select

from strongroom.keystore.deps import ClockDep, SettingsDep
from strongroom.keystore.models import Session, User
from strongroom.keystore.sessions import repository
from strongroom.kit.auth import BearerToken
from strongroom.kit.db import DbSession, bookkeeping_writer
from strongroom.kit.errors import unauthorized
from strongroom.kit.sessions import touch_due
from strongroom.kit.tokens import hash_token


@dataclass(frozen=True)
class Principal:
    """An authenticated Keystore user, and the session the request came with."""

    user_id: uuid.UUID
    username: str
    session_id: uuid.UUID


# Built once: every request runs it, and building a statement costs more than running it on SQLite.
_SESSION = (
    select(Session.id, Session.expires_at, User.id, User.username, Session.created_at, Session.last_used_at)
    .join(User, User.id == Session.user_id)
    .where(Session.token_hash == bindparam("token_hash"))
)


async def _principal(
    request: Request, token: BearerToken, session: DbSession, clock: ClockDep, settings: SettingsDep
) -> Principal:
    now = clock.now()
    row = (await session.execute(_SESSION, {"token_hash": hash_token(token)})).one_or_none()
    if row is None or row[1] <= now:
        raise unauthorized("the session token is missing, unknown, expired or revoked")
    interval = settings.session_touch_interval
    if touch_due(row[5], row[4], now, interval):
        async with bookkeeping_writer(request, session) as writer:
            await repository.touch(writer, row[0], now, interval)
    return Principal(user_id=row[2], username=row[3], session_id=row[0])


CurrentUser = Annotated[Principal, Depends(_principal)]
