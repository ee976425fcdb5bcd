"""Invitation rules: making one (rate limited, token shown once, mail through the outbox in the same
transaction), reading and deleting one's own. Acceptance is in the connections package."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.errors import AppError, invalid, not_found
from strongroom.kit.ids import new_id
from strongroom.kit.pagination import ListParams, cut, meta
from strongroom.kit.ratelimit import RateLimiter, enforce
from strongroom.kit.settings import Services, Settings
from strongroom.kit.tokens import hash_token, new_token
from strongroom.vault.accounts.verification import is_verified
from strongroom.vault.auth import Principal
from strongroom.vault.invitations import repository as repo
from strongroom.vault.invitations.repository import InvitationRow
from strongroom.vault.invitations.schemas import InvitationIn, InvitationOut, InvitationsOut
from strongroom.vault.keys import repository as keys
from strongroom.vault.mail import outbox
from strongroom.vault.mail.compose import invitation_mail
from strongroom.vault.mail.transport import message_domain
from strongroom.vault.models import Invitation, InvitationState
from strongroom.vault.validation import check_email, check_encrypted, mailbox_key

log = logging.getLogger("strongroom.vault.invitations")

TOKEN_PREFIX = "inv"  # noqa: S105 - a token prefix, not a secret


def shown_state(invitation: Invitation, now: datetime) -> str:
    """The state to show: a ``new`` invitation past its expiry reads ``expired`` (see README.md)."""
    if invitation.state == InvitationState.NEW.value and invitation.expires_at <= now:
        return InvitationState.EXPIRED.value
    return invitation.state


def _out(row: InvitationRow, now: datetime, token: str | None = None) -> InvitationOut:
    invitation = row.invitation
    return InvitationOut(
        id=invitation.id,
        token=token,
        email=invitation.email,
        message=invitation.message,
        sent_at=invitation.sent_at,
        public_key_id=invitation.public_key_id,
        key_store_keypair_id=row.key_store_id,
        encrypted_recipient_name=invitation.encrypted_recipient_name,
        invited_user_id=invitation.accepted_by_user_id,
        user_name=row.accepter_name,
        user_email=row.accepter_email,
        state=shown_state(invitation, now),
        expires_at=invitation.expires_at,
        created_at=invitation.created_at,
    )


async def create_invitation(
    session: AsyncSession,
    principal: Principal,
    body: InvitationIn,
    now: datetime,
    settings: Settings,
    limiter: RateLimiter,
) -> InvitationOut:
    """A new invitation by the caller with their public key ``body.public_key_id`` (404 if not theirs).

    403 ``email_not_verified`` when ``require_verified_email`` and the caller's address is not verified;
    429 past ``invitations_per_user`` per ``invitations_window``, or past ``invitations_per_recipient``
    invitations to the same mailbox (from anyone) per ``invitations_per_recipient_window``; 422
    ``invalid_encrypted_value`` (the nickname must be a cryppo string), ``invalid_email``,
    ``invalid_expires_in`` (60 s up to ``invitation_max_lifetime``). With ``email`` the invitation mail
    goes to the outbox in this transaction.
    """
    inviter = await repo.inviter(session, principal.user_id)
    verified_email = inviter.email if inviter is not None and is_verified(inviter) else None
    if settings.require_verified_email and verified_email is None:
        raise AppError(
            403,
            "email_not_verified",
            "verify your email address before inviting (POST /me/email_verification)",
        )
    await enforce(
        limiter,
        f"vault:invitations:{principal.user_id}",
        settings.invitations_per_user,
        settings.invitations_window,
    )
    key = await keys.own_key(session, principal.user_id, body.public_key_id)
    if key is None:
        raise not_found("public key")
    if body.encrypted_recipient_name is not None:
        check_encrypted(body.encrypted_recipient_name, "invitation", field="encrypted_recipient_name")
    email = check_email(body.email) if body.email else None
    # The same mailbox however spelt (case, +tag): the sender's own address is no invitee.
    own = inviter.email if inviter is not None else None
    if email is not None and own and mailbox_key(own) == mailbox_key(email):
        raise invalid("cannot_invite_yourself", "you cannot invite your own address")
    lifetime = body.expires_in if body.expires_in is not None else settings.invitation_lifetime
    if not 60 <= lifetime <= settings.invitation_max_lifetime:
        raise invalid(
            "invalid_expires_in",
            f"expires_in must be between 60 and {settings.invitation_max_lifetime} seconds",
        )
    if email is not None:
        # Across all senders: fresh accounts cannot take turns mailing one person.
        await enforce(
            limiter,
            f"vault:invitations:to:{mailbox_key(email)}",
            settings.invitations_per_recipient,
            settings.invitations_per_recipient_window,
        )
    message = body.message.strip() or None if body.message is not None else None
    token = new_token(TOKEN_PREFIX)
    invitation = Invitation(
        id=new_id(),
        user_id=principal.user_id,
        public_key_id=key.id,
        token_hash=hash_token(token),
        email=email,
        message=message,
        encrypted_recipient_name=body.encrypted_recipient_name,
        state=InvitationState.NEW.value,
        expires_at=now + timedelta(seconds=lifetime),
        sent_at=now,
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, invitation)
    if email is not None:
        subject, text = invitation_mail(
            inviter_email=verified_email,
            inviter_name=inviter.full_name if inviter is not None else None,
            message=message,
            invitation_id=invitation.id,
            token=token,
            expires_at=invitation.expires_at,
            server_url=settings.public_url,
            recipient=email,
            web_url=settings.public_url if settings.web and settings.services is Services.BOTH else None,
        )
        await outbox.enqueue(
            session,
            recipient=email,
            subject=subject,
            body=text,
            now=now,
            invitation_id=invitation.id,
            domain=message_domain(settings),
        )
    log.info("invitation created", extra={"invitation_id": str(invitation.id), "mailed": email is not None})
    row = await repo.own(session, principal.user_id, invitation.id)
    assert row is not None
    return _out(row, now, token)


async def get_invitation(
    session: AsyncSession, principal: Principal, invitation_id: uuid.UUID, now: datetime
) -> InvitationOut:
    row = await repo.own(session, principal.user_id, invitation_id)
    if row is None:
        raise not_found("invitation")
    return _out(row, now)


async def list_invitations(
    session: AsyncSession, principal: Principal, params: ListParams, now: datetime
) -> InvitationsOut:
    rows, next_after = cut(
        await repo.list_own(session, principal.user_id, params), params, lambda r: r.invitation.id
    )
    return InvitationsOut(
        invitations=[_out(r, now) for r in rows], meta=meta(next_after, params), next_page_after=next_after
    )


async def delete_invitation(
    session: AsyncSession, principal: Principal, invitation_id: uuid.UUID, now: datetime
) -> None:
    """The token stops working (accepting answers 410 ``invitation_deleted``); the unsent mail is dropped."""
    row = await repo.own(session, principal.user_id, invitation_id)
    if row is None:
        raise not_found("invitation")
    await repo.mark_deleted(session, invitation_id, now)
    await outbox.cancel_for_invitation(session, invitation_id, now)
