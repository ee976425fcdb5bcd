"""Response body of ``GET /external_admission_tokens`` (fields as @meeco/keystore-api-sdk 0.13)."""

from __future__ import annotations

from pydantic import BaseModel


class ExternalAdmissionTokenRead(BaseModel):
    vault_api_admission_token: str
    passphrase_store_admission_token: str | None = None


class ExternalAdmissionTokenResponse(BaseModel):
    external_admission_token: ExternalAdmissionTokenRead
