"""Business rules of the user's keys. Functions take the request's session, the principal and the input;
they flush, never commit. Every wrapped key must parse as a cryppo string of the right strategy and every
public key as an RSA public key (422 otherwise)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.keystore.keys import repository
from strongroom.keystore.keys.schemas import (
    DataEncryptionKeyCreate,
    DataEncryptionKeyPage,
    DataEncryptionKeyRead,
    KeyEncryptionKeyCreate,
    KeyEncryptionKeyRead,
    KeypairCreate,
    KeypairPage,
    KeypairRead,
    KeypairUpdate,
)
from strongroom.keystore.lifecycle.service import hold_keys
from strongroom.keystore.models import DataEncryptionKey, KeyEncryptionKey, Keypair
from strongroom.keystore.principal import Principal
from strongroom.keystore.validation import require_aes_wrapped, require_public_key
from strongroom.kit.errors import AppError, conflict, not_found
from strongroom.kit.pagination import PageParams, cut

log = logging.getLogger("strongroom.keystore.keys")


def _kek_exists() -> AppError:
    return conflict("key_encryption_key_exists", "the user already has a key encryption key")


def _external_id_taken() -> AppError:
    return conflict("external_identifier_taken", "another keypair of the user has that external identifier")


async def create_kek(
    session: AsyncSession, principal: Principal, data: KeyEncryptionKeyCreate, *, now: datetime
) -> KeyEncryptionKeyRead:
    """Store the user's KEK (``Aes256Gcm`` under the PDK). 409 ``key_encryption_key_exists`` if there is
    one already; two racing requests: the unique user_id lets exactly one in."""
    require_aes_wrapped("serialized_key_encryption_key", data.serialized_key_encryption_key)
    if await repository.kek_of(session, principal.user_id) is not None:
        raise _kek_exists()
    row = KeyEncryptionKey(
        user_id=principal.user_id, serialized_key=data.serialized_key_encryption_key, created_at=now
    )
    try:
        await repository.add(session, row)
    except IntegrityError:
        raise _kek_exists() from None
    return _kek_read(row)


async def get_kek(session: AsyncSession, principal: Principal) -> KeyEncryptionKeyRead:
    row = await repository.kek_of(session, principal.user_id)
    if row is None:
        raise not_found("key encryption key")
    return _kek_read(row)


def _kek_read(row: KeyEncryptionKey) -> KeyEncryptionKeyRead:
    return KeyEncryptionKeyRead(id=row.id, serialized_key_encryption_key=row.serialized_key)


async def create_dek(
    session: AsyncSession, principal: Principal, data: DataEncryptionKeyCreate, *, now: datetime
) -> DataEncryptionKeyRead:
    require_aes_wrapped("serialized_data_encryption_key", data.serialized_data_encryption_key)
    await hold_keys(session, principal)
    row = DataEncryptionKey(
        user_id=principal.user_id, serialized_key=data.serialized_data_encryption_key, created_at=now
    )
    await repository.add(session, row)
    return _dek_read(row)


async def get_dek(session: AsyncSession, principal: Principal, dek_id: uuid.UUID) -> DataEncryptionKeyRead:
    row = await repository.dek_of(session, principal.user_id, dek_id)
    if row is None:
        raise not_found("data encryption key")
    return _dek_read(row)


async def delete_dek(session: AsyncSession, principal: Principal, dek_id: uuid.UUID) -> None:
    if await repository.dek_of(session, principal.user_id, dek_id) is None:
        raise not_found("data encryption key")
    await repository.delete_dek(session, principal.user_id, dek_id)


async def list_deks(session: AsyncSession, principal: Principal, page: PageParams) -> DataEncryptionKeyPage:
    rows = await repository.deks_page(session, principal.user_id, after=page.after, limit=page.per_page + 1)
    more = len(rows) > page.per_page
    rows = rows[: page.per_page]
    return DataEncryptionKeyPage(
        data_encryption_keys=[_dek_read(row) for row in rows],
        next_page_after=rows[-1].id if more else None,
    )


def _dek_read(row: DataEncryptionKey) -> DataEncryptionKeyRead:
    return DataEncryptionKeyRead(id=row.id, serialized_data_encryption_key=row.serialized_key)


def _unique(values: Sequence[str]) -> list[str]:
    # A repeated identifier in one request names the same thing twice: keep the first.
    return list(dict.fromkeys(values))


async def _set_external_ids(
    session: AsyncSession, principal: Principal, keypair_id: uuid.UUID, external_ids: list[str]
) -> None:
    if await repository.external_ids_taken(session, principal.user_id, external_ids, other_than=keypair_id):
        raise _external_id_taken()
    try:
        await repository.replace_external_ids(session, principal.user_id, keypair_id, external_ids)
    except IntegrityError:
        raise _external_id_taken() from None


async def create_keypair(
    session: AsyncSession, principal: Principal, data: KeypairCreate, *, now: datetime
) -> KeypairRead:
    """Store a keypair; 409 ``external_identifier_taken`` if one of its identifiers is the user's already."""
    require_public_key("public_key", data.public_key)
    require_aes_wrapped("encrypted_serialized_key", data.encrypted_serialized_key)
    await hold_keys(session, principal)
    row = Keypair(
        user_id=principal.user_id,
        public_key=data.public_key,
        encrypted_serialized_key=data.encrypted_serialized_key,
        key_metadata=data.metadata,
        created_at=now,
        updated_at=now,
    )
    await repository.add(session, row)
    external_ids = _unique(data.external_identifiers)
    await _set_external_ids(session, principal, row.id, external_ids)
    log.info("keypair stored", extra={"user_id": str(principal.user_id), "keypair_id": str(row.id)})
    return _keypair_read(row, external_ids)


async def get_keypair(session: AsyncSession, principal: Principal, keypair_id: uuid.UUID) -> KeypairRead:
    row = await _own_keypair(session, principal, keypair_id)
    return await _with_external_ids(session, row)


async def keypair_by_external_id(
    session: AsyncSession, principal: Principal, external_id: str
) -> KeypairRead:
    row = await repository.keypair_by_external_id(session, principal.user_id, external_id)
    if row is None:
        raise not_found("keypair")
    return await _with_external_ids(session, row)


async def update_keypair(
    session: AsyncSession, principal: Principal, keypair_id: uuid.UUID, data: KeypairUpdate, *, now: datetime
) -> KeypairRead:
    """Replace the fields given (not null): public key, metadata, the whole list of external identifiers."""
    row = await _own_keypair(session, principal, keypair_id)
    if data.public_key is not None:
        require_public_key("public_key", data.public_key)
        row.public_key = data.public_key
    if data.metadata is not None:
        row.key_metadata = data.metadata
    if data.external_identifiers is not None:
        await _set_external_ids(session, principal, row.id, _unique(data.external_identifiers))
    row.updated_at = now
    await session.flush()
    return await _with_external_ids(session, row)


async def delete_keypair(session: AsyncSession, principal: Principal, keypair_id: uuid.UUID) -> None:
    await _own_keypair(session, principal, keypair_id)
    await repository.delete_keypair(session, principal.user_id, keypair_id)


def _keypair_bytes(row: Keypair) -> int:
    return len(row.encrypted_serialized_key) + len(row.public_key) + len(json.dumps(row.key_metadata))


async def list_keypairs(session: AsyncSession, principal: Principal, page: PageParams) -> KeypairPage:
    found = await repository.keypairs_page(
        session, principal.user_id, after=page.after, limit=page.per_page + 1
    )
    rows, after = cut(
        found,
        page,
        lambda row: row.id,
        lambda row: (
            len(row.encrypted_serialized_key) + len(row.public_key) + len(json.dumps(row.key_metadata))
        ),
    )
    ids = await repository.external_ids_of(session, [row.id for row in rows])
    return KeypairPage(keypairs=[_keypair_read(row, ids[row.id]) for row in rows], next_page_after=after)


async def _own_keypair(session: AsyncSession, principal: Principal, keypair_id: uuid.UUID) -> Keypair:
    row = await repository.keypair_of(session, principal.user_id, keypair_id)
    if row is None:
        raise not_found("keypair")
    return row


async def _with_external_ids(session: AsyncSession, row: Keypair) -> KeypairRead:
    ids = await repository.external_ids_of(session, [row.id])
    return _keypair_read(row, ids[row.id])


def _keypair_read(row: Keypair, external_ids: list[str]) -> KeypairRead:
    return KeypairRead(
        id=row.id,
        public_key=row.public_key,
        encrypted_serialized_key=row.encrypted_serialized_key,
        metadata=row.key_metadata,
        external_identifiers=external_ids,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
