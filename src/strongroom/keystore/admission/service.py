"""Business rules of Vault admission: at most one Vault account per Keystore account.

The first request asks the Vault for a token and stores its value for the user (one row per user, so of
racing first requests exactly one token is kept, and every racer answers that one). Later requests answer
the same token while the Vault says it is unused, and 409 ``admission_token_used`` once it is used.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.keystore.admission import repository
from strongroom.keystore.admission.schemas import ExternalAdmissionTokenRead
from strongroom.keystore.admission.vault_client import VaultAdmissions, vault_error
from strongroom.keystore.models import AdmissionToken
from strongroom.keystore.principal import Principal
from strongroom.kit.errors import AppError
from strongroom.kit.tokens import hash_token

log = logging.getLogger("strongroom.keystore.admission")


async def external_admission_token(
    session: AsyncSession, principal: Principal, vault: VaultAdmissions, *, now: datetime
) -> ExternalAdmissionTokenRead:
    """The user's Vault admission token: made on first call, the same one afterwards while unused.

    409 ``admission_token_used`` (:class:`AdmissionTokenUsed`) once the Vault reports it used, from when on
    only its hash is kept; 503/502 when the Vault cannot answer.
    """
    row = await repository.token_of(session, principal.user_id)
    if row is None:
        issued = await vault.issue()
        row = AdmissionToken(
            user_id=principal.user_id,
            token_value=issued.token_value,
            vault_token_id=issued.id,
            created_at=now,
        )
        try:
            await repository.add_token(session, row)
        except IntegrityError:
            # A racing request stored its token first: answer that one (ours stays unused in the Vault).
            stored = await repository.token_of(session, principal.user_id)
            if stored is None:  # pragma: no cover - the conflicting row vanished (user deleted)
                raise vault_error() from None
            row = stored
            log.info("admission token race lost", extra={"user_id": str(principal.user_id)})
        else:
            log.info("admission token issued", extra={"user_id": str(principal.user_id)})
            return _read(row)
    if row.token_value.startswith(USED_PREFIX):
        raise AdmissionTokenUsed()
    state = await vault.lookup(row.token_value)
    if state.used:
        # Kept as a hash from now on: a used token admits nobody, and nothing needs its value again.
        row.token_value = f"{USED_PREFIX}{hash_token(row.token_value)}"
        await session.flush()
        raise AdmissionTokenUsed()
    return _read(row)


USED_PREFIX = "used:sha256:"


class AdmissionTokenUsed(AppError):
    """409 ``admission_token_used``. The router answers it without raising, so that the request's
    transaction commits the token's replacement by its hash."""

    def __init__(self) -> None:
        super().__init__(
            409, "admission_token_used", "the Vault admission token of this account has been used"
        )


def _read(row: AdmissionToken) -> ExternalAdmissionTokenRead:
    return ExternalAdmissionTokenRead(
        vault_api_admission_token=row.token_value, passphrase_store_admission_token=None
    )
