"""Account rules: admission tokens, sign-up (``POST /me``), profile, log-in (``POST /session``), log-out."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.crypto import KeyFormatError, encrypt_with_public_key, load_public_key
from strongroom.kit.errors import AppError, conflict, invalid, not_found
from strongroom.kit.settings import Settings
from strongroom.kit.tokens import hash_token, new_token
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
from strongroom.vault.models import AdmissionToken, User
from strongroom.vault.validation import check_email

log = logging.getLogger("strongroom.vault.accounts")

ADMISSION_PREFIX = "adm"
SESSION_PREFIX = "vlt"
MIN_LOGIN_KEY_BITS = 2048


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        full_name=user.full_name,
        email=user.email,
        private_encryption_space_id=user.private_encryption_space_id,
        joined_at=user.joined_at,
        onboarded_at=user.joined_at,
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


async def _open_session(session: AsyncSession, user_id: uuid.UUID, now: datetime, settings: Settings) -> str:
    """A new session for ``user_id``; returns its token (only the hash is stored)."""
    token = new_token(SESSION_PREFIX)
    expires_at = now + timedelta(seconds=settings.session_lifetime)
    await repo.add_session(session, user_id, hash_token(token), now, expires_at)
    return token


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
    session: AsyncSession, body: MeIn, now: datetime, settings: Settings
) -> tuple[User, str]:
    """Create the account ``body.admission_token`` admits, with ``body.public_key`` as its login key.

    Returns the user and a session token encrypted to that key (``Rsa<bits>`` cryppo string). 401
    ``invalid_admission_token`` for an unknown token; 409 ``admission_token_used`` when already used (of N
    racing requests exactly one wins); 409 ``public_key_taken`` when another account logs in with that key;
    422 ``invalid_public_key``.
    """
    key, key_hash = _login_key(body.public_key)
    token_row = await repo.admission_token_by_hash(session, hash_token(body.admission_token))
    if token_row is None:
        raise AppError(401, "invalid_admission_token", "unknown admission token")
    if token_row.used or not await repo.claim_admission_token(session, token_row.id, now):
        raise conflict("admission_token_used", "the admission token has already been used")
    if await repo.user_id_by_login_key(session, key_hash) is not None:
        raise conflict("public_key_taken", "another account already uses this public key")
    user = User(
        full_name=None,
        email=None,
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
    token = await _open_session(session, user.id, now, settings)
    log.info("account created", extra={"user_id": str(user.id)})
    return user, _encrypted_token(key, token)


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
        user.email = check_email(body.email) if body.email else None
    if "full_name" in fields:
        user.full_name = body.full_name.strip() or None if body.full_name is not None else None
    if "private_encryption_space_id" in fields:
        user.private_encryption_space_id = body.private_encryption_space_id or None
    user.updated_at = now
    await session.flush()
    return user


async def delete_me(session: AsyncSession, principal: Principal) -> None:
    """Delete the account and everything in it: items, keys, invitations, both rows of every connection,
    shares given and received, tasks, sessions (the database cascades from the user row)."""
    connection_ids = await repo.connection_ids_of(session, principal.user_id)
    if connection_ids:
        await connection_hooks.on_connection_deleted(session, connection_ids)
    await repo.delete_user(session, principal.user_id)
    attachment_garbage.note(session)  # the account's blobs lose their rows; the collector deletes them
    log.info("account deleted", extra={"user_id": str(principal.user_id)})


# --- sessions ---------------------------------------------------------------------------------------


async def log_in(session: AsyncSession, public_pem: str, now: datetime, settings: Settings) -> str:
    """A session token encrypted to ``public_pem`` if it is an account's login key.

    For an unknown key the answer has the same shape: a random token that is never stored, encrypted to
    the given key, so the reply tells nothing about which keys have accounts. 422 ``invalid_public_key``
    when the key is not an RSA public key.
    """
    key, key_hash = _login_key(public_pem)
    user_id = await repo.user_id_by_login_key(session, key_hash)
    if user_id is None:
        return _encrypted_token(key, f"{SESSION_PREFIX}_{secrets.token_urlsafe(32)}")
    await repo.delete_expired_sessions(session, user_id, now)
    token = await _open_session(session, user_id, now, settings)
    return _encrypted_token(key, token)


async def log_out(session: AsyncSession, principal: Principal) -> None:
    await repo.delete_session(session, principal.session_id)


async def log_out_all(session: AsyncSession, principal: Principal, *, except_current: bool) -> None:
    await repo.delete_sessions_of(
        session, principal.user_id, keep=principal.session_id if except_current else None
    )
