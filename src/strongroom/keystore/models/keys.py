"""A user's keys: the KEK, data encryption keys and RSA keypairs (with their external identifiers)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from strongroom.keystore.models.base import Base
from strongroom.kit.ids import new_id

EXTERNAL_ID_LENGTH = 255


class KeyEncryptionKey(Base):
    """The user's one KEK, wrapped with the PDK (the unique user_id makes a second one impossible)."""

    __tablename__ = "key_encryption_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    serialized_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class DataEncryptionKey(Base):
    """A DEK wrapped with the user's KEK."""

    __tablename__ = "data_encryption_keys"
    __table_args__ = (Index("ix_data_encryption_keys_user_id_id", "user_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    serialized_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Keypair(Base):
    """An RSA keypair: the public key in clear, the private key wrapped with the KEK, free-form metadata."""

    __tablename__ = "keypairs"
    __table_args__ = (Index("ix_keypairs_user_id_id", "user_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    public_key: Mapped[str] = mapped_column(Text)
    encrypted_serialized_key: Mapped[str] = mapped_column(Text)
    # ``metadata`` is reserved by SQLAlchemy's declarative classes, hence the attribute name.
    key_metadata: Mapped[Any] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class KeypairExternalId(Base):
    """One external identifier of a keypair; unique per user, so a lookup by it finds at most one keypair."""

    __tablename__ = "keypair_external_ids"
    __table_args__ = (UniqueConstraint("user_id", "external_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    keypair_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("keypairs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    position: Mapped[int]
