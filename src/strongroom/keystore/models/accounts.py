"""SRP accounts, username reservations, login challenges, sessions and the server's own secrets."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from strongroom.keystore.models.base import Base
from strongroom.kit.ids import new_id
from strongroom.kit.sessions import CLIENT_NAME_MAX_LENGTH

USERNAME_LENGTH = 64


class User(Base):
    """A Keystore account: a username and its SRP verifier (the server never learns the password)."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), unique=True)
    srp_salt: Mapped[str] = mapped_column(String(128))
    srp_verifier: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime]


class UsernameReservation(Base):
    """A username handed out by ``POST /srp/username``, kept from being handed out again until it expires."""

    __tablename__ = "username_reservations"

    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SrpChallenge(Base):
    """The server half of one SRP login in progress, single use and short-lived.

    Kept in the database so that any process of a pool can finish a login that another one began. Found
    again by ``(username, a_hash)``: the client repeats ``srp_a`` and the username, never a challenge id.
    ``user_id`` is null for a username without an account (the challenge is a decoy, the login will fail).
    """

    __tablename__ = "srp_challenges"
    __table_args__ = (Index("ix_srp_challenges_username_a_hash", "username", "a_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    a_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    b_secret: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Session(Base):
    """A login session; only the SHA-256 of its token is stored. ``client_name`` is what the client called
    itself at login (or its User-Agent); ``last_used_at`` is refreshed at most once per
    ``session_touch_interval`` (kit/sessions.py)."""

    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    client_name: Mapped[str | None] = mapped_column(String(CLIENT_NAME_MAX_LENGTH))
    last_used_at: Mapped[datetime | None]


class ServerSecret(Base):
    """Random server-side keys made once per database (e.g. the key of the decoy SRP salts)."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary(64))
