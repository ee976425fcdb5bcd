"""HTTP routes of the user's keys (thin: parse, call the service, shape the answer)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from strongroom.keystore.deps import ClockDep, SettingsDep
from strongroom.keystore.keys import service
from strongroom.keystore.keys.schemas import (
    DataEncryptionKeyCreate,
    DataEncryptionKeyPage,
    DataEncryptionKeyResponse,
    KeyEncryptionKeyCreate,
    KeyEncryptionKeyResponse,
    KeypairCreate,
    KeypairPage,
    KeypairResponse,
    KeypairUpdate,
)
from strongroom.keystore.models import EXTERNAL_ID_LENGTH, DataEncryptionKey, Keypair
from strongroom.keystore.principal import CurrentUser
from strongroom.kit.db import DbSession
from strongroom.kit.errors import error_responses
from strongroom.kit.pagination import Page
from strongroom.kit.quotas import enforce_count


async def _dek_quota(principal: CurrentUser, session: DbSession, settings: SettingsDep) -> None:
    await enforce_count(
        session,
        DataEncryptionKey.user_id,
        principal.user_id,
        settings.quota_deks_per_user,
        "data encryption keys",
    )


async def _keypair_quota(principal: CurrentUser, session: DbSession, settings: SettingsDep) -> None:
    await enforce_count(
        session, Keypair.user_id, principal.user_id, settings.quota_keypairs_per_user, "keypairs"
    )


router = APIRouter()


@router.post(
    "/key_encryption_key",
    status_code=201,
    response_model=KeyEncryptionKeyResponse,
    responses=error_responses(401, 409, 422),
    tags=["key_encryption_key"],
)
async def create_kek(
    body: KeyEncryptionKeyCreate, principal: CurrentUser, session: DbSession, clock: ClockDep
) -> KeyEncryptionKeyResponse:
    """Store the user's one KEK, wrapped with the passphrase-derived key (``Aes256Gcm``)."""
    kek = await service.create_kek(session, principal, body, now=clock.now())
    return KeyEncryptionKeyResponse(key_encryption_key=kek)


@router.get(
    "/key_encryption_key",
    response_model=KeyEncryptionKeyResponse,
    responses=error_responses(401, 404),
    tags=["key_encryption_key"],
)
async def get_kek(principal: CurrentUser, session: DbSession) -> KeyEncryptionKeyResponse:
    """The user's wrapped KEK."""
    return KeyEncryptionKeyResponse(key_encryption_key=await service.get_kek(session, principal))


@router.post(
    "/data_encryption_keys",
    status_code=201,
    response_model=DataEncryptionKeyResponse,
    responses=error_responses(401, 422),
    dependencies=[Depends(_dek_quota)],
    tags=["data_encryption_keys"],
)
async def create_dek(
    body: DataEncryptionKeyCreate, principal: CurrentUser, session: DbSession, clock: ClockDep
) -> DataEncryptionKeyResponse:
    """Store a DEK wrapped with the user's KEK (``Aes256Gcm``)."""
    dek = await service.create_dek(session, principal, body, now=clock.now())
    return DataEncryptionKeyResponse(data_encryption_key=dek)


@router.get(
    "/data_encryption_keys/{id}",
    response_model=DataEncryptionKeyResponse,
    responses=error_responses(401, 404, 422),
    tags=["data_encryption_keys"],
)
async def get_dek(
    id: Annotated[uuid.UUID, Path()], principal: CurrentUser, session: DbSession
) -> DataEncryptionKeyResponse:
    """One of the user's DEKs (404 for another user's, exactly as for a missing one)."""
    return DataEncryptionKeyResponse(data_encryption_key=await service.get_dek(session, principal, id))


@router.delete(
    "/data_encryption_keys/{id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 404, 422),
    tags=["data_encryption_keys"],
)
async def delete_dek(
    id: Annotated[uuid.UUID, Path()], principal: CurrentUser, session: DbSession
) -> Response:
    """Delete one of the user's DEKs."""
    await service.delete_dek(session, principal, id)
    return Response(status_code=204)


@router.post(
    "/keypairs",
    status_code=201,
    response_model=KeypairResponse,
    responses=error_responses(401, 409, 422),
    dependencies=[Depends(_keypair_quota)],
    tags=["keypairs"],
)
async def create_keypair(
    body: KeypairCreate, principal: CurrentUser, session: DbSession, clock: ClockDep
) -> KeypairResponse:
    """Store an RSA keypair: the public key, the private key wrapped with the KEK, metadata, identifiers."""
    return KeypairResponse(keypair=await service.create_keypair(session, principal, body, now=clock.now()))


@router.get(
    "/data_encryption_keys",
    response_model=DataEncryptionKeyPage,
    responses=error_responses(401, 422),
    tags=["data_encryption_keys"],
)
async def list_deks(principal: CurrentUser, session: DbSession, page: Page) -> DataEncryptionKeyPage:
    """The user's DEKs, oldest first, a page at a time (extension; a KEK rotation re-wraps them all)."""
    return await service.list_deks(session, principal, page)


@router.get("/keypairs", response_model=KeypairPage, responses=error_responses(401, 422), tags=["keypairs"])
async def list_keypairs(principal: CurrentUser, session: DbSession, page: Page) -> KeypairPage:
    """The user's keypairs, oldest first, a page at a time (extension)."""
    return await service.list_keypairs(session, principal, page)


@router.get(
    "/keypairs/external_id/{external_id:path}",
    response_model=KeypairResponse,
    responses=error_responses(401, 404, 422),
    tags=["keypairs"],
)
async def get_keypair_by_external_id(
    external_id: Annotated[str, Path(min_length=1, max_length=EXTERNAL_ID_LENGTH)],
    principal: CurrentUser,
    session: DbSession,
) -> KeypairResponse:
    """The user's keypair carrying ``external_id`` (e.g. ``auth`` for the login keypair)."""
    return KeypairResponse(keypair=await service.keypair_by_external_id(session, principal, external_id))


@router.get(
    "/keypairs/{id}",
    response_model=KeypairResponse,
    responses=error_responses(401, 404, 422),
    tags=["keypairs"],
)
async def get_keypair(
    id: Annotated[uuid.UUID, Path()], principal: CurrentUser, session: DbSession
) -> KeypairResponse:
    """One of the user's keypairs."""
    return KeypairResponse(keypair=await service.get_keypair(session, principal, id))


@router.patch(
    "/keypairs/{id}",
    response_model=KeypairResponse,
    responses=error_responses(401, 404, 409, 422),
    tags=["keypairs"],
)
async def update_keypair(
    id: Annotated[uuid.UUID, Path()],
    body: KeypairUpdate,
    principal: CurrentUser,
    session: DbSession,
    clock: ClockDep,
) -> KeypairResponse:
    """Change a keypair's public key, metadata or external identifiers."""
    return KeypairResponse(
        keypair=await service.update_keypair(session, principal, id, body, now=clock.now())
    )


@router.delete(
    "/keypairs/{id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 404, 422),
    tags=["keypairs"],
)
async def delete_keypair(
    id: Annotated[uuid.UUID, Path()], principal: CurrentUser, session: DbSession
) -> Response:
    """Delete one of the user's keypairs."""
    await service.delete_keypair(session, principal, id)
    return Response(status_code=204)
