"""Attachment rules.

- Only a card's owner uploads (blobs are always the caller's own) and links an attachment to one of their
  ``attachment`` slots; the slot's value (under the card's DEK, re-wrapped per share like any value) is the
  file key, so sharing never touches the blob.
- The owner, and the recipients of a live, readable share of the card or that slot, read it; revocation,
  expiry, and deletion of the card, slot or account stop reads at once (the rows stop matching) and leave
  the blobs to the collector (``garbage.py``), which the deleting transaction wakes on commit.
- Limits: ``attachment_max_bytes`` per blob (413 ``attachment_too_large``), ``blob_quota_bytes`` per user
  over every announced or stored blob (413 ``storage_quota_exceeded``, as for every quota of stored bytes).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.errors import AppError, conflict, invalid, not_found
from strongroom.kit.ids import new_id
from strongroom.kit.quotas import storage_quota_exceeded
from strongroom.kit.settings import Settings
from strongroom.vault.attachments import garbage
from strongroom.vault.attachments import repository as repo
from strongroom.vault.attachments.schemas import (
    AttachIn,
    AttachmentOut,
    BlobOut,
    RemoteFile,
    UploadUrl,
    UploadUrlIn,
)
from strongroom.vault.auth import Principal
from strongroom.vault.models import Attachment, Blob, BlobState, Slot

BlobUrl = Callable[[uuid.UUID], str]
ATTACHMENT_SLOT_TYPE = "attachment"


def blob_key(blob: Blob) -> str:
    return f"{blob.user_id}/{blob.id}"


def blob_out(blob: Blob) -> BlobOut:
    return BlobOut(
        id=blob.id,
        byte_size=blob.byte_size,
        state=BlobState(blob.state).value,
        created_at=blob.created_at,
        stored_at=blob.stored_at,
    )


async def announce(
    session: AsyncSession,
    principal: Principal,
    body: UploadUrlIn,
    settings: Settings,
    now: datetime,
    url: BlobUrl,
) -> UploadUrl:
    size = body.blob.byte_size
    if size > settings.attachment_max_bytes:
        raise AppError(
            413, "attachment_too_large", f"an attachment holds at most {settings.attachment_max_bytes} bytes"
        )
    if await repo.stored_bytes(session, principal.user_id) + size > settings.blob_quota_bytes:
        raise storage_quota_exceeded(settings.blob_quota_bytes)
    blob = Blob(id=new_id(), user_id=principal.user_id, byte_size=size, state="pending", created_at=now)
    session.add(blob)
    await session.flush()
    return UploadUrl(url=url(blob.id), blob_id=blob.id, blob_key=blob_key(blob))


async def upload_target(session: AsyncSession, principal: Principal, blob_id: uuid.UUID) -> Blob:
    """The caller's blob awaiting its bytes (404 for another's; 409 ``already_uploaded`` once stored)."""
    blob = await repo.own_blob(session, principal.user_id, blob_id)
    if blob is None:
        raise not_found("blob")
    if blob.state != BlobState.PENDING.value:
        raise conflict("already_uploaded", "this blob already holds its bytes")
    return blob


async def mark_stored(session: AsyncSession, principal: Principal, blob_id: uuid.UUID, now: datetime) -> Blob:
    blob = await repo.own_blob(session, principal.user_id, blob_id)
    if blob is None:  # collected or its account deleted while the bytes arrived
        raise not_found("blob")
    blob.state = BlobState.STORED.value
    blob.stored_at = now
    await session.flush()
    return blob


def attachment_out(
    attachment: Attachment, slot: Slot | None, blobs: dict[uuid.UUID, Blob], url: BlobUrl
) -> AttachmentOut:
    main, record = blobs[attachment.binary_blob_id], blobs[attachment.artefacts_blob_id]
    return AttachmentOut(
        id=attachment.id,
        user_id=attachment.user_id,
        slot_id=slot.id if slot is not None else None,
        item_id=slot.item_id if slot is not None else None,
        main=RemoteFile(id=main.id, url=url(main.id), byte_size=main.byte_size),
        encryption_artifact=RemoteFile(
            id=record.id, url=url(record.id), byte_size=record.byte_size, content_type="application/json"
        ),
        created_at=attachment.created_at,
        linked_at=attachment.linked_at,
    )


async def attach(
    session: AsyncSession,
    principal: Principal,
    body: AttachIn,
    settings: Settings,
    now: datetime,
    url: BlobUrl,
) -> AttachmentOut:
    ids = [body.blob.blob_id, body.blob.encrypted_artifact_blob_id]
    if ids[0] == ids[1]:
        raise invalid("invalid_blobs", "the file and its artefact record are two different blobs")
    blobs = await repo.blobs_by_id(session, ids)
    for blob_id in ids:
        blob = blobs.get(blob_id)
        if blob is None or blob.user_id != principal.user_id:
            raise not_found("blob")
        if blob.state != BlobState.STORED.value:
            raise invalid("blob_incomplete", "a blob has not received all its bytes")
    if blobs[ids[1]].byte_size > settings.attachment_artefacts_max_bytes:
        raise invalid("artefacts_too_large", "the artefact record is too large")
    attachment = Attachment(
        id=new_id(),
        user_id=principal.user_id,
        binary_blob_id=ids[0],
        artefacts_blob_id=ids[1],
        created_at=now,
    )
    session.add(attachment)
    try:
        await session.flush()
    except IntegrityError:
        raise conflict("blob_in_use", "a blob already belongs to an attachment") from None
    return attachment_out(attachment, None, blobs, url)


async def get_attachment(
    session: AsyncSession, principal: Principal, attachment_id: uuid.UUID, now: datetime, url: BlobUrl
) -> AttachmentOut:
    found = await repo.readable_attachment(session, principal.user_id, attachment_id, now)
    if found is None:
        raise not_found("attachment")
    attachment, slot = found
    blobs = await repo.blobs_by_id(session, [attachment.binary_blob_id, attachment.artefacts_blob_id])
    return attachment_out(attachment, slot, blobs, url)


async def readable_blob(
    session: AsyncSession, principal: Principal, blob_id: uuid.UUID, now: datetime
) -> Blob:
    """A stored blob the caller may read: their own, or one of an attachment they may read."""
    blobs = await repo.blobs_by_id(session, [blob_id])
    blob = blobs.get(blob_id)
    if blob is None or blob.state != BlobState.STORED.value:
        raise not_found("blob")
    attachment = await repo.attachment_of_blob(session, blob_id)
    if attachment is None:
        if blob.user_id != principal.user_id:
            raise not_found("blob")
        return blob
    if await repo.readable_attachment(session, principal.user_id, attachment.id, now) is None:
        raise not_found("blob")
    return blob


async def delete_attachment(session: AsyncSession, principal: Principal, attachment_id: uuid.UUID) -> None:
    attachment = await repo.own_attachment(session, principal.user_id, attachment_id)
    if attachment is None:
        raise not_found("attachment")
    slot = await repo.slot_of(session, attachment)
    if slot is not None:
        slot.attachment_id = None
    await repo.delete_blobs(session, [attachment.binary_blob_id, attachment.artefacts_blob_id])
    garbage.note(session)


async def link(session: AsyncSession, user_id: uuid.UUID, slots: Sequence[Slot], now: datetime) -> None:
    """Check the attachments that ``slots`` (of one card of ``user_id``) now point at, and mark them linked.

    422 ``unknown_attachment`` for one that is not the user's, ``not_an_attachment_slot`` for a slot of
    another type, 409 ``attachment_in_use`` when another slot already points at it.
    """
    wanted = [s for s in slots if s.attachment_id is not None]
    if not wanted:
        return
    ids = [s.attachment_id for s in wanted if s.attachment_id is not None]
    if len(set(ids)) != len(ids):
        raise conflict("attachment_in_use", "two slots cannot share one attachment")
    found = await repo.own_attachments(session, user_id, ids)
    for slot in wanted:
        if slot.attachment_id not in found:
            raise invalid("unknown_attachment", f"slot '{slot.name}': no such attachment")
        if slot.slot_type_name != ATTACHMENT_SLOT_TYPE:
            raise invalid("not_an_attachment_slot", f"slot '{slot.name}' is not an attachment slot")
    if await repo.other_slot_links(session, ids, [s.id for s in wanted]):
        raise conflict("attachment_in_use", "another slot already holds that attachment")
    for attachment in found.values():
        if attachment.linked_at is None:
            attachment.linked_at = now
