"""Shares: a card (or one slot of it) given by a sender to a recipient over a connection.

Revocation deletes the row (the recipient then gets 404). Every foreign key cascades, so deleting a user,
an item, a slot, a connection row or a parent share takes its shares with it. The values live in one JSON
column of the share row, so a share and its values are written (and replaced) by one statement: there is
never half a share.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from strongroom.kit.ids import new_id
from strongroom.vault.models.base import Base


class AcceptanceRequired(enum.StrEnum):
    NOT_REQUIRED = "acceptance_not_required"
    REQUIRED = "acceptance_required"
    ACCEPTED = "accepted"


class Share(Base):
    """A live (or expired, not yet swept) share. ``encrypted_values``: slot id (str) → ``Aes256Gcm`` cryppo
    string under the share DEK.

    ``owner_id`` owns the item; ``sender_id`` is the owner, or for an on-share the recipient of
    ``parent_share_id``. ``version`` increases with every change the sender makes (values, expiry,
    distributable), and ``updated_at`` strictly increases with it (optimistic concurrency).
    """

    __tablename__ = "shares"
    __table_args__ = (
        Index("ix_shares_recipient_id_id", "recipient_id", "id"),
        Index("ix_shares_sender_id_id", "sender_id", "id"),
        Index("ix_shares_expires_at", "expires_at"),
        # One share per item per encryption space. The 0.9 reference client reuses its connection's
        # space for every card it shares over that connection, so a space may back several items' shares.
        UniqueConstraint("encryption_space_id", "item_id"),
        # A space the client names explicitly (the spec's flow: a DEK per share) backs exactly one share.
        Index(
            "uq_shares_explicit_encryption_space_id",
            "encryption_space_id",
            unique=True,
            sqlite_where=text("NOT space_from_connection"),
            postgresql_where=text("NOT space_from_connection"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    shareable_type: Mapped[str] = mapped_column(String(20), default="Item")
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), index=True)
    sender_connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    recipient_connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    # Shares are deleted on revocation, so every row is live or expired (not yet swept).
    encryption_space_id: Mapped[uuid.UUID]
    # True when the request named no space and the sender's connection's latest space was used (the 0.9
    # client's way): the recipient then reads it through their own connection's space (see shares/README.md).
    space_from_connection: Mapped[bool] = mapped_column(Boolean, default=False)
    encrypted_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    terms: Mapped[str | None] = mapped_column(Text)
    distributable: Mapped[bool] = mapped_column(Boolean, default=False)
    acceptance_required: Mapped[str] = mapped_column(
        String(30), default=AcceptanceRequired.NOT_REQUIRED.value
    )
    expires_at: Mapped[datetime | None]
    parent_share_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ShareReadEvent(Base):
    """One read of a share's values by its recipient: which share, who, when (nothing else).

    Shown to the share's owner and sender; goes with the share (and with the reader's account).
    """

    __tablename__ = "share_read_events"
    __table_args__ = (Index("ix_share_read_events_share_id_read_at", "share_id", "read_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    share_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    reader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime]
