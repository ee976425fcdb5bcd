"""Request (``*In``) and response (``*Out``) bodies of ``/connections``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from strongroom.kit.pagination import Meta
from strongroom.vault.validation import MAX_ENCRYPTED_VALUE


class ConnectionIn(BaseModel):
    """``POST /connections``: accept the invitation whose token is ``invitation_token`` with the caller's
    public key ``public_key_id``. ``invitation_id``, when given, must name that same invitation."""

    model_config = ConfigDict(extra="ignore")

    public_key_id: uuid.UUID
    invitation_token: str = Field(min_length=1, max_length=200)
    invitation_id: uuid.UUID | None = None
    encrypted_recipient_name: str | None = Field(default=None, max_length=MAX_ENCRYPTED_VALUE)


class InvitationPreviewIn(BaseModel):
    """``POST /connections/preview``: the invitation a token opens, checked as accepting it would be."""

    model_config = ConfigDict(extra="ignore")

    invitation_token: str = Field(min_length=1, max_length=200)
    invitation_id: uuid.UUID | None = None


class InvitationPreviewOut(BaseModel):
    """Who invites (their profile name), and until when: shown before any key is made for accepting."""

    id: uuid.UUID
    user_id: uuid.UUID
    user_name: str | None
    message: str | None
    expires_at: datetime


class InvitationPreviewEnvelope(BaseModel):
    invitation: InvitationPreviewOut


class ConnectionUpdate(BaseModel):
    """``PATCH /connections/{id}``: the caller's new nickname for the other user (encrypted)."""

    model_config = ConfigDict(extra="ignore")

    encrypted_recipient_name: str = Field(min_length=1, max_length=MAX_ENCRYPTED_VALUE)


class ConnectionOut(BaseModel):
    """One user's record of a connection (the 0.9 fields, plus fingerprints and ``created_at``).

    ``user_*`` describe the other user; ``public_key`` / ``key_store_keypair_id`` are the viewer's own
    connection key; ``other_user_connection_*`` the other user's.
    """

    id: uuid.UUID
    user_id: uuid.UUID
    user_name: str | None
    user_email: str | None
    user_image: str | None = None
    user_organisation: bool = False
    public_key: str
    public_key_encryption_strategy: str
    key_store_keypair_id: str
    public_key_fingerprint: str
    other_user_connection_public_key: str
    other_user_connection_public_key_encryption_strategy: str
    other_user_connection_key_store_keypair_id: str
    other_user_connection_public_key_fingerprint: str
    encryption_space_id: uuid.UUID | None
    other_user_connection_encryption_space_id: uuid.UUID | None
    encrypted_recipient_name: str | None
    integration_data: Any = None
    created_at: datetime


class ConnectionEnvelope(BaseModel):
    connection: ConnectionOut


class ConnectionsOut(BaseModel):
    connections: list[ConnectionOut]
    programs: list[Any] = Field(default_factory=list)
    meta: Meta
    next_page_after: uuid.UUID | None
