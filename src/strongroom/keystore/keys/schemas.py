"""Request and response bodies of the key endpoints (fields as @meeco/keystore-api-sdk 0.13)."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from pydantic import BaseModel, Field, JsonValue, StringConstraints, field_validator

from strongroom.keystore.models import EXTERNAL_ID_LENGTH
from strongroom.keystore.schemas import (
    MAX_EXTERNAL_IDENTIFIERS,
    MAX_METADATA_BYTES,
    PublicKeyPem,
    Timestamp,
    WrappedKey,
    WrappedSymmetricKey,
)

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=EXTERNAL_ID_LENGTH)]
ExternalIds = Annotated[list[ExternalId], Field(max_length=MAX_EXTERNAL_IDENTIFIERS)]


def _check_metadata(value: JsonValue) -> JsonValue:
    if len(json.dumps(value, separators=(",", ":"))) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata must serialize to at most {MAX_METADATA_BYTES} bytes of JSON")
    return value


class KeyEncryptionKeyCreate(BaseModel):
    serialized_key_encryption_key: WrappedSymmetricKey


class KeyEncryptionKeyRead(BaseModel):
    id: uuid.UUID
    serialized_key_encryption_key: str


class KeyEncryptionKeyResponse(BaseModel):
    key_encryption_key: KeyEncryptionKeyRead


class DataEncryptionKeyCreate(BaseModel):
    serialized_data_encryption_key: WrappedSymmetricKey


class DataEncryptionKeyRead(BaseModel):
    id: uuid.UUID
    serialized_data_encryption_key: str


class DataEncryptionKeyResponse(BaseModel):
    data_encryption_key: DataEncryptionKeyRead


class DataEncryptionKeyPage(BaseModel):
    """One page of the caller's DEKs, oldest first; ``next_page_after`` is null on the last page."""

    data_encryption_keys: list[DataEncryptionKeyRead]
    next_page_after: uuid.UUID | None


class KeypairCreate(BaseModel):
    """A keypair to store. ``metadata`` defaults to ``{}`` and ``external_identifiers`` to ``[]`` (Meeco's
    CLI omits ``metadata`` for the login keypair)."""

    public_key: PublicKeyPem
    encrypted_serialized_key: WrappedKey
    metadata: JsonValue = Field(default_factory=dict)
    external_identifiers: ExternalIds = Field(default_factory=list)

    _metadata_size = field_validator("metadata")(_check_metadata)


class KeypairUpdate(BaseModel):
    """PATCH: each field given (and not null) replaces the stored one; ``external_identifiers`` as a whole."""

    public_key: PublicKeyPem | None = None
    metadata: JsonValue = None
    external_identifiers: ExternalIds | None = None

    _metadata_size = field_validator("metadata")(_check_metadata)


class KeypairRead(BaseModel):
    id: uuid.UUID
    public_key: str
    encrypted_serialized_key: str
    metadata: JsonValue
    external_identifiers: list[str]
    created_at: Timestamp
    updated_at: Timestamp


class KeypairResponse(BaseModel):
    keypair: KeypairRead


class KeypairPage(BaseModel):
    """One page of the caller's keypairs, oldest first; ``next_page_after`` is null on the last page."""

    keypairs: list[KeypairRead]
    next_page_after: uuid.UUID | None
