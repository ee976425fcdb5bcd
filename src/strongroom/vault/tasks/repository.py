"""SQL of client tasks. Reads and changes of a user's tasks are scoped to that user."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from strongroom.kit.ids import new_id
from strongroom.kit.pagination import ListParams, paginate
from strongroom.vault.models import ClientTask, ClientTaskState, Share

UPDATE_SHARES = "update_shares"
# Key material in the Keystore that outlived what it was for; only the user's own client can delete it.
DELETE_ENCRYPTION_SPACE = "delete_encryption_space"  # target: a Keystore encryption space id
DELETE_KEYPAIR = "delete_keypair"  # target: the user's own connection keypair id in the Keystore

TODO = ClientTaskState.TODO.value
IN_PROGRESS = ClientTaskState.IN_PROGRESS.value


async def queue(
    session: AsyncSession, user_id: uuid.UUID, work_type: str, target_id: uuid.UUID, now: datetime
) -> None:
    """Queue a ``todo`` task unless one for (user, work type, target) is already waiting.

    One statement (``INSERT ... ON CONFLICT DO NOTHING`` against the partial unique index on waiting
    tasks), so concurrent queuers never fail the caller's transaction and never duplicate a task.
    """
    values: dict[str, Any] = {
        "id": new_id(),
        "user_id": user_id,
        "work_type": work_type,
        "target_id": target_id,
        "state": TODO,
        "report": None,
        "created_at": now,
        "updated_at": now,
        "state_changed_at": now,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await session.execute(postgresql.insert(ClientTask).values(**values).on_conflict_do_nothing())
    else:
        await session.execute(sqlite.insert(ClientTask).values(**values).on_conflict_do_nothing())


def own_tasks(user_id: uuid.UUID) -> Select[ClientTask]:
    return select(ClientTask).where(ClientTask.user_id == user_id)


async def page_of_tasks(
    session: AsyncSession,
    user_id: uuid.UUID,
    states: Sequence[str],
    target_id: uuid.UUID | None,
    params: ListParams,
) -> Sequence[ClientTask]:
    stmt = own_tasks(user_id)
    if states:
        stmt = stmt.where(ClientTask.state.in_(states))
    if target_id is not None:
        stmt = stmt.where(ClientTask.target_id == target_id)
    rows: Sequence[ClientTask] = (
        (await session.execute(paginate(stmt, ClientTask.id, params))).scalars().all()
    )
    return rows


async def tasks_by_id(
    session: AsyncSession, user_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, ClientTask]:
    """The caller's tasks among ``ids`` (others' ids are simply absent), locked for update on PostgreSQL."""
    stmt = own_tasks(user_id).where(ClientTask.id.in_(list(ids))).with_for_update()
    return {task.id: task for task in (await session.execute(stmt)).scalars().all()}


async def waiting_twin(session: AsyncSession, task: ClientTask) -> bool:
    """Whether another ``todo`` task with ``task``'s user, work type and target exists."""
    stmt = select(ClientTask.id).where(
        ClientTask.user_id == task.user_id,
        ClientTask.work_type == task.work_type,
        ClientTask.target_id == task.target_id,
        ClientTask.state == TODO,
        ClientTask.id != task.id,
    )
    return (await session.execute(stmt.limit(1))).first() is not None


async def release_stuck(
    session: AsyncSession,
    cutoff: datetime,
    now: datetime,
    *,
    user_id: uuid.UUID | None = None,
    limit: int = 500,
) -> int:
    """Return tasks ``in_progress`` since before ``cutoff`` to ``todo``; returns how many were released.

    A stuck task whose work is already waiting again (a ``todo`` twin) is deleted instead: the twin covers
    it, and two waiting twins are not allowed. ``user_id`` limits the work to one user (the read path);
    without it at most ``limit`` tasks are handled (the sweeper calls again on its next round).
    """
    stmt = select(ClientTask).where(ClientTask.state == IN_PROGRESS, ClientTask.state_changed_at < cutoff)
    if user_id is not None:
        stmt = stmt.where(ClientTask.user_id == user_id)
    stuck = (await session.execute(stmt.order_by(ClientTask.id).limit(limit))).scalars().all()
    if not stuck:
        return 0
    twin = aliased(ClientTask)
    same_work = or_(
        *(
            and_(
                twin.user_id == task.user_id,
                twin.work_type == task.work_type,
                twin.target_id == task.target_id,
            )
            for task in stuck
        )
    )
    rows = await session.execute(
        select(twin.user_id, twin.work_type, twin.target_id).where(twin.state == TODO, same_work)
    )
    waiting: set[tuple[uuid.UUID, str, uuid.UUID]] = {(row[0], row[1], row[2]) for row in rows}
    released = 0
    for task in stuck:
        key = (task.user_id, task.work_type, task.target_id)
        if key in waiting:
            await session.delete(task)
            continue
        waiting.add(key)
        task.state = TODO
        task.state_changed_at = now
        task.updated_at = now
        released += 1
    await session.flush()
    return released


async def drop_moot_update_tasks(
    session: AsyncSession, pairs: Iterable[tuple[uuid.UUID, uuid.UUID]], now: datetime | None
) -> None:
    """Delete waiting ``update_shares`` tasks of (sender, item) pairs whose sender no longer has an
    outgoing share of the item (after revocations and expiry). With ``now``, expired shares do not count."""
    for sender_id, item_id in set(pairs):
        conditions = [Share.sender_id == sender_id, Share.item_id == item_id]
        if now is not None:
            conditions.append(or_(Share.expires_at.is_(None), Share.expires_at > now))
        still_sharing = exists().where(*conditions)
        await session.execute(
            delete(ClientTask)
            .where(
                ClientTask.user_id == sender_id,
                ClientTask.work_type == UPDATE_SHARES,
                ClientTask.target_id == item_id,
                ClientTask.state == TODO,
                ~still_sharing,
            )
            .execution_options(synchronize_session=False)
        )


async def delete_tasks_about(session: AsyncSession, target_id: uuid.UUID) -> None:
    """Delete every task (any user, any state) about ``target_id`` (a deleted item)."""
    await session.execute(
        delete(ClientTask)
        .where(ClientTask.target_id == target_id)
        .execution_options(synchronize_session=False)
    )
