"""Writing to the outbox (inside the caller's transaction) and the worker's SQL on it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from strongroom.kit.ids import new_id
from strongroom.vault.models import Invitation, InvitationState, MailState, OutboxMail

MESSAGE_ID_DOMAIN = "strongroom.invalid"


def message_id_for(mail_id: uuid.UUID, domain: str = MESSAGE_ID_DOMAIN) -> str:
    """The Message-ID of outbox row ``mail_id``: the same on every attempt, so a resend is recognisable."""
    return f"<outbox-{mail_id}@{domain}>"


async def enqueue(
    session: AsyncSession,
    *,
    recipient: str,
    subject: str,
    body: str,
    now: datetime,
    invitation_id: uuid.UUID | None = None,
    domain: str = MESSAGE_ID_DOMAIN,
) -> OutboxMail:
    """Add a mail to the outbox in the caller's transaction: it is sent if and only if that commits."""
    mail_id = new_id()
    mail = OutboxMail(
        id=mail_id,
        invitation_id=invitation_id,
        recipient=recipient,
        subject=subject,
        body=body,
        message_id=message_id_for(mail_id, domain),
        state=MailState.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(mail)
    await session.flush()
    return mail


async def cancel_for_invitation(session: AsyncSession, invitation_id: uuid.UUID, now: datetime) -> None:
    """Drop the unsent mail of an invitation (deleted: its token no longer works) and its body."""
    await session.execute(
        update(OutboxMail)
        .where(OutboxMail.invitation_id == invitation_id, OutboxMail.state == MailState.PENDING.value)
        .values(state=MailState.CANCELLED.value, body=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Conditions of a mail a worker may take now: pending, due, and not leased (or its lease ran out)."""
    return (
        OutboxMail.state == MailState.PENDING.value,
        OutboxMail.next_attempt_at <= now,
        or_(OutboxMail.locked_until.is_(None), OutboxMail.locked_until <= now),
    )


async def due_ids(session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    """Ids of pending mails that are due and not leased, oldest first.

    On PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED``: concurrent workers pick disjoint rows.
    SQLite ignores the clause (its write transactions are serialized anyway); the conditional update in
    :func:`claim` is what guarantees a single owner on both.
    """
    stmt = (
        select(OutboxMail.id)
        .where(*_due(now))
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def claim(session: AsyncSession, mail_id: uuid.UUID, worker: str, now: datetime, lease: float) -> bool:
    """Lease one due mail to ``worker`` until ``now + lease``; False when another worker got it first."""
    result = await session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, *_due(now))
        .values(
            locked_by=worker,
            locked_until=now + timedelta(seconds=lease),
            attempts=OutboxMail.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def load(session: AsyncSession, mail_id: uuid.UUID) -> OutboxMail | None:
    return await session.get(OutboxMail, mail_id)


async def invitation_still_open(session: AsyncSession, invitation_id: uuid.UUID, now: datetime) -> bool:
    """Whether the invitation a mail carries can still be accepted (else sending it is pointless)."""
    stmt = select(Invitation.id).where(
        Invitation.id == invitation_id,
        Invitation.state == InvitationState.NEW.value,
        Invitation.expires_at > now,
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def mark_sent(session: AsyncSession, mail_id: uuid.UUID, worker: str, now: datetime) -> bool:
    """Record delivery and blank the body (it holds the invitation token). False if the lease was lost."""
    result = await session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            OutboxMail.locked_by == worker,
            OutboxMail.state == MailState.PENDING.value,
        )
        .values(
            state=MailState.SENT.value,
            sent_at=now,
            body=None,
            locked_by=None,
            locked_until=None,
            last_error=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def mark_failed_attempt(
    session: AsyncSession,
    mail_id: uuid.UUID,
    worker: str,
    now: datetime,
    *,
    error: str,
    retry_at: datetime | None,
) -> None:
    """Release the lease after a failed attempt: retry at ``retry_at``, or give up (state ``failed``, body
    blanked) when it is None."""
    values: dict[str, object] = {
        "locked_by": None,
        "locked_until": None,
        "last_error": error[:100],
        "updated_at": now,
    }
    if retry_at is None:
        values.update(state=MailState.FAILED.value, body=None)
    else:
        values["next_attempt_at"] = retry_at
    await session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.locked_by == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def mark_cancelled(session: AsyncSession, mail_id: uuid.UUID, worker: str, now: datetime) -> None:
    await session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.locked_by == worker)
        .values(state=MailState.CANCELLED.value, body=None, locked_by=None, locked_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
