"""Public keys users register (login key material lives on the user; these are connection keys)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from strongroom.kit.ids import new_id
from strongroom.vault.models.base import Base


class PublicKey(Base):
    """An RSA public key whose private half the user keeps in the Keystore (``key_store_id`` = keypair id)."""

    __tablename__ = "public_keys"
    __table_args__ = (Index("ix_public_keys_user_id_id", "user_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key_store_id: Mapped[str] = mapped_column(String(100))
    encryption_strategy: Mapped[str] = mapped_column(String(20))
    public_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
