"""Request and response bodies of encryption spaces and shared keys (as @meeco/keystore-api-sdk 0.13,
plus ``encryption_space_id`` on create to join a space, and the list endpoint)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from strongroom.keystore.schemas import MAX_SIGNATURE, PublicKeyPem, RsaCiphertext, WrappedSymmetricKey


class EncryptionSpaceCreate(BaseModel):
    """Without ``encryption_space_id``: a new space, the caller its creator. With it: join that space
    (allowed after claiming its shared key)."""

    encrypted_serialized_key: WrappedSymmetricKey
    encryption_space_id: uuid.UUID | None = None


class EncryptionSpaceKeyRead(BaseModel):
    """The caller's own copy of a space's DEK, wrapped with the caller's KEK."""

    id: uuid.UUID
    encryption_space_id: uuid.UUID
    serialized_data_encryption_key: str
    creator: bool = Field(description="Whether the caller created the space (extension).")


class EncryptionSpaceKeyResponse(BaseModel):
    encryption_space_data_encryption_key: EncryptionSpaceKeyRead


class EncryptionSpaceKeyPage(BaseModel):
    """One page of the caller's memberships, oldest first; ``next_page_after`` is null on the last page."""

    encryption_space_data_encryption_keys: list[EncryptionSpaceKeyRead]
    next_page_after: uuid.UUID | None


class SharedKeyMetadata(BaseModel):
    # Meeco's clients send cryppo's cipher name ("AES-GCM"); any short string is accepted.
    key_type: Annotated[str, StringConstraints(max_length=64)] | None = None


class SharedKeyCreate(BaseModel):
    encrypted_key: RsaCiphertext
    external_id: uuid.UUID = Field(description="The encryption space id.")
    public_key: PublicKeyPem
    key_metadata: SharedKeyMetadata = Field(default_factory=SharedKeyMetadata)


class SharedKeyRead(BaseModel):
    id: uuid.UUID
    serialized_shared_key: str


class SharedKeyResponse(BaseModel):
    shared_key: SharedKeyRead


class SharedKeyClaimCreate(BaseModel):
    public_key: PublicKeyPem
    request_signature: Annotated[str, StringConstraints(min_length=1, max_length=MAX_SIGNATURE)] = Field(
        description=(
            "`Sign.Rsa4096…` over `<keystore URL>/shared_keys/<id>/claim_key--request-timestamp=<ISO time>`"
        )
    )


class SharedKeyClaimedRead(BaseModel):
    external_id: uuid.UUID
    serialized_shared_key: str


class SharedKeyClaimedResponse(BaseModel):
    shared_key_claimed: SharedKeyClaimedRead
