"""SQL of blobs and attachments. Reads start from what the principal may read: their own rows, or an
attachment whose slot a live share given to them covers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Exists

from strongroom.vault.models import AcceptanceRequired, Attachment, Blob, BlobState, Share, Slot, User
from strongroom.vault.shares.repository import live


async def own_blob(session: AsyncSession, user_id: uuid.UUID, blob_id: uuid.UUID) -> Blob | None:
    stmt = select(Blob).where(Blob.id == blob_id, Blob.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def stored_bytes(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Bytes the user's blobs take or are about to take (announced uploads count). Locks the user's row
    first (PostgreSQL; SQLite's write transactions are serial anyway), so racing announcements queue up and
    none slips past the quota."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())
    stmt = select(func.coalesce(func.sum(Blob.byte_size), 0)).where(Blob.user_id == user_id)
    return int((await session.execute(stmt)).scalar_one())


async def own_attachment(
    session: AsyncSession, user_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment | None:
    stmt = select(Attachment).where(Attachment.id == attachment_id, Attachment.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def own_attachments(
    session: AsyncSession, user_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Attachment]:
    stmt = select(Attachment).where(Attachment.id.in_(ids), Attachment.user_id == user_id)
    return {a.id: a for a in (await session.execute(stmt)).scalars()}


async def slot_of(session: AsyncSession, attachment: Attachment) -> Slot | None:
    """The owner's slot whose value is the attachment's file key, if any."""
    stmt = select(Slot).where(Slot.attachment_id == attachment.id, Slot.user_id == attachment.user_id)
    return (await session.execute(stmt)).scalars().first()


async def other_slot_links(
    session: AsyncSession, attachment_ids: Sequence[uuid.UUID], slot_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Attachments among ``attachment_ids`` that a slot other than ``slot_ids`` points at."""
    stmt = select(Slot.attachment_id).where(Slot.attachment_id.in_(attachment_ids), Slot.id.not_in(slot_ids))
    return {row for row in (await session.execute(stmt)).scalars() if row is not None}


def _readable_share(viewer_id: uuid.UUID, slot: Slot, now: datetime) -> Exists:
    return exists().where(
        Share.recipient_id == viewer_id,
        Share.item_id == slot.item_id,
        or_(Share.slot_id.is_(None), Share.slot_id == slot.id),
        Share.acceptance_required != AcceptanceRequired.REQUIRED.value,
        live(now),
    )


async def readable_attachment(
    session: AsyncSession, viewer_id: uuid.UUID, attachment_id: uuid.UUID, now: datetime
) -> tuple[Attachment, Slot | None] | None:
    """The attachment and its slot if ``viewer_id`` may read it: the owner (unless its slot is gone), or the
    recipient of a live, readable share of its card or slot."""
    attachment = (
        await session.execute(select(Attachment).where(Attachment.id == attachment_id))
    ).scalar_one_or_none()
    if attachment is None:
        return None
    slot = await slot_of(session, attachment)
    if attachment.user_id == viewer_id:
        return (attachment, slot) if slot is not None or attachment.linked_at is None else None
    if slot is None:
        return None
    allowed: bool = (await session.execute(select(_readable_share(viewer_id, slot, now)))).scalar_one()
    return (attachment, slot) if allowed else None


async def attachment_of_blob(session: AsyncSession, blob_id: uuid.UUID) -> Attachment | None:
    stmt = select(Attachment).where(
        or_(Attachment.binary_blob_id == blob_id, Attachment.artefacts_blob_id == blob_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def blobs_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Blob]:
    return {b.id: b for b in (await session.execute(select(Blob).where(Blob.id.in_(ids)))).scalars()}


async def delete_blobs(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    """Delete blob rows (their attachments go with them: the foreign keys cascade)."""
    if ids:
        await session.execute(delete(Blob).where(Blob.id.in_(ids)))


async def garbage_blob_ids(session: AsyncSession, cutoff: datetime, *, limit: int = 1000) -> list[uuid.UUID]:
    """Blob rows to collect: of attachments whose slot is gone, or never linked since before ``cutoff``;
    uploads unfinished since before ``cutoff``; stored blobs no attachment uses since before ``cutoff``."""
    has_slot = exists().where(Slot.attachment_id == Attachment.id)
    dead = select(Attachment.binary_blob_id, Attachment.artefacts_blob_id).where(
        ~has_slot,
        or_(Attachment.linked_at.is_not(None), Attachment.created_at < cutoff),
    )
    found: list[uuid.UUID] = []
    for binary, artefacts in (await session.execute(dead.limit(limit))).all():
        found += [binary, artefacts]
    used = exists().where(or_(Attachment.binary_blob_id == Blob.id, Attachment.artefacts_blob_id == Blob.id))
    stale = select(Blob.id).where(
        Blob.created_at < cutoff,
        or_(Blob.state == BlobState.PENDING.value, and_(Blob.state == BlobState.STORED.value, ~used)),
    )
    found += list((await session.execute(stale.limit(limit))).scalars())
    return found


async def existing_blob_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    return set((await session.execute(select(Blob.id).where(Blob.id.in_(ids)))).scalars())


async def pending_keys(session: AsyncSession) -> set[str]:
    """Store keys of the blobs still awaiting their bytes."""
    stmt = select(Blob.user_id, Blob.id).where(Blob.state == BlobState.PENDING.value)
    return {f"{user_id}/{blob_id}" for user_id, blob_id in (await session.execute(stmt)).all()}
