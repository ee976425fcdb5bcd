"""The Vault admission token obtained for each Keystore account (at most one per account)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from strongroom.keystore.models.base import Base


class AdmissionToken(Base):
    """The single-use Vault admission token of one user.

    The token value is stored as is while unused: asking again must return the same token (the reference
    behaviour). It is a one-time credential worth one Vault account, and only to the holder of this Keystore
    account, who can ask for it anyway. Once the Vault reports it used, only ``used:sha256:<hash>`` is kept.
    """

    __tablename__ = "admission_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_value: Mapped[str] = mapped_column(String(512))
    vault_token_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
