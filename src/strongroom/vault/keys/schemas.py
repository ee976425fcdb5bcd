"""Request (``*In``) and response (``*Out``) bodies of ``/key_store/public_keys``."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from strongroom.kit.pagination import Meta

MAX_PEM = 5000


class PublicKeyIn(BaseModel):
    """``encryption_strategy`` must name the key's real size (``Rsa4096`` for a 4096-bit key); when left
    out it is taken from the key."""

    model_config = ConfigDict(extra="ignore")

    key_store_id: str = Field(min_length=1, max_length=100)
    encryption_strategy: str | None = Field(default=None, max_length=20)
    public_key: str = Field(min_length=1, max_length=MAX_PEM)


class PublicKeyOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    key_store_id: str
    encryption_strategy: str
    public_key: str
    fingerprint: str
    created_at: datetime
    updated_at: datetime


class PublicKeyEnvelope(BaseModel):
    public_key: PublicKeyOut


class PublicKeysOut(BaseModel):
    public_keys: list[PublicKeyOut]
    meta: Meta
    next_page_after: uuid.UUID | None
