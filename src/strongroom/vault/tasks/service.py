"""Rules of client tasks.

The Vault cannot re-encrypt (it holds no keys), so it queues work for the user's client. ``update_shares``
(target: an item id) asks a sender to re-encrypt the item's current values for each of their live shares
of it and send them with ``PUT /shares``. At most one ``todo`` task exists per (user, work type, target).

States: ``todo`` → ``in_progress`` → ``done`` | ``failed``; ``failed`` may be retried (``todo`` or
``in_progress``); ``done`` is final. A task ``in_progress`` for longer than ``client_task_stuck_after``
seconds returns to ``todo`` (on every read of the queue, and in the sweeper).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.errors import conflict, invalid, not_found
from strongroom.kit.pagination import ListParams, cut
from strongroom.vault.auth import Principal
from strongroom.vault.models import ClientTask, ClientTaskState
from strongroom.vault.tasks import repository
from strongroom.vault.tasks.schemas import ClientTaskRead, ClientTasksUpdate

MAX_REPORT = 10_000
"""Longest accepted report, in characters of its JSON form."""

_FINAL = {ClientTaskState.DONE.value}


def task_read(task: ClientTask) -> ClientTaskRead:
    return ClientTaskRead(
        id=task.id,
        work_type=task.work_type,
        target_id=task.target_id,
        state=ClientTaskState(task.state),
        report=task.report,
        created_at=task.created_at,
        updated_at=task.updated_at,
    )


async def list_tasks(
    session: AsyncSession,
    principal: Principal,
    states: Sequence[ClientTaskState],
    target_id: uuid.UUID | None,
    params: ListParams,
    now: datetime,
    stuck_after: int,
) -> tuple[list[ClientTask], uuid.UUID | None]:
    """The caller's tasks (optionally only ``states`` / ``target_id``), one page, after releasing the
    caller's stuck ones. Returns the page and the next-page cursor."""
    await repository.release_stuck(
        session, now - timedelta(seconds=stuck_after), now, user_id=principal.user_id
    )
    rows = await repository.page_of_tasks(
        session, principal.user_id, [s.value for s in states], target_id, params
    )
    return cut(rows, params, lambda task: task.id)


async def update_tasks(
    session: AsyncSession, principal: Principal, body: ClientTasksUpdate, now: datetime
) -> list[ClientTask]:
    """Apply every change of ``body`` to the caller's own tasks, all or nothing.

    404 if any id is not the caller's task; 409 ``task_finished`` to change a ``done`` task; 409
    ``task_already_queued`` to put a task back to ``todo`` while a twin waits; 422 ``report_too_large``.
    """
    ids = [change.id for change in body.client_tasks]
    if len(set(ids)) != len(ids):
        raise invalid("duplicate_task", "a task appears twice in client_tasks")
    tasks = await repository.tasks_by_id(session, principal.user_id, ids)
    changed: list[ClientTask] = []
    for change in body.client_tasks:
        task = tasks.get(change.id)
        if task is None:
            raise not_found("client task")
        if change.report is not None and len(json.dumps(change.report)) > MAX_REPORT:
            raise invalid("report_too_large", f"report is longer than {MAX_REPORT} characters")
        new_state = change.state.value
        if task.state in _FINAL and new_state != task.state:
            raise conflict("task_finished", "a done task cannot change state")
        if (
            new_state == repository.TODO
            and task.state != repository.TODO
            and await repository.waiting_twin(session, task)
        ):
            raise conflict("task_already_queued", "the same work is already waiting in another task")
        if new_state != task.state:
            task.state = new_state
            task.state_changed_at = now
        if change.report is not None or "report" in change.model_fields_set:
            task.report = change.report
        task.updated_at = now
        changed.append(task)
    try:
        await session.flush()
    except IntegrityError as exc:
        # A concurrent request queued the same work while this one moved a task back to todo.
        raise conflict("task_already_queued", "the same work is already waiting in another task") from exc
    return changed
