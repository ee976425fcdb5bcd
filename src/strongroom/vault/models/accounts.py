"""Accounts: users, their sessions, and the single-use admission tokens that create them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from strongroom.kit.ids import new_id
from strongroom.kit.sessions import CLIENT_NAME_MAX_LENGTH
from strongroom.vault.models.base import Base


class AdmissionToken(Base):
    """A single-use ticket (issued to the Keystore) that lets one person create one Vault account.

    Only the SHA-256 of the token is stored. ``used`` flips exactly once, by a conditional UPDATE.
    """

    __tablename__ = "admission_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class User(Base):
    """A Vault account.

    ``login_key_hash`` is the SHA-256 of the login public key's DER: the ``POST /session`` lookup.
    ``email_verified_at`` is when the current ``email`` was proven (a mailed code, or an invitation token
    mailed to it); changing ``email`` clears it.
    """

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    full_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    email_verified_at: Mapped[datetime | None]
    private_encryption_space_id: Mapped[str | None] = mapped_column(String(100))
    login_public_key: Mapped[str] = mapped_column(Text)
    login_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    admission_token_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("admission_tokens.id", ondelete="SET NULL"), unique=True
    )
    joined_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Bumped by "log out everywhere": session tokens carry the epoch they were issued in (vault/sessions.py).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class VaultSession(Base):
    """A login session that has been used: the token is shown once (encrypted to the login key) and only
    its hash is kept. Tokens are self-authenticating until first used (vault/sessions.py); a row exists from
    then on, and a logged-out one stays (``revoked_at``) until the token's own expiry."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_user_id_expires_at", "user_id", "expires_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # What the client called itself at login (carried in the token until its first use), or its User-Agent.
    client_name: Mapped[str | None] = mapped_column(String(CLIENT_NAME_MAX_LENGTH))
    # Refreshed at most once per session_touch_interval (kit/sessions.py).
    last_used_at: Mapped[datetime | None]


class ServerSecret(Base):
    """Random server-side keys made once per database (the key that signs session tokens)."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary(64))


class EmailVerification(Base):
    """A pending proof that ``user_id`` receives mail at ``email``: a code mailed there, kept as a hash.

    One per user (a new request replaces it); it dies at ``expires_at``, on success, or (counted by the
    rate limiter, which a refused request's rollback does not undo) after too many wrong guesses.
    """

    __tablename__ = "email_verifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]


class UsedRequestSignature(Base):
    """The SHA-256 of a request signature already accepted (``DELETE /me``), kept until it would be stale
    anyway, so that a captured signature cannot be replayed. Holds no user id: it outlives the account."""

    __tablename__ = "used_request_signatures"

    signature_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
