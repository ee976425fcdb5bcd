"""Who is calling: the session token of the request, resolved against the sessions table.

Every route that touches a user's data depends on :data:`CurrentUser`. The token (``Authorization: <token>``
or ``Bearer <token>``; ``Meeco-Subscription-Key`` is ignored) is looked up by its SHA-256; a missing, unknown,
expired or revoked token answers 401 ``unauthorized``, and the four cases are indistinguishable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy import select

from strongroom.keystore.deps import ClockDep
from strongroom.keystore.models import Session, User
from strongroom.kit.auth import BearerToken
from strongroom.kit.db import DbSession
from strongroom.kit.errors import unauthorized
from strongroom.kit.tokens import hash_token


@dataclass(frozen=True)
class Principal:
    """An authenticated Keystore user, and the session the request came with."""

    user_id: uuid.UUID
    username: str
    session_id: uuid.UUID


async def _principal(token: BearerToken, session: DbSession, clock: ClockDep) -> Principal:
    row = (
        await session.execute(
            select(Session.id, Session.expires_at, User.id, User.username)
            .join(User, User.id == Session.user_id)
            .where(Session.token_hash == hash_token(token))
        )
    ).one_or_none()
    if row is None or row[1] <= clock.now():
        raise unauthorized("the session token is missing, unknown, expired or revoked")
    return Principal(user_id=row[2], username=row[3], session_id=row[0])


CurrentUser = Annotated[Principal, Depends(_principal)]
