"""Route: ``POST /connections/{connection_id}/encryption_space``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from strongroom.kit.db import DbSession
from strongroom.kit.errors import error_responses
from strongroom.vault.auth import CurrentUser
from strongroom.vault.deps import Now
from strongroom.vault.spaces import service
from strongroom.vault.spaces.schemas import EncryptionSpaceCreate, EncryptionSpaceEnvelope

router = APIRouter(tags=["encryption spaces"])


@router.post(
    "/connections/{connection_id}/encryption_space",
    status_code=201,
    response_model=EncryptionSpaceEnvelope,
    responses=error_responses(401, 404, 409, 422),
)
async def link_encryption_space(
    connection_id: uuid.UUID,
    body: EncryptionSpaceCreate,
    principal: CurrentUser,
    session: DbSession,
    now: Now,
) -> EncryptionSpaceEnvelope:
    """Link a Keystore encryption space (same id) to the caller's connection record."""
    return EncryptionSpaceEnvelope(
        encryption_space=await service.link_space(session, principal, connection_id, body, now)
    )
