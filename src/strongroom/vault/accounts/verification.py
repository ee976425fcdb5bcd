"""Proving an account's email address: a short code mailed to it through the outbox, then confirmed.

The code is stored only as a hash of (verification id, code), lives ``email_code_lifetime`` seconds and
survives fewer than ``email_code_attempts`` wrong guesses; asking again replaces it. The mail goes through
the same outbox as invitations (sent once, body blanked after delivery). Asking is limited per account and per
mailbox, so the code mail cannot be turned against an address either.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.errors import AppError, conflict, invalid
from strongroom.kit.ids import new_id
from strongroom.kit.ratelimit import RateLimiter, enforce
from strongroom.kit.settings import Settings
from strongroom.kit.tokens import same_secret
from strongroom.vault.mail import outbox
from strongroom.vault.mail.compose import verification_mail
from strongroom.vault.mail.transport import message_domain
from strongroom.vault.models import EmailVerification, User
from strongroom.vault.validation import check_email, email_domain, mailbox_key

log = logging.getLogger("strongroom.vault.accounts")

CODE_DIGITS = 6


def _code_hash(verification_id: object, code: str) -> str:
    return hashlib.sha256(f"{verification_id}:{code}".encode()).hexdigest()


def check_domain(address: str, settings: Settings) -> None:
    """403 ``email_domain_not_allowed`` when ``signup_domains`` is set and ``address`` is outside it."""
    allowed = settings.allowed_signup_domains
    if allowed and email_domain(address) not in allowed:
        raise AppError(
            403, "email_domain_not_allowed", "this server does not accept addresses of that domain"
        )


def is_verified(user: User) -> bool:
    return user.email is not None and user.email_verified_at is not None


async def request_code(
    session: AsyncSession,
    user: User,
    email: str | None,
    now: datetime,
    settings: Settings,
    limiter: RateLimiter,
) -> EmailVerification:
    """Mail a fresh code to ``email`` (which becomes the account's address) or to the current address."""
    if email is not None:
        address = check_email(email)
    elif user.email is not None:
        address = user.email
    else:
        raise invalid("no_email", "the account has no email address: give one")
    if address == user.email and user.email_verified_at is not None:
        raise conflict("email_already_verified", "this address is already verified")
    check_domain(address, settings)
    window = settings.email_codes_window
    await enforce(limiter, f"vault:codes:user:{user.id}", settings.email_codes_per_user, window)
    await enforce(limiter, f"vault:codes:to:{mailbox_key(address)}", settings.email_codes_per_user, 24 * 3600)
    if address != user.email:
        user.email = address
        user.email_verified_at = None
        user.updated_at = now
    await session.execute(delete(EmailVerification).where(EmailVerification.user_id == user.id))
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    verification = EmailVerification(
        id=new_id(),
        user_id=user.id,
        email=address,
        expires_at=now + timedelta(seconds=settings.email_code_lifetime),
        created_at=now,
    )
    verification.code_hash = _code_hash(verification.id, code)
    session.add(verification)
    subject, body = verification_mail(
        code=code, expires_at=verification.expires_at, server_url=settings.public_url
    )
    await outbox.enqueue(
        session, recipient=address, subject=subject, body=body, now=now, domain=message_domain(settings)
    )
    await session.flush()
    log.info("email verification requested", extra={"user_id": str(user.id)})
    return verification


async def confirm_code(
    session: AsyncSession, user: User, code: str, now: datetime, settings: Settings, limiter: RateLimiter
) -> User:
    """Mark the account's address verified if ``code`` is the pending one.

    404 ``no_pending_verification`` (none, another address, or its guesses used up); 410 ``code_expired``;
    422 ``invalid_code``. Wrong guesses are counted by the limiter, not in the database: the refused
    request's transaction changes nothing, but the count survives it.
    """
    pending = (
        await session.execute(select(EmailVerification).where(EmailVerification.user_id == user.id))
    ).scalar_one_or_none()
    guesses = f"vault:codes:wrong:{pending.id}" if pending is not None else ""
    attempts, window = settings.email_code_attempts, settings.email_code_lifetime
    if pending is None or pending.email != user.email or await limiter.blocked(guesses, attempts, window):
        raise AppError(404, "no_pending_verification", "no code is pending for this address: ask for one")
    if pending.expires_at <= now:
        raise AppError(410, "code_expired", "the code has expired: ask for a new one")
    if not same_secret(_code_hash(pending.id, code.strip()), pending.code_hash):
        await limiter.hit(guesses, attempts, window)
        raise invalid("invalid_code", "wrong code")
    await session.execute(delete(EmailVerification).where(EmailVerification.id == pending.id))
    user.email_verified_at = now
    user.updated_at = now
    await session.flush()
    log.info("email verified", extra={"user_id": str(user.id)})
    return user
