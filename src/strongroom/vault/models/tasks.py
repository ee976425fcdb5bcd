"""Client tasks: work only the user's client can do (it holds the keys), queued by the Vault."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from strongroom.kit.ids import new_id
from strongroom.vault.models.base import Base


class ClientTaskState(enum.StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    FAILED = "failed"


class ClientTask(Base):
    """A task for ``user_id``'s client, e.g. ``update_shares`` of item ``target_id``."""

    __tablename__ = "client_tasks"
    __table_args__ = (
        Index("ix_client_tasks_user_id_state_id", "user_id", "state", "id"),
        Index("ix_client_tasks_user_id_work_type_target_id", "user_id", "work_type", "target_id"),
        Index("ix_client_tasks_state_state_changed_at", "state", "state_changed_at"),
        Index("ix_client_tasks_target_id", "target_id"),
        # At most one waiting task per (user, work, target): queueing again does nothing (ON CONFLICT).
        Index(
            "uq_client_tasks_todo",
            "user_id",
            "work_type",
            "target_id",
            unique=True,
            sqlite_where=text("state = 'todo'"),
            postgresql_where=text("state = 'todo'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    work_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[uuid.UUID]
    state: Mapped[str] = mapped_column(String(20), default=ClientTaskState.TODO.value)
    report: Mapped[dict[str, Any] | list[Any] | str | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    state_changed_at: Mapped[datetime]
