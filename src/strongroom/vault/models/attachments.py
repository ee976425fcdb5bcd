"""Attachments: encrypted files on a card, stored as two blobs (the ciphertext and its artefact record).

A ``Blob`` row exists from the moment an upload is announced (``pending``) and becomes ``stored`` once the
store holds every byte; only stored blobs count, and only a stored pair can become an ``Attachment``. A slot
points at its attachment (``slots.attachment_id``); ``linked_at`` records that it was linked once, so an
attachment whose slot is gone is garbage at once, and one never linked is garbage after
``attachment_unlinked_lifetime``. Objects in the store are named ``<user id>/<blob id>``: an object whose
row is gone (account deleted, row collected) is garbage too. See ``vault/attachments/README.md``.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from strongroom.kit.ids import new_id
from strongroom.vault.models.base import Base


class BlobState(enum.StrEnum):
    PENDING = "pending"
    STORED = "stored"


class Blob(Base):
    """One uploaded byte stream of ``byte_size`` bytes, owned by ``user_id``."""

    __tablename__ = "blobs"
    __table_args__ = (
        Index("ix_blobs_user_id_id", "user_id", "id"),
        Index("ix_blobs_state_created_at", "state", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    byte_size: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(20), default=BlobState.PENDING.value)
    created_at: Mapped[datetime]
    stored_at: Mapped[datetime | None]


class Attachment(Base):
    """An encrypted file: ``binary_blob_id`` (the block ciphertexts) and ``artefacts_blob_id`` (the record).

    Deleting either blob row deletes the attachment.
    """

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_user_id_id", "user_id", "id"),
        Index("ix_attachments_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    binary_blob_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("blobs.id", ondelete="CASCADE"), unique=True)
    artefacts_blob_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("blobs.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime]
    linked_at: Mapped[datetime | None]
