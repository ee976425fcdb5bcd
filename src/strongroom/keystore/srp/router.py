"""HTTP routes of SRP accounts and sessions (thin: parse, call the service, shape the answer)."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.keystore.deps import ClockDep, LimiterDep, SettingsDep
from strongroom.keystore.principal import CurrentUser
from strongroom.keystore.srp import service
from strongroom.keystore.srp.schemas import (
    AccountDelete,
    ChallengeCreate,
    ChallengeResponse,
    SessionCreate,
    SessionResponse,
    UserCreate,
    UsernameCreate,
    UsernameRead,
    UserResponse,
)
from strongroom.kit.auth import client_address
from strongroom.kit.db import DbSession, short_writes, writer_for
from strongroom.kit.errors import error_response, error_responses
from strongroom.kit.ratelimit import per_address
from strongroom.kit.sessions import client_name

router = APIRouter(tags=["srp"])


def srp_context(
    request: Request, session: AsyncSession, settings: SettingsDep, clock: ClockDep, limiter: LimiterDep
) -> service.SrpContext:
    return service.SrpContext(
        writer=functools.partial(writer_for, request, session),
        now=clock.now(),
        settings=settings,
        limiter=limiter,
        server_secret=request.app.state.srp_server_secret,
        address=client_address(request),
        housekeeping=request.app.state.housekeeping,
    )


@router.post(
    "/srp/username",
    response_model=UsernameRead,
    responses=error_responses(422, 429),
    dependencies=[per_address("username", "usernames_per_address")],
)
async def reserve_username(
    session: DbSession,
    request: Request,
    settings: SettingsDep,
    clock: ClockDep,
    body: UsernameCreate | None = None,
) -> UsernameRead:
    """A fresh random username, reserved for a short time (``captcha_token`` is accepted and ignored)."""
    return await service.reserve_username(
        session, now=clock.now(), settings=settings, housekeeping=request.app.state.housekeeping
    )


@router.post(
    "/srp/users",
    status_code=201,
    response_model=UserResponse,
    responses=error_responses(409, 422, 429),
    dependencies=[per_address("signup", "signups_per_address")],
)
async def create_user(
    body: UserCreate, session: DbSession, settings: SettingsDep, clock: ClockDep
) -> UserResponse:
    """Register an account with its SRP salt and verifier (hex)."""
    return UserResponse(user=await service.register(session, body, now=clock.now(), settings=settings))


@router.post(
    "/srp/challenges",
    response_model=ChallengeResponse,
    responses=error_responses(422, 429),
    dependencies=[per_address("challenge", "challenges_per_address")],
)
@short_writes  # The arithmetic runs between the read of the account and the insert of the challenge.
async def create_challenge(
    body: ChallengeCreate,
    session: DbSession,
    request: Request,
    settings: SettingsDep,
    clock: ClockDep,
    limiter: LimiterDep,
) -> ChallengeResponse:
    """Start an SRP login: the account's salt and the server's ``B`` (a decoy for unknown usernames)."""
    ctx = srp_context(request, session, settings, clock, limiter)
    return ChallengeResponse(challenge=await service.start_login(session, body, ctx=ctx))


@router.post(
    "/srp/session",
    response_model=SessionResponse,
    responses=error_responses(401, 422, 429),
    dependencies=[per_address("login", "logins_per_address")],
)
@short_writes  # The challenge is consumed, the proof checked, then the session inserted.
async def create_session(
    body: SessionCreate,
    session: DbSession,
    request: Request,
    settings: SettingsDep,
    clock: ClockDep,
    limiter: LimiterDep,
) -> Any:
    """Finish an SRP login with the client's proof ``srp_m``; answers a session token. ``client_name``
    (extension, else the User-Agent) is what ``GET /sessions`` will call the session."""
    ctx = srp_context(request, session, settings, clock, limiter)
    name = client_name(body.client_name, request.headers.get("user-agent"))
    try:
        return SessionResponse(session=await service.finish_login(session, body, ctx=ctx, client_name=name))
    except service.LoginFailed as failure:
        # Answered, not raised: the request's transaction then commits, and the challenge this attempt
        # consumed stays consumed (single use even for wrong proofs).
        return error_response(failure.status, failure.code, failure.message)


@router.delete("/session", status_code=204, response_class=Response, responses=error_responses(401))
async def delete_session(principal: CurrentUser, session: DbSession) -> Response:
    """End the current session: its token stops working."""
    await service.logout(session, principal)
    return Response(status_code=204)


@router.delete("/session/all", status_code=204, response_class=Response, responses=error_responses(401))
async def delete_all_sessions(
    principal: CurrentUser,
    session: DbSession,
    clock: ClockDep,
    delete_all_sessions_params: Annotated[
        str | None,
        Query(
            max_length=256,
            description="If present (any value), the current session is kept and every other one ends.",
        ),
    ] = None,
) -> Response:
    """End every session of the user (all but the current one with ``delete_all_sessions_params``)."""
    await service.logout_everywhere(
        session, principal, keep_current=delete_all_sessions_params is not None, now=clock.now()
    )
    return Response(status_code=204)


@router.delete(
    "/users/me", status_code=204, response_class=Response, responses=error_responses(401, 422, 429)
)
async def delete_account(
    body: AccountDelete,
    principal: CurrentUser,
    session: DbSession,
    request: Request,
    settings: SettingsDep,
    clock: ClockDep,
    limiter: LimiterDep,
) -> Response:
    """Delete the caller's account and all its records, after SRP re-authentication (extension)."""
    ctx = srp_context(request, session, settings, clock, limiter)
    try:
        await service.delete_account(session, principal, body, ctx=ctx)
    except service.LoginFailed as failure:
        # As for logins: answered, not raised, so that the consumed challenge stays consumed.
        return error_response(failure.status, failure.code, failure.message)
    return Response(status_code=204)
