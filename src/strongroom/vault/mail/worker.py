"""The mail delivery worker: takes due outbox rows, sends them, records the outcome.

Exactly-once comes from the outbox: a worker first *claims* a row (a lease: ``locked_by`` and
``locked_until``, set by a conditional UPDATE after ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL),
commits, sends outside any transaction, then marks it sent (and blanks its body) in a transaction of its
own. Another worker can take the row only after the lease ran out, which is longer than a send may take.
A failed send releases the row with exponential backoff; after ``mail_max_attempts`` it is given up.
Time comes from the injected clock, so tests decide when retries are due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from strongroom.kit.clock import Clock, SystemClock
from strongroom.kit.db import create_engine, ensure_sqlite_dir, scrub_sqlite, session_factory, transaction
from strongroom.kit.migrate import upgrade
from strongroom.kit.settings import Settings
from strongroom.vault.mail import outbox
from strongroom.vault.mail.transport import Transport, build_message, transport_for

log = logging.getLogger("strongroom.vault.mail")

BATCH = 20


def backoff(settings: Settings, attempts: int) -> float:
    """Seconds to wait after failed attempt ``attempts``: base·2^(n-1), at most ``mail_backoff_max``."""
    return float(min(settings.mail_backoff_max, settings.mail_backoff_base * 2 ** max(0, attempts - 1)))


class MailWorker:
    """Delivers the outbox of one Vault database. Several may run at once, in one process or many."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        clock: Clock,
        transport: Transport | None = None,
        name: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._transport = transport or transport_for(settings)
        self.name = name or f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:12]}"

    async def run_once(self) -> int:
        """Claim the mails due now (up to a batch), deliver them; return how many were sent."""
        now = self._clock.now()
        lease = self._settings.mail_lease
        async with transaction(self._sessions) as session:
            claimed = [
                mail_id
                for mail_id in await outbox.due_ids(session, now, BATCH)
                if await outbox.claim(session, mail_id, self.name, now, lease)
            ]
        sent = 0
        for mail_id in claimed:
            sent += await self._deliver(mail_id)
        return sent

    async def _deliver(self, mail_id: uuid.UUID) -> int:
        async with transaction(self._sessions) as session:
            mail = await outbox.load(session, mail_id)
            if mail is None or mail.body is None:
                return 0
            still_open = mail.invitation_id is None or await outbox.invitation_still_open(
                session, mail.invitation_id, self._clock.now()
            )
            if still_open:
                message = build_message(mail, self._settings, self._clock.now())
                attempts = mail.attempts
            else:
                await outbox.mark_cancelled(session, mail_id, self.name, self._clock.now())
                log.info("mail cancelled: invitation closed", extra={"mail_id": str(mail_id)})
        if not still_open:
            await self._scrub()
            return 0
        try:
            await self._transport.deliver(message, str(mail_id))
        except Exception as exc:  # any failure of the mail path: retry later, never crash the worker
            await self._failed(mail_id, attempts, type(exc).__name__)
            return 0
        async with transaction(self._sessions) as session:
            if not await outbox.mark_sent(session, mail_id, self.name, self._clock.now()):
                log.warning("mail sent after its lease ran out", extra={"mail_id": str(mail_id)})
        await self._scrub()
        log.info("mail sent", extra={"mail_id": str(mail_id), "attempts": attempts})
        return 1

    async def _scrub(self) -> None:
        """A blanked body (it held an invitation token) must not survive in the SQLite files either."""
        bind = self._sessions.kw.get("bind")
        if bind is not None:
            try:
                await scrub_sqlite(bind)
            except Exception as exc:  # a busy database: the next blanking checkpoints again
                log.warning("checkpoint after blanking failed", extra={"error": type(exc).__name__})

    async def _failed(self, mail_id: uuid.UUID, attempts: int, error: str) -> None:
        now = self._clock.now()
        give_up = attempts >= self._settings.mail_max_attempts
        retry_at: datetime | None = (
            None if give_up else now + timedelta(seconds=backoff(self._settings, attempts))
        )
        async with transaction(self._sessions) as session:
            await outbox.mark_failed_attempt(session, mail_id, self.name, now, error=error, retry_at=retry_at)
        if give_up:
            await self._scrub()
        log.warning(
            "mail delivery failed",
            extra={"mail_id": str(mail_id), "error": error, "attempts": attempts, "gave_up": give_up},
        )

    async def run_forever(self, stop_event: asyncio.Event) -> None:
        """Deliver until ``stop_event`` is set, polling every ``mail_poll_interval`` seconds when idle."""
        while not stop_event.is_set():
            busy = False
            try:
                busy = await self.run_once() >= BATCH
            except Exception as exc:  # e.g. the database is briefly unreachable: keep the worker alive
                log.warning("mail worker round failed", extra={"error": type(exc).__name__})
            if busy:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop_event.wait(), timeout=self._settings.mail_poll_interval)


async def serve_worker(
    settings: Settings, *, stop_event: asyncio.Event | None = None, clock: Clock | None = None
) -> None:
    """Run one worker on ``settings.vault_database_url`` until ``stop_event`` is set (or SIGINT/SIGTERM)."""
    ensure_sqlite_dir(settings.vault_database_url)
    engine = create_engine(settings.vault_database_url, pool_size=2)
    stop = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    if stop_event is None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
    try:
        if settings.migrate_on_start:
            await upgrade(engine, "vault")
        worker = MailWorker(session_factory(engine), settings, clock=clock or SystemClock())
        await worker.run_forever(stop)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        await engine.dispose()


def run_worker(settings: Settings) -> None:
    """Run a mail worker in this process until interrupted (``strongroom worker``)."""
    asyncio.run(serve_worker(settings))
