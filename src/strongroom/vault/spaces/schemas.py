"""Bodies of ``POST /connections/{id}/encryption_space``."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict


class EncryptionSpaceCreate(BaseModel):
    """The Keystore encryption space id to link to the caller's connection (unknown fields are ignored)."""

    model_config = ConfigDict(extra="ignore")

    encryption_space_id: uuid.UUID


class EncryptionSpaceRead(BaseModel):
    id: uuid.UUID
    connection_id: uuid.UUID


class EncryptionSpaceEnvelope(BaseModel):
    encryption_space: EncryptionSpaceRead
