"""The Vault's half of encryption spaces: which connection each user linked a Keystore space id to."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from strongroom.vault.models.base import Base


class EncryptionSpace(Base):
    """A link of the Keystore encryption space ``id`` to one of ``user_id``'s connection rows.

    Both parties of a share link the same space id (each to their own connection row), hence the
    primary key (id, user_id). Deleting the connection row removes the link (and, through shares'
    foreign keys, the shares it backs).
    """

    __tablename__ = "encryption_spaces"
    __table_args__ = (PrimaryKeyConstraint("id", "user_id"),)

    id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
