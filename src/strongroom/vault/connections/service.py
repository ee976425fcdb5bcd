"""Connection rules: accepting an invitation (single use under races), reading, deleting both records."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.errors import AppError, conflict, invalid, not_found
from strongroom.kit.ids import new_id
from strongroom.kit.pagination import ListParams, cut, meta
from strongroom.kit.tokens import hash_token
from strongroom.vault.accounts import repository as accounts
from strongroom.vault.auth import Principal
from strongroom.vault.connections import hooks
from strongroom.vault.connections import repository as repo
from strongroom.vault.connections.repository import ConnectionView
from strongroom.vault.connections.schemas import (
    ConnectionIn,
    ConnectionOut,
    ConnectionsOut,
    ConnectionUpdate,
    InvitationPreviewIn,
    InvitationPreviewOut,
)
from strongroom.vault.invitations import repository as invitations
from strongroom.vault.keys import repository as keys
from strongroom.vault.models import Connection, Invitation, InvitationState
from strongroom.vault.validation import check_encrypted

log = logging.getLogger("strongroom.vault.connections")


def connection_out(v: ConnectionView) -> ConnectionOut:
    c = v.connection
    return ConnectionOut(
        id=c.id,
        user_id=c.other_user_id,
        user_name=v.other_name,
        user_email=v.other_email,
        public_key=v.own_key.public_key,
        public_key_encryption_strategy=v.own_key.encryption_strategy,
        key_store_keypair_id=v.own_key.key_store_id,
        public_key_fingerprint=v.own_key.fingerprint,
        other_user_connection_public_key=v.other_key.public_key,
        other_user_connection_public_key_encryption_strategy=v.other_key.encryption_strategy,
        other_user_connection_key_store_keypair_id=v.other_key.key_store_id,
        other_user_connection_public_key_fingerprint=v.other_key.fingerprint,
        encryption_space_id=c.encryption_space_id,
        other_user_connection_encryption_space_id=v.other_space_id,
        encrypted_recipient_name=c.encrypted_recipient_name,
        created_at=c.created_at,
    )


def _gone(state: str) -> AppError:
    """The 410 for an invitation that can no longer be accepted (``new`` here means expired)."""
    if state == InvitationState.DELETED.value:
        return AppError(410, "invitation_deleted", "the invitation was withdrawn")
    if state == InvitationState.ACCEPTED.value:
        return AppError(410, "invitation_used", "the invitation has already been accepted")
    return AppError(410, "invitation_expired", "the invitation has expired")


def _already_connected(connection_id: uuid.UUID) -> AppError:
    return conflict("already_connected", f"already connected: connection {connection_id}")


async def _acceptable(
    session: AsyncSession,
    principal: Principal,
    token: str,
    invitation_id: uuid.UUID | None,
    now: datetime,
) -> Invitation:
    """The invitation ``token`` opens, if the caller may accept it now (the errors of accepting)."""
    invitation = await invitations.by_token_hash(session, hash_token(token))
    if invitation is None or (invitation_id is not None and invitation_id != invitation.id):
        raise not_found("invitation")
    if invitation.user_id == principal.user_id:
        raise invalid("cannot_accept_own_invitation", "you cannot accept your own invitation")
    if invitation.state != InvitationState.NEW.value or invitation.expires_at <= now:
        raise _gone(invitation.state)
    existing = await repo.connection_with(session, principal.user_id, invitation.user_id)
    if existing is not None:
        raise _already_connected(existing.id)
    return invitation


async def preview_invitation(
    session: AsyncSession, principal: Principal, body: InvitationPreviewIn, now: datetime
) -> InvitationPreviewOut:
    """What accepting ``body.invitation_token`` would connect the caller to, checked exactly as
    :func:`accept_invitation` checks it (same errors), so a client can refuse before making any key."""
    invitation = await _acceptable(session, principal, body.invitation_token, body.invitation_id, now)
    inviter = await accounts.user_by_id(session, invitation.user_id)
    return InvitationPreviewOut(
        id=invitation.id,
        user_id=invitation.user_id,
        user_name=inviter.full_name if inviter is not None else None,
        message=invitation.message,
        expires_at=invitation.expires_at,
    )


async def rename_connection(
    session: AsyncSession,
    principal: Principal,
    connection_id: uuid.UUID,
    body: ConnectionUpdate,
    now: datetime,
) -> ConnectionOut:
    """Replace the caller's (encrypted) nickname for the other user; the other side's record is untouched."""
    mine = await repo.own_connection(session, principal.user_id, connection_id)
    if mine is None:
        raise not_found("connection")
    check_encrypted(body.encrypted_recipient_name, "connection", field="encrypted_recipient_name")
    mine.encrypted_recipient_name = body.encrypted_recipient_name
    mine.updated_at = now
    await session.flush()
    view = await repo.view(session, principal.user_id, mine.id)
    assert view is not None
    return connection_out(view)


async def accept_invitation(
    session: AsyncSession, principal: Principal, body: ConnectionIn, now: datetime
) -> ConnectionOut:
    """Accept the invitation ``body.invitation_token``: two connection records, one per user.

    404 unknown token (or ``invitation_id`` naming another invitation) or public key not the caller's;
    410 ``invitation_deleted`` / ``invitation_used`` / ``invitation_expired``; 422
    ``cannot_accept_own_invitation``; 409 ``already_connected`` (message names the caller's existing
    connection). Of racing accepts of one invitation exactly one succeeds.
    """
    invitation = await _acceptable(session, principal, body.invitation_token, body.invitation_id, now)
    key = await keys.own_key(session, principal.user_id, body.public_key_id)
    if key is None:
        raise not_found("public key")
    if body.encrypted_recipient_name is not None:
        check_encrypted(body.encrypted_recipient_name, "connection", field="encrypted_recipient_name")
    if not await invitations.mark_accepted(session, invitation.id, principal.user_id, now):
        state = await invitations.state_of(session, invitation.id)
        assert state is not None
        raise _gone(state[0])
    pair_id = new_id()
    mine = Connection(
        id=new_id(),
        pair_id=pair_id,
        user_id=principal.user_id,
        other_user_id=invitation.user_id,
        public_key_id=key.id,
        encrypted_recipient_name=body.encrypted_recipient_name,
        encryption_space_id=None,
        invitation_id=invitation.id,
        created_at=now,
        updated_at=now,
    )
    theirs = Connection(
        id=new_id(),
        pair_id=pair_id,
        user_id=invitation.user_id,
        other_user_id=principal.user_id,
        public_key_id=invitation.public_key_id,
        encrypted_recipient_name=invitation.encrypted_recipient_name,
        encryption_space_id=None,
        invitation_id=invitation.id,
        created_at=now,
        updated_at=now,
    )
    try:
        await repo.add_pair(session, [mine, theirs])
    except IntegrityError:
        # Another invitation between the same two users was accepted concurrently.
        raise conflict("already_connected", "already connected") from None
    log.info("connection made", extra={"invitation_id": str(invitation.id), "pair_id": str(pair_id)})
    view = await repo.view(session, principal.user_id, mine.id)
    assert view is not None
    return connection_out(view)


async def get_connection(
    session: AsyncSession, principal: Principal, connection_id: uuid.UUID
) -> ConnectionOut:
    view = await repo.view(session, principal.user_id, connection_id)
    if view is None:
        raise not_found("connection")
    return connection_out(view)


async def list_connections(session: AsyncSession, principal: Principal, params: ListParams) -> ConnectionsOut:
    views, next_after = cut(
        await repo.list_views(session, principal.user_id, params), params, lambda v: v.connection.id
    )
    return ConnectionsOut(
        connections=[connection_out(v) for v in views],
        meta=meta(next_after, params),
        next_page_after=next_after,
    )


async def delete_connection(
    session: AsyncSession, principal: Principal, connection_id: uuid.UUID, now: datetime
) -> None:
    """Delete both records of the connection and revoke every share over it, in both directions."""
    mine = await repo.own_connection(session, principal.user_id, connection_id)
    if mine is None:
        raise not_found("connection")
    theirs = await repo.twin_of(session, mine)
    await hooks.on_connection_deleted(session, [mine.id, theirs.id], now)
    await repo.delete_pair(session, mine.pair_id)
    log.info("connection deleted", extra={"pair_id": str(mine.pair_id)})
