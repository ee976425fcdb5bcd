"""Business rules of SRP accounts and sessions.

The SRP arithmetic (a few 2048-bit modular exponentiations, milliseconds each) runs with no write
transaction open: logins read in the request's transaction and write through ``SrpContext.writer``, a short
write transaction per write (``kit.db.short_writes``), so that on SQLite the arithmetic never holds the
process's write lock while every other writer queues behind it. It runs on the event loop: ``pow`` on big
integers holds the GIL, so a worker thread let nothing else run meanwhile and only added a thread hop
(measured: about 3 ms more CPU per login, and lower throughput, under wrk at 1 and 16 connections).

A username without an account gets a decoy challenge built from a salt and a verifier derived from the
username under a server secret (``decoy.py``): stable across requests, shaped like the real thing, and run
through the same arithmetic as a real challenge, so that neither the answer nor its timing tells whether
the account exists.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.crypto import (
    N,
    SrpError,
    base58_encode,
    check_verifier,
    server_challenge,
    server_verify,
)
from strongroom.keystore.housekeeping import Housekeeping
from strongroom.keystore.models import Session, SrpChallenge, User
from strongroom.keystore.principal import Principal
from strongroom.keystore.sessions import service as session_list
from strongroom.keystore.srp import repository
from strongroom.keystore.srp.decoy import decoy_salt, decoy_verifier
from strongroom.keystore.srp.schemas import (
    AccountDelete,
    ChallengeCreate,
    ChallengeRead,
    SessionCreate,
    SessionRead,
    UserCreate,
    UsernameRead,
    UserRead,
)
from strongroom.kit.errors import AppError, conflict, invalid, rate_limited
from strongroom.kit.ratelimit import RateLimiter, enforce
from strongroom.kit.settings import Settings
from strongroom.kit.tokens import hash_token, new_token

log = logging.getLogger("strongroom.keystore.srp")

SERVER_SECRET_NAME = "srp_decoy"  # noqa: S105 -- the name of a row, not a secret
SESSION_TOKEN_PREFIX = "ks"  # noqa: S105 -- a public prefix
_USERNAME_BYTES = 12  # ~16 Base58 characters, 96 random bits


class LoginFailed(AppError):
    """401 ``login_failed``: wrong proof, unknown or reused challenge, unknown user (all alike)."""

    def __init__(self) -> None:
        super().__init__(401, "login_failed", "the login failed; start again with a new challenge")


@dataclass(frozen=True)
class SrpContext:
    """What the SRP rules need besides the database: time, settings, limits, the decoy key, the caller, and
    ``writer()``: where to write (``kit.db.writer_for``: a short write transaction, committed when its block
    ends, or the request's own session when the request writes)."""

    now: datetime
    settings: Settings
    limiter: RateLimiter
    server_secret: bytes
    address: str
    housekeeping: Housekeeping
    writer: Callable[[], AbstractAsyncContextManager[AsyncSession]]


def _a_hash(srp_a: str) -> str:
    # Hash of the bytes, so that the hex case the client used does not matter. An odd number of digits
    # (the schema's pattern admits it) is the same number with a leading zero; bytes.fromhex refuses it.
    digits = srp_a if len(srp_a) % 2 == 0 else "0" + srp_a
    return hashlib.sha256(bytes.fromhex(digits)).hexdigest()


# Limits that refuse are keyed per username *and* address (and per address alone), so an attacker elsewhere
# cannot lock the owner out; the per-username keys over all addresses only slow answers down (backstop).
def _challenge_keys(username: str, address: str) -> tuple[str, str]:
    return f"ks:srp:challenge:user-addr:{username}:{address}", f"ks:srp:challenge:user:{username}"


def _failure_keys(username: str, address: str) -> tuple[str, str, str]:
    return (
        f"ks:srp:fail:user-addr:{username}:{address}",
        f"ks:srp:fail:addr:{address}",
        f"ks:srp:fail:user:{username}",
    )


async def _backstop_delay(ctx: SrpContext, blocked: int | None) -> None:
    """Past a per-username backstop, answer late rather than not at all: guessing slows for everyone,
    and the owner still gets in."""
    if blocked is not None and ctx.settings.srp_backstop_delay > 0:
        await asyncio.sleep(ctx.settings.srp_backstop_delay)


async def reserve_username(
    session: AsyncSession, *, now: datetime, settings: Settings, housekeeping: Housekeeping
) -> UsernameRead:
    """Hand out a fresh random username, reserved for ``username_reservation_lifetime`` seconds."""
    if housekeeping.due("username_reservations", now):
        await repository.purge_expired_reservations(session, now)
    while True:
        username = base58_encode(secrets.token_bytes(_USERNAME_BYTES))
        if not await repository.username_in_use(session, username):
            break
    expires_at = now + timedelta(seconds=settings.username_reservation_lifetime)
    await repository.add_reservation(session, username, expires_at)
    return UsernameRead(username=username, expires_at=expires_at)


async def register(session: AsyncSession, data: UserCreate, *, now: datetime, settings: Settings) -> UserRead:
    """Create the account ``data.username`` with its SRP salt and verifier.

    409 ``username_taken`` if the name has an account (also when two registrations race); 422
    ``invalid_srp_value`` for a salt or verifier out of range; 422 ``username_not_reserved`` when settings
    require a reservation and there is none.
    """
    try:
        check_verifier(data.srp_salt, data.srp_verifier)
    except SrpError:
        raise invalid("invalid_srp_value", "srp_salt or srp_verifier is out of range") from None
    if await repository.user_by_username(session, data.username) is not None:
        raise _username_taken()
    if settings.srp_require_username_reservation and (
        await repository.live_reservation(session, data.username, now) is None
    ):
        raise invalid("username_not_reserved", "the username was not handed out by POST /srp/username")
    await repository.drop_reservation(session, data.username)
    user = User(
        username=data.username,
        srp_salt=data.srp_salt.lower(),
        srp_verifier=data.srp_verifier.lower(),
        created_at=now,
    )
    try:
        await repository.add_user(session, user)
    except IntegrityError:
        raise _username_taken() from None
    log.info("account created", extra={"user_id": str(user.id)})
    return UserRead(id=user.id, username=user.username)


def _username_taken() -> AppError:
    return conflict("username_taken", "the username is taken")


def _challenge_arithmetic(username: str, verifier: str | None, secret: bytes) -> tuple[str, str]:
    # The decoy is derived for every username (a few HMACs), so both paths do the same work.
    decoy = decoy_verifier(username, secret)
    return server_challenge(verifier or decoy)


async def start_login(session: AsyncSession, data: ChallengeCreate, *, ctx: SrpContext) -> ChallengeRead:
    """Begin an SRP login: store the server's secret ``b`` for ``(username, A)`` and answer salt and ``B``.

    Unknown usernames get a decoy challenge (see the module doc). 422 ``invalid_srp_value`` for
    ``A ≡ 0 (mod N)``; 429 after ``srp_challenges_per_username`` challenges in the window from one address
    for one username; slowed past ``srp_challenges_backstop_per_username`` from all addresses.
    """
    if int(data.srp_a, 16) % N == 0:
        raise invalid("invalid_srp_value", "srp_a is out of range")
    settings = ctx.settings
    pair_key, user_key = _challenge_keys(data.username, ctx.address)
    await enforce(ctx.limiter, pair_key, settings.srp_challenges_per_username, settings.srp_challenges_window)
    await _backstop_delay(
        ctx,
        await ctx.limiter.hit(
            user_key, settings.srp_challenges_backstop_per_username, settings.srp_challenges_window
        ),
    )
    user = await repository.user_by_username(session, data.username)
    salt = user.srp_salt if user else decoy_salt(data.username, ctx.server_secret)
    b_secret, public_b = _challenge_arithmetic(
        data.username, user.srp_verifier if user else None, ctx.server_secret
    )
    async with ctx.writer() as writer:
        if ctx.housekeeping.due("srp_challenges", ctx.now):
            await repository.purge_expired_challenges(writer, ctx.now)
        await repository.add_challenge(
            writer,
            SrpChallenge(
                username=data.username,
                a_hash=_a_hash(data.srp_a),
                user_id=user.id if user else None,
                b_secret=b_secret,
                expires_at=ctx.now + timedelta(seconds=settings.srp_challenge_lifetime),
            ),
        )
    return ChallengeRead(challenge_salt=salt, challenge_b=public_b)


def _verify_arithmetic(
    *, username: str, secret: bytes, user: tuple[str, str] | None, b_secret: str | None, a: str, m1: str
) -> str | None:
    """M2 if the proof is right, else None. Same work whatever is missing (account, challenge)."""
    decoy = decoy_salt(username, secret), decoy_verifier(username, secret)
    salt, verifier = user if user else decoy
    try:
        return server_verify(
            salt_hex=salt,
            verifier_hex=verifier,
            b_hex=b_secret or secrets.token_bytes(32).hex(),
            a_hex=a,
            m1_hex=m1,
        )
    except SrpError:
        return None


async def check_proof(
    session: AsyncSession, *, username: str, srp_a: str, srp_m: str, ctx: SrpContext
) -> tuple[User, str]:
    """Consume the challenge of ``(username, A)`` and check the proof ``M1``; returns the user and ``M2``.

    Raises :class:`LoginFailed` (the challenge stays consumed: see :func:`finish_login`) and 429 while
    the username or the address is blocked by failed proofs.
    """
    settings = ctx.settings
    window = settings.srp_failures_window
    pair_key, address_key, user_key = _failure_keys(username, ctx.address)
    for key, limit in (
        (pair_key, settings.srp_failures_per_username),
        (address_key, settings.srp_failures_per_address),
    ):
        retry = await ctx.limiter.blocked(key, limit, window)
        if retry is not None:
            raise rate_limited(retry)
    await _backstop_delay(
        ctx, await ctx.limiter.blocked(user_key, settings.srp_failures_backstop_per_username, window)
    )
    # Consumed (committed, with a short write transaction) before the arithmetic: of racing attempts on one
    # challenge exactly one gets it, and a failed proof cannot be retried against it.
    async with ctx.writer() as writer:
        challenge = await repository.take_challenge(writer, username, _a_hash(srp_a), ctx.now)
    user = (
        await repository.user_by_id(session, challenge.user_id) if challenge and challenge.user_id else None
    )
    if user is not None and user.username != username:
        user = None
    m2 = _verify_arithmetic(
        username=username,
        secret=ctx.server_secret,
        user=(user.srp_salt, user.srp_verifier) if user else None,
        b_secret=challenge.b_secret if challenge else None,
        a=srp_a,
        m1=srp_m,
    )
    if m2 is None or user is None:
        await ctx.limiter.hit(pair_key, settings.srp_failures_per_username, window)
        await ctx.limiter.hit(address_key, settings.srp_failures_per_address, window)
        await ctx.limiter.hit(user_key, settings.srp_failures_backstop_per_username, window)
        log.info("login failed", extra={"challenge_found": challenge is not None})
        raise LoginFailed()
    await ctx.limiter.reset(pair_key)
    return user, m2


async def finish_login(
    session: AsyncSession, data: SessionCreate, *, ctx: SrpContext, client_name: str | None = None
) -> SessionRead:
    """Check the client's proof against the stored challenge (consumed whatever the outcome) and open a
    session with a fresh token.

    Raises :class:`LoginFailed` (401) for a wrong proof, an unknown, expired or reused challenge or an
    unknown user. The challenge row is deleted *before* this is raised: when ``ctx.writer()`` is the
    request's own session the caller must commit anyway (the router answers the error without raising) so
    that a failed proof burns the challenge.
    429 while the username or the address has had ``srp_failures_per_*`` failures in the window.
    """
    settings = ctx.settings
    user, m2 = await check_proof(session, username=data.username, srp_a=data.srp_a, srp_m=data.srp_m, ctx=ctx)
    token = new_token(SESSION_TOKEN_PREFIX)
    row = Session(
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=ctx.now,
        expires_at=ctx.now + timedelta(seconds=settings.session_lifetime),
        client_name=client_name,
        last_used_at=ctx.now,
    )
    async with ctx.writer() as writer:
        if ctx.housekeeping.due("sessions", ctx.now):
            await repository.purge_expired_sessions(writer, ctx.now)
        await repository.add_session(writer, row)
    log.info("session opened", extra={"user_id": str(user.id), "session_id": str(row.id)})
    return SessionRead(
        id=row.id,
        session_authentication_string=token,
        valid_from=row.created_at,
        valid_till=row.expires_at,
        username=user.username,
        srp_m2=m2,
    )


async def logout(session: AsyncSession, principal: Principal) -> None:
    """End the caller's current session: its token stops working."""
    await repository.delete_session(session, principal.user_id, principal.session_id)


async def logout_everywhere(
    session: AsyncSession, principal: Principal, *, keep_current: bool, now: datetime
) -> None:
    """End every session of the caller (all but the current one with ``keep_current``, which is
    ``DELETE /sessions``)."""
    if keep_current:
        await session_list.end_other_sessions(session, principal, now)
    else:
        await repository.delete_sessions(session, principal.user_id)


async def load_server_secret(session: AsyncSession) -> bytes:
    """The key of the decoy salts and verifiers: made once per database, shared by every process."""
    return await repository.server_secret(session, SERVER_SECRET_NAME, secrets.token_bytes(32))


async def delete_account(
    session: AsyncSession, principal: Principal, data: AccountDelete, *, ctx: SrpContext
) -> None:
    """Delete the caller's account and every record of it, after a fresh SRP proof of the password.

    The caller first asks ``POST /srp/challenges`` for their own username, then sends ``srp_a`` and
    ``srp_m`` here. Removes the user's sessions, keys, keypairs, admission token, claims, copies in other
    users' spaces, and the spaces the user created (with every member's copy, like the creator's delete).
    Raises :class:`LoginFailed` as :func:`finish_login` does (the challenge stays consumed).
    """
    user, _ = await check_proof(
        session, username=principal.username, srp_a=data.srp_a, srp_m=data.srp_m, ctx=ctx
    )
    await repository.delete_user(session, user.id)
    log.info("account deleted", extra={"user_id": str(user.id)})
