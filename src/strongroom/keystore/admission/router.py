"""HTTP route of Vault admission (thin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from strongroom.keystore.admission import service
from strongroom.keystore.admission.schemas import ExternalAdmissionTokenResponse
from strongroom.keystore.admission.vault_client import VaultAdmissions
from strongroom.keystore.deps import ClockDep
from strongroom.keystore.principal import CurrentUser
from strongroom.kit.db import DbSession, writes
from strongroom.kit.errors import error_response, error_responses

router = APIRouter(tags=["external_admission_tokens"])


async def _vault(request: Request) -> VaultAdmissions:
    vault: VaultAdmissions = request.app.state.vault_admissions
    return vault


@router.get(
    "/external_admission_tokens",
    response_model=ExternalAdmissionTokenResponse,
    responses=error_responses(401, 409, 502, 503),
)
@writes  # Read-then-write: the first call stores the account's token.
async def get_external_admission_token(
    principal: CurrentUser,
    session: DbSession,
    clock: ClockDep,
    vault: Annotated[VaultAdmissions, Depends(_vault)],
) -> Any:
    """A single-use Vault admission token for this account (the same one until it is used)."""
    try:
        token = await service.external_admission_token(session, principal, vault, now=clock.now())
    except service.AdmissionTokenUsed as used:
        return error_response(used.status, used.code, used.message)
    return ExternalAdmissionTokenResponse(external_admission_token=token)
