"""Rules of credential changes and KEK rotation. See README.md for why each is one transaction.

Both are authorized by a fresh SRP proof with the current credentials on top of the session token, and
both lock the user's KEK row first, so that of two concurrent changes the second sees the first's result.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.crypto import SrpError, check_verifier
from strongroom.keystore.keys.schemas import KeyEncryptionKeyRead
from strongroom.keystore.lifecycle import repository
from strongroom.keystore.lifecycle.schemas import CredentialsUpdate, CredentialsUpdated, KeyRotation
from strongroom.keystore.principal import Principal
from strongroom.keystore.srp import repository as srp_repository
from strongroom.keystore.srp.service import SrpContext, check_proof
from strongroom.keystore.validation import require_aes_wrapped
from strongroom.kit.errors import AppError, conflict, invalid, not_found, unauthorized
from strongroom.kit.ids import new_id

log = logging.getLogger("strongroom.keystore.lifecycle")


def _kek_changed() -> AppError:
    return conflict(
        "key_encryption_key_changed", "the key encryption key was rotated meanwhile: read it again and retry"
    )


async def hold_keys(session: AsyncSession, principal: Principal) -> None:
    """Called before storing any key wrapped under the KEK: waits for a rotation in progress, and refuses
    (401) a session that the rotation ended, since its client still holds the old KEK."""
    await repository.lock_kek(session, principal.user_id, exclusive=False)
    if not await repository.session_alive(session, principal.session_id):
        raise unauthorized("the session token is missing, unknown, expired or revoked")


async def change_credentials(
    session: AsyncSession, principal: Principal, data: CredentialsUpdate, *, ctx: SrpContext
) -> CredentialsUpdated:
    """Replace the SRP salt and verifier and the PDK-wrapped KEK in one transaction.

    422 ``invalid_srp_value`` / ``invalid_encrypted_key``; 404 without a KEK; :class:`LoginFailed` (401) for
    a wrong proof, which the router answers without raising so the challenge stays consumed; 409
    ``key_encryption_key_changed`` when the KEK was rotated after the client read it, 409
    ``credentials_changed`` when another change won a race.
    """
    try:
        check_verifier(data.srp_salt, data.srp_verifier)
    except SrpError:
        raise invalid("invalid_srp_value", "srp_salt or srp_verifier is out of range") from None
    require_aes_wrapped("serialized_key_encryption_key", data.serialized_key_encryption_key)
    kek = await repository.lock_kek(session, principal.user_id, exclusive=True)
    if kek is None:
        raise not_found("key encryption key")
    user, _ = await check_proof(
        session, username=principal.username, srp_a=data.srp_a, srp_m=data.srp_m, ctx=ctx
    )
    if kek.id != data.key_encryption_key_id:
        raise _kek_changed()
    if not await repository.replace_credentials(
        session,
        user,
        salt=data.srp_salt.lower(),
        verifier=data.srp_verifier.lower(),
        kek_id=kek.id,
        serialized_kek=data.serialized_key_encryption_key,
    ):
        raise conflict("credentials_changed", "the credentials were changed meanwhile by another request")
    if data.end_other_sessions:
        await srp_repository.delete_sessions(session, user.id, keep=principal.session_id)
    log.info("credentials changed", extra={"user_id": str(user.id)})
    return CredentialsUpdated(id=user.id, username=user.username)


async def rotate_kek(
    session: AsyncSession, principal: Principal, data: KeyRotation, *, ctx: SrpContext
) -> KeyEncryptionKeyRead:
    """Swap in a new KEK and every key re-wrapped under it, atomically; end every other session.

    409 ``keys_changed`` when the lists do not name exactly the user's current keys (one was added or
    removed since the client read them), 409 ``key_encryption_key_changed`` when another rotation won;
    401 / 404 / 422 as for :func:`change_credentials`.
    """
    require_aes_wrapped("serialized_key_encryption_key", data.serialized_key_encryption_key)
    for dek in data.data_encryption_keys:
        require_aes_wrapped(
            "data_encryption_keys[].serialized_data_encryption_key", dek.serialized_data_encryption_key
        )
    for pair in data.keypairs:
        require_aes_wrapped("keypairs[].encrypted_serialized_key", pair.encrypted_serialized_key)
    for copy in data.encryption_spaces:
        require_aes_wrapped(
            "encryption_spaces[].serialized_data_encryption_key", copy.serialized_data_encryption_key
        )
    kek = await repository.lock_kek(session, principal.user_id, exclusive=True)
    if kek is None:
        raise not_found("key encryption key")
    user, _ = await check_proof(
        session, username=principal.username, srp_a=data.srp_a, srp_m=data.srp_m, ctx=ctx
    )
    if kek.id != data.key_encryption_key_id:
        raise _kek_changed()
    dek_ids, keypair_ids, copies = await repository.wrapped_key_ids(session, user.id)
    deks = {d.id: d.serialized_data_encryption_key for d in data.data_encryption_keys}
    keypairs = {k.id: k.encrypted_serialized_key for k in data.keypairs}
    spaces = {c.encryption_space_id: c.serialized_data_encryption_key for c in data.encryption_spaces}
    if set(deks) != dek_ids or set(keypairs) != keypair_ids or set(spaces) != set(copies):
        raise conflict(
            "keys_changed", "the account's keys changed since they were read: read them again and retry"
        )
    new_kek_id: uuid.UUID = new_id()
    await repository.swap_keys(
        session,
        user.id,
        old_kek_id=kek.id,
        new_kek_id=new_kek_id,
        serialized_kek=data.serialized_key_encryption_key,
        deks=deks,
        keypairs=keypairs,
        copies={copies[space]: value for space, value in spaces.items()},
    )
    await srp_repository.delete_sessions(session, user.id, keep=principal.session_id)
    log.info(
        "key encryption key rotated",
        extra={"user_id": str(user.id), "keys": len(deks) + len(keypairs) + len(spaces)},
    )
    return KeyEncryptionKeyRead(
        id=new_kek_id, serialized_key_encryption_key=data.serialized_key_encryption_key
    )
