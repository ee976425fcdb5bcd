"""Request (``*In``) and response (``*Out``) bodies of admission tokens, ``/me`` and ``/session``.

Responses carry every field of the 0.9 reference client's models (``User``, ``AdmissionToken``), with
null/false/[] where Strongroom has nothing to say; requests ignore unknown fields.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from strongroom.kit.pagination import Meta
from strongroom.kit.sessions import ClientName

MAX_PEM = 5000


class AdmissionTokenOut(BaseModel):
    id: uuid.UUID
    token_value: str
    used: bool


class AdmissionTokenEnvelope(BaseModel):
    admission_token: AdmissionTokenOut


class UserOut(BaseModel):
    id: uuid.UUID
    full_name: str | None
    email: str | None
    private_encryption_space_id: str | None
    joined_at: datetime
    organisation: bool = False
    is_app_logging_enabled: bool = False
    image: str | None = None
    country: str | None = None
    onboarded_at: datetime | None = None
    track_events: bool = False
    track_usage: bool = False
    cloudname: str | None = None
    timezone: str | None = None
    unconfirmed_email: str | None = None
    verified_at: datetime | None = None
    share_terms: str | None = None
    using_key_store: bool = True
    key_store_admission_token: str | None = None
    encryption_engine_admission_token: str | None = None
    key_store_id: str | None = None
    key_store_url: str | None = None
    key_store_username: str | None = None
    queued_for_deletion_after: datetime | None = None
    using_shadow_key: bool = False
    accepted_terms: bool = True
    organisation_ids: list[str] = Field(default_factory=list)
    association_ids: list[str] = Field(default_factory=list)
    using_api_set_key_store_passphrase: bool = False
    api_set_key_store_passphrase: datetime | None = None


class MeOut(BaseModel):
    user: UserOut
    associations: list[Any] = Field(default_factory=list)
    organisations: list[Any] = Field(default_factory=list)


class MeCreatedOut(MeOut):
    encrypted_session_authentication_string: str


class MeIn(BaseModel):
    """``POST /me``: the login public key (PEM) and the admission token *value*."""

    model_config = ConfigDict(extra="ignore")

    public_key: str = Field(min_length=1, max_length=MAX_PEM)
    admission_token: str = Field(min_length=1, max_length=200)
    # ext: the token of a live invitation mailed to the new user (needed when sign-ups are invite-only).
    invitation_token: str | None = Field(default=None, max_length=200)
    # ext: what the client calls itself, shown in the session list (else its User-Agent).
    client_name: ClientName | None = None


class UserUpdateIn(BaseModel):
    """Profile fields; a field left out stays as it is, a null clears it."""

    model_config = ConfigDict(extra="ignore")

    private_encryption_space_id: str | None = Field(default=None, max_length=100)
    full_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)


class MeUpdateIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user: UserUpdateIn


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    public_key: str = Field(min_length=1, max_length=MAX_PEM)
    # ext: what the client calls itself, shown in the session list (else its User-Agent).
    client_name: ClientName | None = None


class SessionOut(BaseModel):
    encrypted_session_authentication_string: str


class SessionEnvelope(BaseModel):
    session: SessionOut


class EmailVerificationIn(BaseModel):
    """``POST /me/email_verification``: the address to verify (it becomes the account's), or the current."""

    model_config = ConfigDict(extra="ignore")

    email: str | None = Field(default=None, max_length=320)


class EmailVerificationOut(BaseModel):
    email: str
    expires_at: datetime


class EmailVerificationEnvelope(BaseModel):
    email_verification: EmailVerificationOut


class EmailCodeIn(BaseModel):
    """``POST /me/email_verification/confirm``: the code from the mail."""

    model_config = ConfigDict(extra="ignore")

    code: str = Field(min_length=1, max_length=20)


class MeDeleteIn(BaseModel):
    """The fresh proof of key possession that deleting the account needs (see ``accounts/proof.py``)."""

    request_signature: str = Field(
        min_length=1,
        max_length=8192,
        description="A `Sign.Rsa…` signature by the login private key over "
        "`DELETE <vault base URL>/me--request-timestamp=<ISO 8601 time>`.",
    )


class SessionListItemOut(BaseModel):
    """One of the caller's sessions (ext): ``client_name`` as the client gave it at login (or its
    User-Agent); ``last_used_at`` is refreshed at most every ``session_touch_interval`` seconds."""

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    client_name: str | None
    expires_at: datetime
    current: bool


class SessionListOut(BaseModel):
    sessions: list[SessionListItemOut]
    meta: Meta
    next_page_after: uuid.UUID | None = None


class SessionsEndedOut(BaseModel):
    """How many sessions ``DELETE /sessions`` ended (used ones; tokens never used are ended uncounted)."""

    ended: int
