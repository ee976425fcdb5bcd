"""Request (``*In``) and response (``*Out``) bodies of ``/invitations``."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from strongroom.kit.pagination import Meta
from strongroom.vault.validation import MAX_ENCRYPTED_VALUE

MAX_MESSAGE = 2000


class InvitationIn(BaseModel):
    """``POST /invitations``. The reference client sends only ``public_key_id`` and
    ``encrypted_recipient_name``; ``email`` (mail the invitation), ``message`` and ``expires_in`` (seconds)
    are optional."""

    model_config = ConfigDict(extra="ignore")

    public_key_id: uuid.UUID
    encrypted_recipient_name: str | None = Field(default=None, max_length=MAX_ENCRYPTED_VALUE)
    email: str | None = Field(default=None, max_length=320)
    message: str | None = Field(default=None, max_length=MAX_MESSAGE)
    expires_in: int | None = Field(default=None, ge=1)


class InvitationOut(BaseModel):
    """An invitation as its inviter sees it; ``token`` only in the creating response (else null).
    ``invited_user_id``, ``user_name`` and ``user_email`` describe the accepter once accepted."""

    id: uuid.UUID
    token: str | None
    email: str | None
    message: str | None
    sent_at: datetime | None
    public_key_id: uuid.UUID
    key_store_keypair_id: str
    encrypted_recipient_name: str | None
    outgoing: bool = True
    invited_user_id: uuid.UUID | None
    user_name: str | None
    user_email: str | None
    user_image: str | None = None
    organisation: bool = False
    state: str
    expires_at: datetime
    created_at: datetime


class InvitationEnvelope(BaseModel):
    invitation: InvitationOut


class InvitationsOut(BaseModel):
    invitations: list[InvitationOut]
    meta: Meta
    next_page_after: uuid.UUID | None
