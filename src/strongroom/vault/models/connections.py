"""Invitations and connections.

A connection is two rows, one per user, that share a ``pair_id``: each row is its owner's view (own key,
own nickname for the other user, own latest encryption space). Deleting a connection deletes both rows.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from strongroom.kit.ids import new_id
from strongroom.vault.models.base import Base


class InvitationState(enum.StrEnum):
    """Invitation states. ``expired`` is never stored: it is ``new`` past ``expires_at``."""

    NEW = "new"
    ACCEPTED = "accepted"
    DELETED = "deleted"
    EXPIRED = "expired"


class Invitation(Base):
    """An invitation to connect, made by ``user_id`` with one of their public keys.

    The token is stored only as its SHA-256 (``token_hash``); the plaintext is shown once to the inviter and
    sits in the outbox mail until it is sent.
    """

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_user_id_id", "user_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    public_key_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("public_keys.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    message: Mapped[str | None] = mapped_column(Text)
    encrypted_recipient_name: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=InvitationState.NEW.value)
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    accepted_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Connection(Base):
    """One user's side of a connection with ``other_user_id``.

    ``public_key_id`` is the owner's own connection key (its private half is ``key_store_keypair_id`` in the
    owner's Keystore); the other side's key is on the twin row (same ``pair_id``, ``user_id`` swapped).
    ``encryption_space_id`` is the latest encryption space the owner linked to this row.
    """

    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("user_id", "other_user_id"),
        UniqueConstraint("pair_id", "user_id"),
        Index("ix_connections_user_id_id", "user_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    pair_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    other_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    public_key_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("public_keys.id", ondelete="CASCADE"), index=True
    )
    encrypted_recipient_name: Mapped[str | None] = mapped_column(Text)
    encryption_space_id: Mapped[uuid.UUID | None]
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
