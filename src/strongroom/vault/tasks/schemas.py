"""Bodies of ``/client_task_queue``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from strongroom.kit.pagination import Meta
from strongroom.vault.models import ClientTaskState

MAX_TASKS_PER_UPDATE = 200

Report = dict[str, Any] | list[Any] | str | None


class ClientTaskRead(BaseModel):
    """A task. For ``update_shares``, ``target_id`` is the item whose shares need new values."""

    id: uuid.UUID
    work_type: str
    target_id: uuid.UUID
    state: ClientTaskState
    report: Report
    created_at: datetime
    updated_at: datetime


class ClientTaskChange(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    state: ClientTaskState
    report: Report = None


class ClientTasksUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    client_tasks: list[ClientTaskChange] = Field(min_length=1, max_length=MAX_TASKS_PER_UPDATE)


class ClientTasksRead(BaseModel):
    client_tasks: list[ClientTaskRead]
    meta: Meta | None = None
    next_page_after: uuid.UUID | None = None
