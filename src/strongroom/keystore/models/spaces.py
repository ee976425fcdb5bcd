"""Encryption spaces (one share DEK, one KEK-wrapped copy per member) and shared keys waiting to be claimed.

See ``strongroom/keystore/spaces/README.md`` for the states and transitions.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from strongroom.keystore.models.base import Base
from strongroom.kit.ids import new_id


class EncryptionSpace(Base):
    """One share DEK's identity; the Vault's encryption space uses the same id. Owned by its creator."""

    __tablename__ = "encryption_spaces"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    creator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class EncryptionSpaceKey(Base):
    """A member's copy of the space's DEK, wrapped with that member's own KEK (one per member)."""

    __tablename__ = "encryption_space_keys"
    __table_args__ = (
        UniqueConstraint("encryption_space_id", "user_id"),
        Index("ix_encryption_space_keys_user_id_id", "user_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    encryption_space_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("encryption_spaces.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    serialized_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class SharedKey(Base):
    """The space's DEK wrapped to a recipient's connection public key, waiting to be claimed.

    ``public_key_sha256`` is the SHA-256 of the key's DER SubjectPublicKeyInfo: the same key in any PEM
    spelling (line ends, PKCS#1 or SPKI) has the same digest, which is what a claim is compared against.
    """

    __tablename__ = "shared_keys"
    __table_args__ = (UniqueConstraint("encryption_space_id", "public_key_sha256"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    encryption_space_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("encryption_spaces.id", ondelete="CASCADE")
    )
    public_key: Mapped[str] = mapped_column(Text)
    public_key_sha256: Mapped[str] = mapped_column(String(64))
    encrypted_key: Mapped[str] = mapped_column(Text)
    key_type: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class SharedKeyClaim(Base):
    """A user's successful claim of a shared key: what lets that user join the space afterwards."""

    __tablename__ = "shared_key_claims"
    __table_args__ = (
        UniqueConstraint("shared_key_id", "user_id"),
        Index("ix_shared_key_claims_user_id_encryption_space_id", "user_id", "encryption_space_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    shared_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shared_keys.id", ondelete="CASCADE"))
    # Indexed for the cascade when the space is deleted.
    encryption_space_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("encryption_spaces.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    claimed_at: Mapped[datetime]


class UsedClaimSignature(Base):
    """The SHA-256 of a claim signature already accepted, kept until it would be stale anyway."""

    __tablename__ = "used_claim_signatures"

    signature_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
