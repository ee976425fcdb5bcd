"""Bodies of the credential change and KEK rotation endpoints (extensions; not in the reference SDK)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from strongroom.keystore.keys.schemas import KeyEncryptionKeyRead
from strongroom.keystore.schemas import WrappedKey, WrappedSymmetricKey
from strongroom.keystore.srp.schemas import BigHex, ProofHex, SaltHex

# A rotation names every key of the user, so its lists are not capped here: the body is bounded in bytes
# (``key_rotation_max_bytes``) and the lists must equal the user's stored keys, which the quotas bound.


class CredentialsUpdate(BaseModel):
    """New SRP salt and verifier and the KEK wrapped under the new PDK, with a fresh SRP proof made with
    the old credentials (``POST /srp/challenges`` for one's own username first)."""

    srp_a: BigHex
    srp_m: ProofHex
    srp_salt: SaltHex
    srp_verifier: BigHex
    key_encryption_key_id: uuid.UUID = Field(
        description="The KEK the client re-wrapped (`GET /key_encryption_key`); 409 if it was rotated since."
    )
    serialized_key_encryption_key: WrappedSymmetricKey
    end_other_sessions: bool = False


class CredentialsUpdated(BaseModel):
    id: uuid.UUID
    username: str


class CredentialsResponse(BaseModel):
    user: CredentialsUpdated


class RewrappedDataKey(BaseModel):
    id: uuid.UUID
    serialized_data_encryption_key: WrappedSymmetricKey


class RewrappedKeypair(BaseModel):
    id: uuid.UUID
    encrypted_serialized_key: WrappedKey


class RewrappedSpaceKey(BaseModel):
    encryption_space_id: uuid.UUID
    serialized_data_encryption_key: WrappedSymmetricKey


class KeyRotation(BaseModel):
    """A new KEK (wrapped under the PDK) and every key it wraps, re-wrapped under it.

    The three lists must name exactly the user's current DEKs, keypairs and space copies: a key added or
    removed since the client read them answers 409 ``keys_changed`` and nothing changes.
    """

    srp_a: BigHex
    srp_m: ProofHex
    key_encryption_key_id: uuid.UUID = Field(description="The KEK being replaced.")
    serialized_key_encryption_key: WrappedSymmetricKey
    data_encryption_keys: list[RewrappedDataKey]
    keypairs: list[RewrappedKeypair]
    encryption_spaces: list[RewrappedSpaceKey]


class KeyRotationResponse(BaseModel):
    key_encryption_key: KeyEncryptionKeyRead
