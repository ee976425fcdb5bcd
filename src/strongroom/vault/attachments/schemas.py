"""Bodies of the direct-attachment routes, in the shape of Meeco's ``DirectAttachmentsApi``.

``filename`` and ``content_type`` are accepted (Meeco's clients send them) and never stored: the Vault
keeps only sizes. The SDK sends neither.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class UploadBlobIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    filename: str | None = Field(default=None, max_length=1000)
    content_type: str | None = Field(default=None, max_length=200)
    byte_size: int = Field(ge=0, le=1 << 62)


class UploadUrlIn(BaseModel):
    """``POST /direct/attachments/upload_url``: announce an upload of ``byte_size`` bytes."""

    model_config = ConfigDict(extra="ignore")

    blob: UploadBlobIn


class UploadUrl(BaseModel):
    url: str
    blob_id: uuid.UUID
    blob_key: str


class UploadUrlOut(BaseModel):
    attachment_direct_upload_url: UploadUrl


class BlobOut(BaseModel):
    id: uuid.UUID
    byte_size: int
    state: Literal["pending", "stored"]
    created_at: datetime
    stored_at: datetime | None


class BlobEnvelope(BaseModel):
    blob: BlobOut


class AttachBlobsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    blob_id: uuid.UUID
    blob_key: str | None = Field(default=None, max_length=200)
    encrypted_artifact_blob_id: uuid.UUID
    encrypted_artifact_blob_key: str | None = Field(default=None, max_length=200)


class AttachIn(BaseModel):
    """``POST /direct/attachments``: an attachment from a stored ciphertext blob and its artefact record."""

    model_config = ConfigDict(extra="ignore")

    blob: AttachBlobsIn


class RemoteFile(BaseModel):
    """One blob of an attachment: where to fetch it (``GET``, ``Range`` allowed) and its length."""

    id: uuid.UUID
    url: str
    byte_size: int
    content_type: str = "application/octet-stream"
    filename: str | None = None


class AttachmentOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    slot_id: uuid.UUID | None
    item_id: uuid.UUID | None
    is_direct_upload: bool = True
    main: RemoteFile
    encryption_artifact: RemoteFile
    created_at: datetime
    linked_at: datetime | None


class AttachmentEnvelope(BaseModel):
    attachment: AttachmentOut
