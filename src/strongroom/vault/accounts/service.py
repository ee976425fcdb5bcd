"""Account rules: admission tokens, sign-up (``POST /me``), profile, log-in (``POST /session``), log-out."""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.crypto import KeyFormatError, encrypt_with_public_key, load_public_key
from strongroom.kit.errors import AppError, conflict, invalid, not_found
from strongroom.kit.settings import Settings, SignupPolicy
from strongroom.kit.signatures import replayed
from strongroom.kit.tokens import hash_token, new_token
from strongroom.vault import sessions
from strongroom.vault.accounts import proof, session_list, verification
from strongroom.vault.accounts import repository as repo
from strongroom.vault.accounts.schemas import (
    AdmissionTokenOut,
    MeIn,
    UserOut,
    UserUpdateIn,
)
from strongroom.vault.attachments import garbage as attachment_garbage
from strongroom.vault.auth import Principal
from strongroom.vault.connections import hooks as connection_hooks
from strongroom.vault.invitations import repository as invitations
from strongroom.vault.models import AdmissionToken, User
from strongroom.vault.validation import check_email

log = logging.getLogger("strongroom.vault.accounts")

ADMISSION_PREFIX = "adm"
MIN_LOGIN_KEY_BITS = 2048


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        full_name=user.full_name,
        email=user.email,
        private_encryption_space_id=user.private_encryption_space_id,
        joined_at=user.joined_at,
        onboarded_at=user.joined_at,
        verified_at=user.email_verified_at if user.email is not None else None,
    )


def _login_key(pem: str) -> tuple[RSAPublicKey, str]:
    """The RSA key in ``pem`` and the hash that identifies it (SHA-256 of its DER, so PEM line ends don't
    matter); 422 ``invalid_public_key`` for anything else or a key under 2048 bits."""
    try:
        key = load_public_key(pem)
    except KeyFormatError:
        raise invalid("invalid_public_key", "public_key is not a PEM RSA public key") from None
    if key.key_size < MIN_LOGIN_KEY_BITS:
        raise invalid("invalid_public_key", f"public_key must have at least {MIN_LOGIN_KEY_BITS} bits")
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, hashlib.sha256(der).hexdigest()


def _encrypted_token(key: RSAPublicKey, token: str) -> str:
    return encrypt_with_public_key(key, token.encode("ascii"))


async def _open_session(
    session: AsyncSession,
    user_id: uuid.UUID,
    now: datetime,
    settings: Settings,
    key: bytes,
    client_name: str | None,
) -> str:
    """A new session token for ``user_id``. Nothing is stored: the token's first use writes its row
    (vault/sessions.py), so unauthenticated calls of ``POST /session`` leave nothing behind."""
    epoch = await repo.session_epoch(session, user_id)
    return sessions.issue(
        key,
        user_id=user_id,
        epoch=epoch,
        now=now,
        lifetime=settings.session_lifetime,
        client_name=client_name,
    )


# --- admission tokens (service credential) ---------------------------------------------------------


async def issue_admission_token(session: AsyncSession, now: datetime) -> AdmissionTokenOut:
    """A fresh single-use admission token; its value is returned here only (the hash is stored)."""
    value = new_token(ADMISSION_PREFIX)
    row = AdmissionToken(token_hash=hash_token(value), used=False, created_at=now)
    session.add(row)
    await session.flush()
    return AdmissionTokenOut(id=row.id, token_value=value, used=False)


async def admission_token_status(session: AsyncSession, token_value: str) -> AdmissionTokenOut:
    """The token with its current ``used`` flag; 404 when unknown."""
    row = await repo.admission_token_by_hash(session, hash_token(token_value))
    if row is None:
        raise not_found("admission token")
    return AdmissionTokenOut(id=row.id, token_value=token_value, used=row.used)


# --- sign-up, profile, deletion --------------------------------------------------------------------


async def create_account(
    session: AsyncSession,
    body: MeIn,
    now: datetime,
    settings: Settings,
    signing_key: bytes,
    client_name: str | None = None,
) -> tuple[User, str]:
    """Create the account ``body.admission_token`` admits, with ``body.public_key`` as its login key.

    Returns the user and a session token encrypted to that key (``Rsa<bits>`` cryppo string). 401
    ``invalid_admission_token`` for an unknown token; 409 ``admission_token_used`` when already used (of N
    racing requests exactly one wins); 409 ``public_key_taken`` when another account logs in with that key;
    422 ``invalid_public_key``. The sign-up policy (``settings.signups``) may refuse first (403, see
    :func:`_admitted_email`).
    """
    key, key_hash = _login_key(body.public_key)
    invited_email = await _admitted_email(session, body, now, settings)
    token_row = await repo.admission_token_by_hash(session, hash_token(body.admission_token))
    if token_row is None:
        raise AppError(401, "invalid_admission_token", "unknown admission token")
    if token_row.used or not await repo.claim_admission_token(session, token_row.id, now):
        raise conflict("admission_token_used", "the admission token has already been used")
    if await repo.user_id_by_login_key(session, key_hash) is not None:
        raise conflict("public_key_taken", "another account already uses this public key")
    user = User(
        full_name=None,
        email=invited_email,
        email_verified_at=now if invited_email is not None else None,
        private_encryption_space_id=None,
        login_public_key=body.public_key,
        login_key_hash=key_hash,
        admission_token_id=token_row.id,
        joined_at=now,
        updated_at=now,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        # Two sign-ups with different admission tokens but the same key raced past the check above.
        raise conflict("public_key_taken", "another account already uses this public key") from None
    token = await _open_session(session, user.id, now, settings, signing_key, client_name)
    log.info("account created", extra={"user_id": str(user.id)})
    return user, _encrypted_token(key, token)


async def _admitted_email(session: AsyncSession, body: MeIn, now: datetime, settings: Settings) -> str | None:
    """The verified address a sign-up brings, if any, after the sign-up policy let it in.

    ``closed``: 403 ``signups_closed``. ``invite``: 403 ``invitation_required`` unless
    ``body.invitation_token`` is the token of a live invitation with an email (that address, proven by the
    token mailed to it, becomes the account's). Outside ``signup_domains``: 403 ``email_domain_not_allowed``.
    """
    if settings.signups == SignupPolicy.CLOSED:
        raise AppError(403, "signups_closed", "this server does not accept new accounts")
    invitation = None
    if body.invitation_token:
        invitation = await invitations.live_by_token_hash(session, hash_token(body.invitation_token), now)
    if invitation is None or invitation.email is None:
        if settings.signups == SignupPolicy.INVITE:
            raise AppError(403, "invitation_required", "sign-up needs a live invitation mailed to you")
        return None
    verification.check_domain(invitation.email, settings)
    return invitation.email


async def get_me(session: AsyncSession, principal: Principal) -> User:
    user = await repo.user_by_id(session, principal.user_id)
    if user is None:  # deleted in a concurrent request after authentication
        raise AppError(401, "unauthorized", "invalid or expired session token")
    return user


async def update_me(session: AsyncSession, principal: Principal, body: UserUpdateIn, now: datetime) -> User:
    """Set the fields present in ``body`` (null clears). 422 ``invalid_email`` for a malformed address."""
    user = await get_me(session, principal)
    fields = body.model_fields_set
    if "email" in fields:
        email = check_email(body.email) if body.email else None
        if email != user.email:
            user.email = email
            user.email_verified_at = None
    if "full_name" in fields:
        user.full_name = body.full_name.strip() or None if body.full_name is not None else None
    if "private_encryption_space_id" in fields:
        user.private_encryption_space_id = body.private_encryption_space_id or None
    user.updated_at = now
    await session.flush()
    return user


async def delete_me(
    session: AsyncSession, principal: Principal, request_signature: str, now: datetime, settings: Settings
) -> None:
    """Delete the account and everything in it: items, keys, invitations, both rows of every connection,
    shares given and received, tasks, sessions (the database cascades from the user row).

    Needs a fresh signature by the login private key (``proof.py``): 422 ``invalid_request_signature``,
    403 ``proof_refused``, ``stale_signature`` or ``signature_replayed``; a refusal deletes nothing.
    """
    user = await get_me(session, principal)
    key, _ = _login_key(user.login_public_key)
    digest, fresh_until = proof.check_deletion_signature(
        request_signature, key, now=now, max_skew=settings.claim_signature_max_skew
    )
    if not await repo.use_request_signature(session, digest, fresh_until, now):
        raise replayed()
    connection_ids = await repo.connection_ids_of(session, principal.user_id)
    if connection_ids:
        # The peers' clients are asked to delete what the connections leave in their Keystores.
        await connection_hooks.on_connection_deleted(session, connection_ids, now)
    await repo.delete_user(session, principal.user_id)
    attachment_garbage.note(session)  # the account's blobs lose their rows; the collector deletes them
    log.info("account deleted", extra={"user_id": str(principal.user_id)})


# --- sessions ---------------------------------------------------------------------------------------


async def log_in(
    session: AsyncSession,
    public_pem: str,
    now: datetime,
    settings: Settings,
    signing_key: bytes,
    client_name: str | None = None,
) -> str:
    """A session token encrypted to ``public_pem`` if it is an account's login key; writes nothing.

    For an unknown key the answer has the same shape: random bytes shaped like a token, encrypted to the
    given key, so the reply tells nothing about which keys have accounts. 422 ``invalid_public_key`` when
    the key is not an RSA public key.
    """
    key, key_hash = _login_key(public_pem)
    user_id = await repo.user_id_by_login_key(session, key_hash)
    if user_id is None:
        return _encrypted_token(key, sessions.decoy())
    token = await _open_session(session, user_id, now, settings, signing_key, client_name)
    return _encrypted_token(key, token)


async def log_out(session: AsyncSession, principal: Principal, now: datetime) -> None:
    """End the current session. Its row stays, revoked, until the token's own expiry: deleted, the token
    would verify as an unused one again."""
    await repo.revoke_session(session, principal.session_id, now)
    await repo.delete_expired_sessions(session, principal.user_id, now)


async def log_out_all(
    session: AsyncSession, principal: Principal, *, except_current: bool, now: datetime
) -> None:
    """End every session of the user (all but the current one with ``except_current``, which is
    ``DELETE /sessions``): the epoch bump ends the tokens never used yet, the deletion the used ones."""
    if except_current:
        await session_list.end_other_sessions(session, principal, now)
    else:
        await repo.bump_session_epoch(session, principal.user_id)
        await repo.delete_sessions_of(session, principal.user_id, keep=None)
    await repo.delete_expired_sessions(session, principal.user_id, now)
