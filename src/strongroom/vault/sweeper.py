"""The Vault's background sweeper: deletes expired shares and returns stuck client tasks to ``todo``.

Expiry is enforced on every read regardless (an expired share is never served); the sweeper only removes
the dead rows. It runs in the Vault's lifespan every ``settings.share_sweep_interval`` seconds, each round
in its own transaction. Several processes may sweep at once: each round deletes what is expired at its own
"now", and a row already deleted by another process is simply not found.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from strongroom.kit.clock import Clock
from strongroom.kit.db import transaction
from strongroom.vault.shares.service import sweep_expired
from strongroom.vault.tasks.repository import release_stuck

log = logging.getLogger("strongroom.vault.sweeper")

__all__ = ["SweepResult", "release_stuck_tasks", "running", "sweep_expired", "sweep_once"]


@dataclass(frozen=True)
class SweepResult:
    shares_deleted: int
    tasks_released: int


async def release_stuck_tasks(session: AsyncSession, now: datetime, stuck_after: int) -> int:
    """Return tasks ``in_progress`` for longer than ``stuck_after`` seconds to ``todo`` (one batch)."""
    return await release_stuck(session, now - timedelta(seconds=stuck_after), now)


async def sweep_once(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, stuck_after: int
) -> SweepResult:
    """One sweep in one transaction: expired shares deleted, stuck tasks released."""
    async with transaction(sessions) as session:
        now = clock.now()
        deleted = await sweep_expired(session, now)
        released = await release_stuck_tasks(session, now, stuck_after)
    return SweepResult(shares_deleted=deleted, tasks_released=released)


async def _loop(app: FastAPI, interval: float) -> None:
    settings = app.state.settings
    while True:
        await asyncio.sleep(interval)
        try:
            result = await sweep_once(app.state.sessions, app.state.clock, settings.client_task_stuck_after)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # Logged by type only: messages of database errors may name values.
            log.warning("sweep failed", extra={"error": type(exc).__name__})
            continue
        if result.shares_deleted or result.tasks_released:
            log.info(
                "swept",
                extra={"shares_deleted": result.shares_deleted, "tasks_released": result.tasks_released},
            )


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[None]:
    """Run the sweeper for the duration of the block (the app's engine and sessions must be set up)."""
    task = asyncio.create_task(_loop(app, app.state.settings.share_sweep_interval), name="vault-sweeper")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
