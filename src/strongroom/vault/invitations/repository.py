"""All SQL of invitations. The inviter's lookups start from their own rows; acceptance looks the
invitation up by token hash (the token is the accepter's proof)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from strongroom.kit.pagination import ListParams, paginate
from strongroom.vault.models import Invitation, InvitationState, PublicKey, User

Accepter = aliased(User)


@dataclass(frozen=True)
class InvitationRow:
    """An invitation with its key's Keystore id and the accepter's profile (None until accepted)."""

    invitation: Invitation
    key_store_id: str
    accepter_name: str | None
    accepter_email: str | None


def _row(row: Any) -> InvitationRow:
    return InvitationRow(row[0], row[1], row[2], row[3])


def _with_details() -> Any:
    """Invitation, its public key's Keystore id, and the accepter's profile (outer join)."""
    return (
        select(Invitation, PublicKey.key_store_id, Accepter.full_name, Accepter.email)
        .join(PublicKey, PublicKey.id == Invitation.public_key_id)
        .outerjoin(Accepter, Accepter.id == Invitation.accepted_by_user_id)
    )


async def add(session: AsyncSession, invitation: Invitation) -> None:
    session.add(invitation)
    await session.flush()


async def own(session: AsyncSession, user_id: uuid.UUID, invitation_id: uuid.UUID) -> InvitationRow | None:
    """The user's own invitation (not deleted) with details, or None."""
    stmt = _with_details().where(
        Invitation.id == invitation_id,
        Invitation.user_id == user_id,
        Invitation.state != InvitationState.DELETED.value,
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else _row(row)


async def list_own(session: AsyncSession, user_id: uuid.UUID, params: ListParams) -> list[InvitationRow]:
    stmt = _with_details().where(
        Invitation.user_id == user_id, Invitation.state != InvitationState.DELETED.value
    )
    return [_row(r) for r in (await session.execute(paginate(stmt, Invitation.id, params))).all()]


async def by_token_hash(session: AsyncSession, token_hash: str) -> Invitation | None:
    stmt = select(Invitation).where(Invitation.token_hash == token_hash)
    return (await session.execute(stmt)).scalar_one_or_none()


async def mark_accepted(
    session: AsyncSession, invitation_id: uuid.UUID, accepter_id: uuid.UUID, now: datetime
) -> bool:
    """``new → accepted`` if still new and unexpired: True for exactly one of any number of racing callers."""
    result = await session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation_id,
            Invitation.state == InvitationState.NEW.value,
            Invitation.expires_at > now,
        )
        .values(
            state=InvitationState.ACCEPTED.value,
            accepted_at=now,
            accepted_by_user_id=accepter_id,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def state_of(session: AsyncSession, invitation_id: uuid.UUID) -> tuple[str, datetime] | None:
    row = (
        await session.execute(
            select(Invitation.state, Invitation.expires_at).where(Invitation.id == invitation_id)
        )
    ).one_or_none()
    return None if row is None else (row.state, row.expires_at)


async def mark_deleted(session: AsyncSession, invitation_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id)
        .values(state=InvitationState.DELETED.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def inviter(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def live_by_token_hash(session: AsyncSession, token_hash: str, now: datetime) -> Invitation | None:
    """The invitation with this token if it can still be accepted (new, unexpired), else None."""
    stmt = select(Invitation).where(
        Invitation.token_hash == token_hash,
        Invitation.state == InvitationState.NEW.value,
        Invitation.expires_at > now,
    )
    return (await session.execute(stmt)).scalar_one_or_none()
