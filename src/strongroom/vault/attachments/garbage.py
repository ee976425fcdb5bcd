"""The blob collector: deletes what no attachment may serve any more.

A round (:func:`collect_once`), in order:

1. rows: blobs of attachments whose slot is gone (card, slot or link removed) or that were never linked to
   a slot within ``attachment_unlinked_lifetime``; uploads unfinished, and stored blobs no attachment uses,
   after that lifetime. Their rows are deleted in one transaction (attachments cascade);
2. objects: every stored object whose blob row no longer exists (the rows just deleted, an account's
   blobs, a crash between the two steps) is deleted from the store;
3. staging: what crashed uploads left half-written in the store (for blobs no longer awaiting bytes, or
   untouched for the lifetime).

Reads stop the moment the rows stop matching, so the order only matters for space. A transaction that makes
garbage calls :func:`note`; its commit wakes the collector, which otherwise runs every
``share_sweep_interval`` seconds. Several processes may collect at once: deleting twice is harmless.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from strongroom.kit.clock import Clock
from strongroom.kit.db import transaction
from strongroom.vault.attachments import repository as repo
from strongroom.vault.blobs.store import BlobStore

log = logging.getLogger("strongroom.vault.blobs")

_FLAG = "strongroom.blob_garbage"


def note(session: AsyncSession) -> None:
    """Mark the transaction as one that makes blob garbage: its commit wakes the collector."""
    session.info[_FLAG] = True


@dataclass(frozen=True)
class CollectResult:
    rows: int
    objects: int
    staging: int


async def collect_once(
    sessions: async_sessionmaker[AsyncSession], store: BlobStore, clock: Clock, lifetime: int
) -> CollectResult:
    now = clock.now()
    cutoff = now - timedelta(seconds=lifetime)
    rows = 0
    while True:
        async with transaction(sessions) as session:
            ids = await repo.garbage_blob_ids(session, cutoff)
            await repo.delete_blobs(session, ids)
        rows += len(ids)
        if len(ids) < 1000:
            break
    objects = 0
    batch: list[tuple[str, uuid.UUID]] = []

    async def sweep(batch: list[tuple[str, uuid.UUID]]) -> int:
        async with sessions() as session:
            alive = await repo.existing_blob_ids(session, [blob_id for _, blob_id in batch])
        dead = [key for key, blob_id in batch if blob_id not in alive]
        await store.delete(dead)
        return len(dead)

    async for info in store.list():
        try:
            blob_id = uuid.UUID(info.key.rsplit("/", 1)[-1])
        except ValueError:
            continue
        batch.append((info.key, blob_id))
        if len(batch) >= 500:
            objects += await sweep(batch)
            batch = []
    if batch:
        objects += await sweep(batch)
    async with sessions() as session:
        uploading = await repo.pending_keys(session)
    staging = await store.collect_staging(cutoff, uploading)
    return CollectResult(rows=rows, objects=objects, staging=staging)


class Collector:
    """Runs :func:`collect_once` every ``interval`` seconds, and soon after a garbage-making commit."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], store: BlobStore, clock: Clock, lifetime: int
    ) -> None:
        self.sessions, self.store, self.clock, self.lifetime = sessions, store, clock, lifetime
        self.wake = asyncio.Event()
        self.rounds = 0
        bind = sessions.kw.get("bind")
        self._engine = bind.sync_engine if bind is not None else None

    def _after_commit(self, session: Session) -> None:
        # The listener is process-wide: only this app's sessions concern this collector.
        if session.bind is self._engine and session.info.pop(_FLAG, False):
            self.wake.set()

    async def run(self, interval: float) -> None:
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), interval)
            self.wake.clear()
            try:
                result = await collect_once(self.sessions, self.store, self.clock, self.lifetime)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("blob collection failed", extra={"error": type(exc).__name__})
                continue
            self.rounds += 1
            if result.rows or result.objects or result.staging:
                log.info(
                    "blobs collected",
                    extra={"rows": result.rows, "objects": result.objects, "staging": result.staging},
                )


@asynccontextmanager
async def running(app: Any) -> AsyncIterator[None]:
    """The app's blob store (``app.state.blob_store``) and its collector, for the app's lifetime."""
    from strongroom.vault.blobs.store import make_store

    settings = app.state.settings
    store = make_store(settings)
    collector = Collector(app.state.sessions, store, app.state.clock, settings.attachment_unlinked_lifetime)
    app.state.blob_store = store
    app.state.blob_collector = collector
    event.listen(Session, "after_commit", collector._after_commit)
    task = asyncio.create_task(collector.run(settings.share_sweep_interval), name="vault-blob-collector")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        event.remove(Session, "after_commit", collector._after_commit)
        await store.aclose()
