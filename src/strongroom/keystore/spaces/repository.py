"""All SQL of encryption spaces, members' copies, shared keys, claims and used claim signatures.

Queries for the caller's data start from rows the caller owns (their membership, the spaces they created),
so a guessed space id finds nothing, exactly like a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.keystore.models import (
    EncryptionSpace,
    EncryptionSpaceKey,
    SharedKey,
    SharedKeyClaim,
    UsedClaimSignature,
)


async def membership(
    session: AsyncSession, user_id: uuid.UUID, space_id: uuid.UUID
) -> EncryptionSpaceKey | None:
    result = await session.execute(
        select(EncryptionSpaceKey).where(
            EncryptionSpaceKey.user_id == user_id, EncryptionSpaceKey.encryption_space_id == space_id
        )
    )
    return result.scalar_one_or_none()


# Built once: a client fetches a space key for every share it opens (building costs more than running).
_MEMBERSHIP = (
    select(EncryptionSpaceKey, EncryptionSpace.creator_id)
    .join(EncryptionSpace, EncryptionSpace.id == EncryptionSpaceKey.encryption_space_id)
    .where(
        EncryptionSpaceKey.user_id == bindparam("user_id"),
        EncryptionSpaceKey.encryption_space_id == bindparam("space_id"),
    )
)


async def membership_with_creator(
    session: AsyncSession, user_id: uuid.UUID, space_id: uuid.UUID
) -> tuple[EncryptionSpaceKey, uuid.UUID] | None:
    """The user's copy of the space's DEK and the space's creator id, in one query."""
    row = (await session.execute(_MEMBERSHIP, {"user_id": user_id, "space_id": space_id})).one_or_none()
    return None if row is None else (row[0], row[1])


async def memberships_page(
    session: AsyncSession, user_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
) -> Sequence[tuple[EncryptionSpaceKey, uuid.UUID]]:
    """The user's copies with each space's creator id, by copy id."""
    statement = (
        select(EncryptionSpaceKey, EncryptionSpace.creator_id)
        .join(EncryptionSpace, EncryptionSpace.id == EncryptionSpaceKey.encryption_space_id)
        .where(EncryptionSpaceKey.user_id == user_id)
    )
    if after is not None:
        statement = statement.where(EncryptionSpaceKey.id > after)
    result = await session.execute(statement.order_by(EncryptionSpaceKey.id).limit(limit))
    return [(row[0], row[1]) for row in result.all()]


async def created_space(
    session: AsyncSession, user_id: uuid.UUID, space_id: uuid.UUID
) -> EncryptionSpace | None:
    result = await session.execute(
        select(EncryptionSpace).where(EncryptionSpace.creator_id == user_id, EncryptionSpace.id == space_id)
    )
    return result.scalar_one_or_none()


async def add(session: AsyncSession, row: EncryptionSpace | EncryptionSpaceKey | SharedKey) -> None:
    """Insert ``row``; raises ``IntegrityError`` on a unique violation (the request's transaction is then
    unusable: raise, do not carry on)."""
    session.add(row)
    await session.flush()


async def delete_space(session: AsyncSession, creator_id: uuid.UUID, space_id: uuid.UUID) -> None:
    """Delete a space the user created; every copy, shared key and claim goes with it (FK cascades)."""
    await session.execute(
        delete(EncryptionSpace).where(
            EncryptionSpace.creator_id == creator_id, EncryptionSpace.id == space_id
        )
    )


async def delete_membership(session: AsyncSession, user_id: uuid.UUID, space_id: uuid.UUID) -> None:
    await session.execute(
        delete(EncryptionSpaceKey).where(
            EncryptionSpaceKey.user_id == user_id, EncryptionSpaceKey.encryption_space_id == space_id
        )
    )


async def shared_key_exists(session: AsyncSession, space_id: uuid.UUID, public_key_sha256: str) -> bool:
    result = await session.execute(
        select(SharedKey.id).where(
            SharedKey.encryption_space_id == space_id, SharedKey.public_key_sha256 == public_key_sha256
        )
    )
    return result.first() is not None


async def space_has_shared_keys(session: AsyncSession, space_id: uuid.UUID) -> bool:
    result = await session.execute(
        select(SharedKey.id).where(SharedKey.encryption_space_id == space_id).limit(1)
    )
    return result.first() is not None


async def shared_key_for(
    session: AsyncSession, space_id: uuid.UUID, public_key_sha256: str
) -> SharedKey | None:
    result = await session.execute(
        select(SharedKey).where(
            SharedKey.encryption_space_id == space_id, SharedKey.public_key_sha256 == public_key_sha256
        )
    )
    return result.scalar_one_or_none()


async def has_claimed(session: AsyncSession, user_id: uuid.UUID, space_id: uuid.UUID) -> bool:
    result = await session.execute(
        select(SharedKeyClaim.id)
        .where(SharedKeyClaim.user_id == user_id, SharedKeyClaim.encryption_space_id == space_id)
        .limit(1)
    )
    return result.first() is not None


async def record_claim(
    session: AsyncSession, shared_key: SharedKey, user_id: uuid.UUID, now: datetime
) -> None:
    """Remember that ``user_id`` claimed ``shared_key`` (once; a repeated claim changes nothing)."""
    existing = await session.execute(
        select(SharedKeyClaim.id).where(
            SharedKeyClaim.shared_key_id == shared_key.id, SharedKeyClaim.user_id == user_id
        )
    )
    if existing.first() is not None:
        return
    try:
        async with session.begin_nested():
            session.add(
                SharedKeyClaim(
                    shared_key_id=shared_key.id,
                    encryption_space_id=shared_key.encryption_space_id,
                    user_id=user_id,
                    claimed_at=now,
                )
            )
    except IntegrityError:
        pass  # a racing claim by the same user recorded it first


async def purge_used_signatures(session: AsyncSession, now: datetime) -> None:
    """Forget signatures that can no longer pass the freshness check (kept while ``now <= expires_at``)."""
    await session.execute(delete(UsedClaimSignature).where(UsedClaimSignature.expires_at < now))


async def use_signature(session: AsyncSession, signature_sha256: str, expires_at: datetime) -> bool:
    """Record a claim signature as used; False if it was already (a replay, also under a race)."""
    if await session.get(UsedClaimSignature, signature_sha256) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(UsedClaimSignature(signature_sha256=signature_sha256, expires_at=expires_at))
    except IntegrityError:
        return False
    return True
