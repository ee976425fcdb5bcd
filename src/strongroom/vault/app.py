"""The Vault app factory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from strongroom.kit.app import build_app, database
from strongroom.kit.clock import Clock
from strongroom.kit.db import transaction
from strongroom.kit.settings import Settings
from strongroom.vault import sweeper
from strongroom.vault.accounts.router import router as accounts_router
from strongroom.vault.attachments import garbage as attachment_garbage
from strongroom.vault.attachments.router import router as attachments_router
from strongroom.vault.connections.router import router as connections_router
from strongroom.vault.invitations.router import router as invitations_router
from strongroom.vault.items.router import router as items_router
from strongroom.vault.keys.router import router as keys_router
from strongroom.vault.sessions import signing_key
from strongroom.vault.shares.events import RecentReads
from strongroom.vault.shares.router import router as shares_router
from strongroom.vault.spaces.router import router as spaces_router
from strongroom.vault.tasks.router import router as tasks_router
from strongroom.vault.templates.router import router as templates_router


def routers() -> list[APIRouter]:
    """Every router of the Vault, in the order their paths should appear in the OpenAPI document."""
    return [
        accounts_router,
        templates_router,
        shares_router,  # before items: /items/incoming must win over /items/{item_id}
        items_router,
        keys_router,
        invitations_router,
        connections_router,
        spaces_router,
        tasks_router,
        attachments_router,
    ]


@asynccontextmanager
async def mail_worker(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Run the mail delivery worker beside the app when ``settings.run_mail_worker`` (stopped on shutdown)."""
    if not settings.run_mail_worker:
        yield
        return
    from strongroom.vault.mail.worker import MailWorker

    stop = asyncio.Event()
    worker = MailWorker(app.state.sessions, settings, clock=app.state.clock)
    task = asyncio.create_task(worker.run_forever(stop), name="vault-mail-worker")
    app.state.mail_worker = worker
    try:
        yield
    finally:
        stop.set()
        # A worker stuck in an SMTP exchange is cancelled by wait_for; its lease lets another retry later.
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=settings.smtp_timeout + 5)


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """A Vault app on ``settings.vault_database_url``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database(app, "vault", settings.vault_database_url, settings):
            async with transaction(app.state.sessions) as session:
                app.state.session_signing_key = await signing_key(session)
            app.state.recent_reads = RecentReads()
            async with mail_worker(app, settings), sweeper.running(app), attachment_garbage.running(app):
                yield

    return build_app(
        service="vault",
        title="Strongroom Vault",
        description="Stores every user's cards, encrypted by the user's client, and carries shares.",
        settings=settings,
        lifespan=lifespan,
        routers=routers(),
        clock=clock,
    )
