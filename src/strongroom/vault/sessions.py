"""Vault session tokens that store nothing until their holder shows possession of the login key.

``POST /session`` is unauthenticated: anyone who knows an account's public key may call it, and the answer
(the token encrypted to that key) is only useful to the holder of the private key. Writing a row per call
let a flood fill the table, so the token authenticates itself instead::

    vlt_<base64url(version ‖ session id ‖ user id ‖ epoch ‖ issued at ‖ expires at ‖ name ‖ HMAC-SHA256)>

signed with a key made once per database (``server_secrets``). The first request that presents it — which
only the holder of the private key can do, having decrypted it — writes its ``sessions`` row (the hash
only, as before); from then on it is an ordinary session. Version 2 carries the client's name (one length
byte, then at most ``NAME_BYTES`` of UTF-8, cut at a character) so that the row can show it: the token is
RSA-OAEP-encrypted to a login key of at least 2048 bits, which holds 214 bytes, so the name is short.
The wire format is unchanged: clients (Meeco's 0.9 SDK included) see an opaque string, just longer.

Ending sessions without rows to delete: a logged-out row is kept, marked ``revoked_at``, until the token's
own expiry, so the token cannot come back as "unused"; "log out everywhere" bumps ``users.session_epoch``,
and a token of an older epoch is refused. The epoch is read under the user row's lock (``FOR UPDATE``),
so a first use racing a bump either lands before it (and its row is then ended with the others) or sees
the new epoch. A deleted account takes its user id with it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.ids import new_id
from strongroom.vault.models import ServerSecret, User, VaultSession

PREFIX = "vlt_"
SECRET_NAME = "session_signing"  # noqa: S105 -- the name of a row, not a secret
_VERSION = 2
_BODY = struct.Struct(">B16s16sIqq")  # version, session id, user id, epoch, issued µs, expires µs
_MAC_BYTES = 32
TOKEN_BYTES = _BODY.size + _MAC_BYTES  # a version 1 token (no name), and the shape of a decoy
NAME_BYTES = 48
_MAX_TOKEN_LENGTH = 300


@dataclass(frozen=True)
class SessionClaims:
    session_id: uuid.UUID
    user_id: uuid.UUID
    epoch: int
    issued_at: datetime
    expires_at: datetime
    client_name: str | None = None


def _micros(value: datetime) -> int:
    return int((value - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))


def _from_micros(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, b"strongroom vault session\x00" + body, hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _name_bytes(name: str | None) -> bytes:
    raw = (name or "").encode("utf-8")[:NAME_BYTES]
    return raw.decode("utf-8", errors="ignore").encode("utf-8")  # a cut character goes whole


def issue(
    key: bytes,
    *,
    user_id: uuid.UUID,
    epoch: int,
    now: datetime,
    lifetime: int,
    client_name: str | None = None,
) -> str:
    """A signed token for a new session of ``user_id``; nothing is stored."""
    name = _name_bytes(client_name)
    body = (
        _BODY.pack(
            _VERSION,
            new_id().bytes,
            user_id.bytes,
            epoch,
            _micros(now),
            _micros(now + timedelta(seconds=lifetime)),
        )
        + bytes([len(name)])
        + name
    )
    return _encode(body + _mac(key, body))


def decoy() -> str:
    """A token of the same shape that opens nothing (the answer for a public key without an account)."""
    return _encode(secrets.token_bytes(TOKEN_BYTES))


def verify(key: bytes, token: str) -> SessionClaims | None:
    """The claims of a token this server signed, or None (any other string; constant-time MAC check)."""
    if not token.startswith(PREFIX) or len(token) > _MAX_TOKEN_LENGTH:
        return None
    text = token[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None
    if len(raw) < TOKEN_BYTES:
        return None
    body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(key, body)):
        return None
    version, session_id, user_id, epoch, issued, expires = _BODY.unpack(body[: _BODY.size])
    name: str | None = None
    if version == 2:
        tail = body[_BODY.size :]
        if not tail or tail[0] != len(tail) - 1:
            return None
        name = tail[1:].decode("utf-8", errors="replace") or None
    elif version != 1 or len(body) != _BODY.size:
        return None
    return SessionClaims(
        session_id=uuid.UUID(bytes=session_id),
        user_id=uuid.UUID(bytes=user_id),
        epoch=epoch,
        issued_at=_from_micros(issued),
        expires_at=_from_micros(expires),
        client_name=name,
    )


async def materialize(
    session: AsyncSession, claims: SessionClaims, token_hash: str, now: datetime
) -> VaultSession | None:
    """The first use of a verified token: its row, written now (None if expired, of an older epoch, or the
    account is gone). Of racing first uses, one inserts and the others read its row."""
    if claims.expires_at <= now:
        return None
    epoch = (
        await session.execute(select(User.session_epoch).where(User.id == claims.user_id).with_for_update())
    ).scalar()
    if epoch is None or epoch != claims.epoch:
        return None
    row = VaultSession(
        id=claims.session_id,
        user_id=claims.user_id,
        token_hash=token_hash,
        created_at=claims.issued_at,
        expires_at=claims.expires_at,
        client_name=claims.client_name,
        last_used_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return (
            await session.execute(select(VaultSession).where(VaultSession.token_hash == token_hash))
        ).scalar_one_or_none()
    return row


async def touch(session: AsyncSession, session_id: uuid.UUID, now: datetime, interval: int) -> None:
    """Record a use of a live session, unless another request recorded one less than ``interval`` ago."""
    stale = now - timedelta(seconds=interval)
    await session.execute(
        update(VaultSession)
        .where(
            VaultSession.id == session_id,
            VaultSession.revoked_at.is_(None),
            or_(VaultSession.last_used_at.is_(None), VaultSession.last_used_at <= stale),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


async def signing_key(session: AsyncSession) -> bytes:
    """The session signing key: made once per database, shared by every process of a pool."""
    existing = await session.get(ServerSecret, SECRET_NAME)
    if existing is not None:
        return existing.value
    try:
        async with session.begin_nested():
            session.add(ServerSecret(name=SECRET_NAME, value=secrets.token_bytes(32)))
    except IntegrityError:
        pass
    stored = await session.execute(select(ServerSecret.value).where(ServerSecret.name == SECRET_NAME))
    return stored.scalar_one()
