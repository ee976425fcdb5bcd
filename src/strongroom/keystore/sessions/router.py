"""Routes of the session list (extension): ``GET /sessions``, ``DELETE /sessions/{id}`` and ``/sessions``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from strongroom.keystore.deps import ClockDep
from strongroom.keystore.principal import CurrentUser
from strongroom.keystore.sessions import service
from strongroom.keystore.sessions.schemas import SessionPage, SessionsEndedRead
from strongroom.kit.db import DbSession
from strongroom.kit.errors import error_responses
from strongroom.kit.pagination import Page

router = APIRouter(tags=["sessions"])


@router.get("/sessions", response_model=SessionPage, responses=error_responses(401, 422))
async def list_sessions(
    principal: CurrentUser, session: DbSession, page: Page, clock: ClockDep
) -> SessionPage:
    """The caller's live sessions, oldest first, a page at a time; ``current`` marks this one."""
    return await service.list_sessions(session, principal, page, clock.now())


@router.delete(
    "/sessions/{session_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 404, 422),
)
async def end_session(
    session_id: uuid.UUID, principal: CurrentUser, session: DbSession, clock: ClockDep
) -> Response:
    """End one of the caller's sessions; its token answers 401 from then on."""
    await service.end_session(session, principal, session_id, clock.now())
    return Response(status_code=204)


@router.delete("/sessions", response_model=SessionsEndedRead, responses=error_responses(401))
async def end_other_sessions(
    principal: CurrentUser, session: DbSession, clock: ClockDep
) -> SessionsEndedRead:
    """End every session of the caller's but this one; answers how many ended."""
    return SessionsEndedRead(ended=await service.end_other_sessions(session, principal, clock.now()))
