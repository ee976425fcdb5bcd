"""Routes: ``PUT /users/me/credentials`` (new passphrase or secret key), ``PUT /key_encryption_key``
(KEK rotation). Extensions; both need a fresh SRP proof besides the token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from strongroom.keystore.deps import ClockDep, LimiterDep, SettingsDep
from strongroom.keystore.keys.schemas import KeyEncryptionKeyResponse
from strongroom.keystore.lifecycle import service
from strongroom.keystore.lifecycle.schemas import CredentialsResponse, CredentialsUpdate, KeyRotation
from strongroom.keystore.principal import CurrentUser
from strongroom.keystore.srp.router import srp_context
from strongroom.keystore.srp.service import LoginFailed
from strongroom.kit.bodies import body_limit
from strongroom.kit.db import DbSession
from strongroom.kit.errors import error_response, error_responses

router = APIRouter(tags=["lifecycle"])


@router.put(
    "/users/me/credentials",
    response_model=CredentialsResponse,
    responses=error_responses(401, 404, 409, 422, 429),
)
async def change_credentials(
    body: CredentialsUpdate,
    principal: CurrentUser,
    session: DbSession,
    request: Request,
    settings: SettingsDep,
    clock: ClockDep,
    limiter: LimiterDep,
) -> Any:
    """Replace the SRP salt and verifier and the KEK wrapped under the new PDK, in one transaction."""
    ctx = srp_context(request, session, settings, clock, limiter)
    try:
        return CredentialsResponse(user=await service.change_credentials(session, principal, body, ctx=ctx))
    except LoginFailed as failure:
        # Answered, not raised, so that the consumed challenge stays consumed (as for logins).
        return error_response(failure.status, failure.code, failure.message)


@router.put(
    "/key_encryption_key",
    response_model=KeyEncryptionKeyResponse,
    responses=error_responses(401, 404, 409, 422, 429),
    tags=["key_encryption_key"],
)
@body_limit("key_rotation_max_bytes")
async def rotate_kek(
    body: KeyRotation,
    principal: CurrentUser,
    session: DbSession,
    request: Request,
    settings: SettingsDep,
    clock: ClockDep,
    limiter: LimiterDep,
) -> Any:
    """Rotate the KEK: the new one and every DEK, keypair and space copy re-wrapped under it, at once."""
    ctx = srp_context(request, session, settings, clock, limiter)
    try:
        return KeyEncryptionKeyResponse(
            key_encryption_key=await service.rotate_kek(session, principal, body, ctx=ctx)
        )
    except LoginFailed as failure:
        return error_response(failure.status, failure.code, failure.message)
