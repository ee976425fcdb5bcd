"""Routes: ``GET /client_task_queue`` and ``PUT /client_task_queue`` (the caller's own tasks only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from strongroom.kit.db import DbSession, writes
from strongroom.kit.errors import error_responses
from strongroom.kit.pagination import ListPage, meta
from strongroom.vault.auth import CurrentUser
from strongroom.vault.deps import AppSettings, Now
from strongroom.vault.models import ClientTaskState
from strongroom.vault.tasks import service
from strongroom.vault.tasks.schemas import ClientTasksRead, ClientTasksUpdate

router = APIRouter(tags=["client tasks"])


@router.get("/client_task_queue", response_model=ClientTasksRead, responses=error_responses(401, 422))
@writes  # Read-then-write: stuck tasks are released on read.
async def list_client_tasks(
    principal: CurrentUser,
    session: DbSession,
    now: Now,
    settings: AppSettings,
    page: ListPage,
    state: Annotated[list[ClientTaskState] | None, Query(max_length=4)] = None,
    target_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ClientTasksRead:
    """The caller's client tasks, oldest first; ``state`` filters (repeatable), ``target_id`` too."""
    tasks, after = await service.list_tasks(
        session, principal, state or [], target_id, page, now, settings.client_task_stuck_after
    )
    return ClientTasksRead(
        client_tasks=[service.task_read(task) for task in tasks],
        meta=meta(after, page),
        next_page_after=after,
    )


@router.put(
    "/client_task_queue", response_model=ClientTasksRead, responses=error_responses(401, 404, 409, 422)
)
async def update_client_tasks(
    body: ClientTasksUpdate, principal: CurrentUser, session: DbSession, now: Now
) -> ClientTasksRead:
    """Change the state (and report) of some of the caller's tasks, all or nothing."""
    tasks = await service.update_tasks(session, principal, body, now)
    return ClientTasksRead(client_tasks=[service.task_read(task) for task in tasks])
