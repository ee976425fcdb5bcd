"""Routes: ``/admission_tokens`` (service credential), ``/me``, ``/session``, ``/sessions``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from strongroom.kit.auth import ServiceCaller
from strongroom.kit.db import DbSession, writes
from strongroom.kit.errors import error_responses
from strongroom.kit.pagination import ListPage, meta
from strongroom.kit.ratelimit import per_address
from strongroom.kit.sessions import client_name
from strongroom.vault.accounts import service, session_list, verification
from strongroom.vault.accounts.schemas import (
    AdmissionTokenEnvelope,
    EmailCodeIn,
    EmailVerificationEnvelope,
    EmailVerificationIn,
    EmailVerificationOut,
    MeCreatedOut,
    MeDeleteIn,
    MeIn,
    MeOut,
    MeUpdateIn,
    SessionEnvelope,
    SessionIn,
    SessionListOut,
    SessionOut,
    SessionsEndedOut,
)
from strongroom.vault.auth import CurrentUser, SigningKey
from strongroom.vault.deps import AppSettings, Now

router = APIRouter(tags=["accounts"])


@router.post(
    "/admission_tokens",
    status_code=201,
    response_model=AdmissionTokenEnvelope,
    responses=error_responses(401),
)
async def create_admission_token(_: ServiceCaller, session: DbSession, now: Now) -> AdmissionTokenEnvelope:
    """A single-use token admitting one new account (for the Keystore, with the service credential)."""
    return AdmissionTokenEnvelope(admission_token=await service.issue_admission_token(session, now))


@router.get(
    "/admission_tokens/{token_value}",
    response_model=AdmissionTokenEnvelope,
    responses=error_responses(401, 404),
)
async def get_admission_token(
    _: ServiceCaller, session: DbSession, token_value: Annotated[str, Path(max_length=200)]
) -> AdmissionTokenEnvelope:
    """The admission token and whether it has been used (service credential)."""
    return AdmissionTokenEnvelope(admission_token=await service.admission_token_status(session, token_value))


@router.post(
    "/me",
    status_code=201,
    response_model=MeCreatedOut,
    responses=error_responses(401, 403, 409, 422, 429),
    dependencies=[per_address("signup", "signups_per_address")],
)
async def create_me(
    body: MeIn, request: Request, session: DbSession, now: Now, settings: AppSettings, key: SigningKey
) -> MeCreatedOut:
    """Sign up with a single-use admission token; the session token comes back encrypted to ``public_key``."""
    name = client_name(body.client_name, request.headers.get("user-agent"))
    user, encrypted = await service.create_account(session, body, now, settings, key, name)
    return MeCreatedOut(user=service.user_out(user), encrypted_session_authentication_string=encrypted)


@router.get("/me", response_model=MeOut, responses=error_responses(401))
async def get_me(principal: CurrentUser, session: DbSession) -> MeOut:
    return MeOut(user=service.user_out(await service.get_me(session, principal)))


@router.put("/me", response_model=MeOut, responses=error_responses(401, 422))
async def put_me(body: MeUpdateIn, principal: CurrentUser, session: DbSession, now: Now) -> MeOut:
    return MeOut(user=service.user_out(await service.update_me(session, principal, body.user, now)))


@router.delete("/me", status_code=204, responses=error_responses(400, 401, 403, 422))
async def delete_me(
    body: MeDeleteIn, principal: CurrentUser, session: DbSession, now: Now, settings: AppSettings
) -> Response:
    """Delete the account and everything in it (shares given and received, connections, invitations).

    Needs a fresh signature by the login private key over
    ``DELETE <vault base URL>/me--request-timestamp=<ISO 8601 time>`` (a token alone deletes nothing).
    """
    await service.delete_me(session, principal, body.request_signature, now, settings)
    return Response(status_code=204)


@router.post(
    "/me/email_verification",
    status_code=202,
    response_model=EmailVerificationEnvelope,
    responses=error_responses(401, 403, 409, 422, 429),
)
async def request_email_verification(
    body: EmailVerificationIn,
    request: Request,
    principal: CurrentUser,
    session: DbSession,
    now: Now,
    settings: AppSettings,
) -> EmailVerificationEnvelope:
    """Mail a verification code to ``email`` (which becomes the account's address) or to the current one."""
    user = await service.get_me(session, principal)
    pending = await verification.request_code(
        session, user, body.email, now, settings, request.app.state.limiter
    )
    return EmailVerificationEnvelope(
        email_verification=EmailVerificationOut(email=pending.email, expires_at=pending.expires_at)
    )


@router.post(
    "/me/email_verification/confirm", response_model=MeOut, responses=error_responses(401, 404, 410, 422)
)
async def confirm_email_verification(
    body: EmailCodeIn,
    request: Request,
    principal: CurrentUser,
    session: DbSession,
    now: Now,
    settings: AppSettings,
) -> MeOut:
    """Prove the address with the mailed code: the account's email becomes verified."""
    user = await service.get_me(session, principal)
    confirmed = await verification.confirm_code(
        session, user, body.code, now, settings, request.app.state.limiter
    )
    return MeOut(user=service.user_out(confirmed))


@router.post(
    "/session",
    response_model=SessionEnvelope,
    responses=error_responses(422, 429),
    dependencies=[per_address("login", "logins_per_address")],
)
async def create_session(
    body: SessionIn, request: Request, session: DbSession, now: Now, settings: AppSettings, key: SigningKey
) -> SessionEnvelope:
    """Log in: a session token encrypted to ``public_key`` (one that opens nothing if the key is unknown).
    Nothing is stored until the token is first used. ``client_name`` (extension, else the User-Agent) is
    what ``GET /sessions`` will call the session."""
    name = client_name(body.client_name, request.headers.get("user-agent"))
    encrypted = await service.log_in(session, body.public_key, now, settings, key, name)
    return SessionEnvelope(session=SessionOut(encrypted_session_authentication_string=encrypted))


@router.delete("/session", status_code=204, responses=error_responses(401))
async def delete_session(principal: CurrentUser, session: DbSession, now: Now) -> Response:
    await service.log_out(session, principal, now)
    return Response(status_code=204)


@router.delete("/session/all", status_code=204, responses=error_responses(401))
async def delete_all_sessions(
    principal: CurrentUser,
    session: DbSession,
    now: Now,
    except_current: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """End every session of the user; with ``except_current`` (any value) the calling session survives."""
    await service.log_out_all(session, principal, except_current=except_current is not None, now=now)
    return Response(status_code=204)


@router.get("/sessions", response_model=SessionListOut, responses=error_responses(401, 422))
@writes  # A token's first use writes its row: in the request's own transaction, the list then shows it.
async def list_sessions(
    principal: CurrentUser, session: DbSession, now: Now, page: ListPage
) -> SessionListOut:
    """The caller's live sessions that have been used, oldest first (ext); ``current`` marks this one."""
    rows, after = await session_list.list_sessions(session, principal, page, now)
    return SessionListOut(
        sessions=[session_list.session_out(row, principal) for row in rows],
        meta=meta(after, page),
        next_page_after=after,
    )


@router.delete("/sessions/{session_id}", status_code=204, responses=error_responses(401, 404, 422))
async def end_session(
    session_id: uuid.UUID, principal: CurrentUser, session: DbSession, now: Now
) -> Response:
    """End one of the caller's sessions (ext); its token answers 401 from then on."""
    await session_list.end_session(session, principal, session_id, now)
    return Response(status_code=204)


@router.delete("/sessions", response_model=SessionsEndedOut, responses=error_responses(401))
async def end_other_sessions(principal: CurrentUser, session: DbSession, now: Now) -> SessionsEndedOut:
    """End every session of the caller's but this one, tokens never used included (ext)."""
    return SessionsEndedOut(ended=await session_list.end_other_sessions(session, principal, now))
