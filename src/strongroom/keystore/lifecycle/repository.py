"""SQL of credential changes and KEK rotation, and the lock that keeps a rotation from losing a new key."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.keystore.models import (
    DataEncryptionKey,
    EncryptionSpaceKey,
    KeyEncryptionKey,
    Keypair,
    Session,
    User,
)


async def lock_kek(session: AsyncSession, user_id: uuid.UUID, *, exclusive: bool) -> KeyEncryptionKey | None:
    """The user's KEK row, locked: exclusively by a rotation or credential change, shared by anything that
    stores a key wrapped under it. (PostgreSQL row locks; SQLite transactions are serial already.)"""
    statement = select(KeyEncryptionKey).where(KeyEncryptionKey.user_id == user_id)
    statement = statement.with_for_update(read=not exclusive)
    result = await session.execute(statement.execution_options(populate_existing=True))
    return result.scalar_one_or_none()


async def session_alive(session: AsyncSession, session_id: uuid.UUID) -> bool:
    """Whether the session still exists, read after a lock was taken (a rotation ends the others)."""
    result = await session.execute(select(Session.id).where(Session.id == session_id))
    return result.first() is not None


async def replace_credentials(
    session: AsyncSession, user: User, *, salt: str, verifier: str, kek_id: uuid.UUID, serialized_kek: str
) -> bool:
    """Swap salt, verifier and the wrapped KEK if neither changed since they were read; False otherwise."""
    users = await session.execute(
        update(User)
        .where(User.id == user.id, User.srp_verifier == user.srp_verifier)
        .values(srp_salt=salt, srp_verifier=verifier)
        .execution_options(synchronize_session=False)
    )
    if users.rowcount != 1:  # type: ignore[attr-defined]
        return False
    keks = await session.execute(
        update(KeyEncryptionKey)
        .where(KeyEncryptionKey.user_id == user.id, KeyEncryptionKey.id == kek_id)
        .values(serialized_key=serialized_kek)
        .execution_options(synchronize_session=False)
    )
    return bool(keks.rowcount == 1)  # type: ignore[attr-defined]


async def wrapped_key_ids(
    session: AsyncSession, user_id: uuid.UUID
) -> tuple[set[uuid.UUID], set[uuid.UUID], dict[uuid.UUID, uuid.UUID]]:
    """The user's DEK ids, keypair ids, and space copies (space id → copy id)."""
    deks = await session.execute(select(DataEncryptionKey.id).where(DataEncryptionKey.user_id == user_id))
    keypairs = await session.execute(select(Keypair.id).where(Keypair.user_id == user_id))
    copies = await session.execute(
        select(EncryptionSpaceKey.encryption_space_id, EncryptionSpaceKey.id).where(
            EncryptionSpaceKey.user_id == user_id
        )
    )
    return (
        set(deks.scalars().all()),
        set(keypairs.scalars().all()),
        {space: copy for space, copy in copies.all()},
    )


async def swap_keys(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    old_kek_id: uuid.UUID,
    new_kek_id: uuid.UUID,
    serialized_kek: str,
    deks: Mapping[uuid.UUID, str],
    keypairs: Mapping[uuid.UUID, str],
    copies: Mapping[uuid.UUID, str],
) -> None:
    """Write the new KEK (under a new id, so that stale re-wraps of the old one are refused) and every
    re-wrapped key, by primary key."""
    await session.execute(
        update(KeyEncryptionKey)
        .where(KeyEncryptionKey.user_id == user_id, KeyEncryptionKey.id == old_kek_id)
        .values(id=new_kek_id, serialized_key=serialized_kek)
        .execution_options(synchronize_session=False)
    )
    for model, field, values in (
        (DataEncryptionKey, "serialized_key", deks),
        (Keypair, "encrypted_serialized_key", keypairs),
        (EncryptionSpaceKey, "serialized_key", copies),
    ):
        if values:
            await session.execute(
                update(model), [{"id": key_id, field: value} for key_id, value in values.items()]
            )
