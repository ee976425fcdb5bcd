"""HTTP routes of encryption spaces and shared keys (thin: parse, call the service, shape the answer)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from strongroom.keystore.deps import ClockDep, LimiterDep, SettingsDep
from strongroom.keystore.principal import CurrentUser
from strongroom.keystore.spaces import service
from strongroom.keystore.spaces.schemas import (
    EncryptionSpaceCreate,
    EncryptionSpaceKeyPage,
    EncryptionSpaceKeyResponse,
    SharedKeyClaimCreate,
    SharedKeyClaimedResponse,
    SharedKeyCreate,
    SharedKeyResponse,
)
from strongroom.kit.db import DbSession
from strongroom.kit.errors import error_responses
from strongroom.kit.pagination import Page

router = APIRouter()

SpaceId = Annotated[uuid.UUID, Path(description="The encryption space id.")]


@router.post(
    "/encryption_spaces",
    status_code=201,
    response_model=EncryptionSpaceKeyResponse,
    responses=error_responses(401, 404, 409, 422),
    tags=["encryption_spaces"],
)
async def create_encryption_space(
    body: EncryptionSpaceCreate, principal: CurrentUser, session: DbSession, clock: ClockDep
) -> EncryptionSpaceKeyResponse:
    """Create a space holding the caller's KEK-wrapped DEK, or join one after claiming its shared key."""
    copy = await service.create_or_join(session, principal, body, now=clock.now())
    return EncryptionSpaceKeyResponse(encryption_space_data_encryption_key=copy)


@router.get(
    "/encryption_spaces",
    response_model=EncryptionSpaceKeyPage,
    responses=error_responses(401, 422),
    tags=["encryption_spaces"],
)
async def list_encryption_spaces(
    principal: CurrentUser, session: DbSession, page: Page
) -> EncryptionSpaceKeyPage:
    """The caller's own copies, one per space they belong to, oldest first (extension)."""
    return await service.list_own_copies(session, principal, page)


@router.get(
    "/encryption_spaces/{id}",
    response_model=EncryptionSpaceKeyResponse,
    responses=error_responses(401, 404, 422),
    tags=["encryption_spaces"],
)
async def get_encryption_space(
    id: SpaceId, principal: CurrentUser, session: DbSession
) -> EncryptionSpaceKeyResponse:
    """The caller's own copy of the space's DEK (404 for non-members)."""
    copy = await service.get_own_copy(session, principal, id)
    return EncryptionSpaceKeyResponse(encryption_space_data_encryption_key=copy)


@router.delete(
    "/encryption_spaces/{id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 404, 422),
    tags=["encryption_spaces"],
)
async def delete_encryption_space(id: SpaceId, principal: CurrentUser, session: DbSession) -> Response:
    """The creator deletes the whole space; another member removes only their own copy."""
    await service.delete(session, principal, id)
    return Response(status_code=204)


@router.post(
    "/shared_keys",
    status_code=201,
    response_model=SharedKeyResponse,
    responses=error_responses(401, 404, 409, 422),
    tags=["shared_keys"],
)
async def create_shared_key(
    body: SharedKeyCreate, principal: CurrentUser, session: DbSession, clock: ClockDep
) -> SharedKeyResponse:
    """The space's DEK wrapped to a recipient's public key (``Rsa*``); only the space's creator adds one."""
    return SharedKeyResponse(
        shared_key=await service.add_shared_key(session, principal, body, now=clock.now())
    )


@router.post(
    "/shared_keys/{external_id}/claim_key",
    response_model=SharedKeyClaimedResponse,
    responses=error_responses(401, 403, 404, 422, 429),
    tags=["shared_keys"],
)
async def claim_shared_key(
    external_id: SpaceId,
    body: SharedKeyClaimCreate,
    request: Request,
    principal: CurrentUser,
    session: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    limiter: LimiterDep,
) -> SharedKeyClaimedResponse:
    """Claim the shared key made for ``public_key``, proving possession of its private key by a fresh
    signature over ``<keystore URL>/shared_keys/<external_id>/claim_key--request-timestamp=<ISO time>``."""
    ctx = service.ClaimContext(
        now=clock.now(), settings=settings, limiter=limiter, housekeeping=request.app.state.housekeeping
    )
    claimed = await service.claim(session, principal, external_id, body, ctx=ctx)
    return SharedKeyClaimedResponse(shared_key_claimed=claimed)
