"""Routes: ``/key_store/public_keys``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from strongroom.kit.db import DbSession
from strongroom.kit.errors import error_responses
from strongroom.kit.pagination import ListPage
from strongroom.vault.auth import CurrentUser
from strongroom.vault.deps import Now
from strongroom.vault.keys import service
from strongroom.vault.keys.schemas import PublicKeyEnvelope, PublicKeyIn, PublicKeysOut

router = APIRouter(tags=["public keys"])


@router.post(
    "/key_store/public_keys",
    status_code=201,
    response_model=PublicKeyEnvelope,
    responses=error_responses(401, 422),
)
async def create_public_key(
    body: PublicKeyIn, principal: CurrentUser, session: DbSession, now: Now
) -> PublicKeyEnvelope:
    """Register a public key (whose private half is the Keystore keypair ``key_store_id``)."""
    return PublicKeyEnvelope(public_key=await service.register_key(session, principal, body, now))


@router.get("/key_store/public_keys", response_model=PublicKeysOut, responses=error_responses(401, 422))
async def list_public_keys(principal: CurrentUser, session: DbSession, page: ListPage) -> PublicKeysOut:
    return await service.list_keys(session, principal, page)


@router.get(
    "/key_store/public_keys/{key_id}", response_model=PublicKeyEnvelope, responses=error_responses(401, 404)
)
async def get_public_key(principal: CurrentUser, session: DbSession, key_id: uuid.UUID) -> PublicKeyEnvelope:
    return PublicKeyEnvelope(public_key=await service.get_key(session, principal, key_id))
