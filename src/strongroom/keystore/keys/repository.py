"""All SQL of KEKs, DEKs and keypairs. Every query is scoped to the owner's ``user_id``: another user's id
finds nothing, exactly like a missing one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.keystore.models import DataEncryptionKey, KeyEncryptionKey, Keypair, KeypairExternalId


async def kek_of(session: AsyncSession, user_id: uuid.UUID) -> KeyEncryptionKey | None:
    result = await session.execute(select(KeyEncryptionKey).where(KeyEncryptionKey.user_id == user_id))
    return result.scalar_one_or_none()


async def add(session: AsyncSession, row: KeyEncryptionKey | DataEncryptionKey | Keypair) -> None:
    """Insert ``row``; raises ``IntegrityError`` on a unique violation (e.g. a second KEK under a race)."""
    session.add(row)
    await session.flush()


async def dek_of(session: AsyncSession, user_id: uuid.UUID, dek_id: uuid.UUID) -> DataEncryptionKey | None:
    result = await session.execute(
        select(DataEncryptionKey).where(DataEncryptionKey.user_id == user_id, DataEncryptionKey.id == dek_id)
    )
    return result.scalar_one_or_none()


async def deks_page(
    session: AsyncSession, user_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
) -> Sequence[DataEncryptionKey]:
    statement = select(DataEncryptionKey).where(DataEncryptionKey.user_id == user_id)
    if after is not None:
        statement = statement.where(DataEncryptionKey.id > after)
    result = await session.execute(statement.order_by(DataEncryptionKey.id).limit(limit))
    return result.scalars().all()


async def delete_dek(session: AsyncSession, user_id: uuid.UUID, dek_id: uuid.UUID) -> None:
    await session.execute(
        delete(DataEncryptionKey).where(DataEncryptionKey.user_id == user_id, DataEncryptionKey.id == dek_id)
    )


async def keypair_of(session: AsyncSession, user_id: uuid.UUID, keypair_id: uuid.UUID) -> Keypair | None:
    result = await session.execute(
        select(Keypair).where(Keypair.user_id == user_id, Keypair.id == keypair_id)
    )
    return result.scalar_one_or_none()


async def keypair_by_external_id(
    session: AsyncSession, user_id: uuid.UUID, external_id: str
) -> Keypair | None:
    result = await session.execute(
        select(Keypair)
        .join(KeypairExternalId, KeypairExternalId.keypair_id == Keypair.id)
        .where(KeypairExternalId.user_id == user_id, KeypairExternalId.external_id == external_id)
    )
    return result.scalar_one_or_none()


async def keypairs_page(
    session: AsyncSession, user_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
) -> Sequence[Keypair]:
    statement = select(Keypair).where(Keypair.user_id == user_id)
    if after is not None:
        statement = statement.where(Keypair.id > after)
    result = await session.execute(statement.order_by(Keypair.id).limit(limit))
    return result.scalars().all()


async def external_ids_of(
    session: AsyncSession, keypair_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """The external identifiers of each keypair, in the order they were given."""
    found: dict[uuid.UUID, list[str]] = {kid: [] for kid in keypair_ids}
    if not keypair_ids:
        return found
    result = await session.execute(
        select(KeypairExternalId.keypair_id, KeypairExternalId.external_id)
        .where(KeypairExternalId.keypair_id.in_(keypair_ids))
        .order_by(KeypairExternalId.keypair_id, KeypairExternalId.position)
    )
    for keypair_id, external_id in result.all():
        found[keypair_id].append(external_id)
    return found


async def external_ids_taken(
    session: AsyncSession, user_id: uuid.UUID, external_ids: Sequence[str], *, other_than: uuid.UUID | None
) -> bool:
    """True if another of the user's keypairs (not ``other_than``) already has one of ``external_ids``."""
    if not external_ids:
        return False
    statement = select(KeypairExternalId.id).where(
        KeypairExternalId.user_id == user_id, KeypairExternalId.external_id.in_(external_ids)
    )
    if other_than is not None:
        statement = statement.where(KeypairExternalId.keypair_id != other_than)
    return (await session.execute(statement.limit(1))).first() is not None


async def replace_external_ids(
    session: AsyncSession, user_id: uuid.UUID, keypair_id: uuid.UUID, external_ids: Sequence[str]
) -> None:
    """Set the keypair's identifiers to ``external_ids``; raises ``IntegrityError`` if one is taken."""
    await session.execute(delete(KeypairExternalId).where(KeypairExternalId.keypair_id == keypair_id))
    session.add_all(
        KeypairExternalId(keypair_id=keypair_id, user_id=user_id, external_id=value, position=index)
        for index, value in enumerate(external_ids)
    )
    await session.flush()


async def delete_keypair(session: AsyncSession, user_id: uuid.UUID, keypair_id: uuid.UUID) -> None:
    await session.execute(delete(Keypair).where(Keypair.user_id == user_id, Keypair.id == keypair_id))
