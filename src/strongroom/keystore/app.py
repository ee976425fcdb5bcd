"""The Keystore app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp

from strongroom.keystore.admission.router import router as admission_router
from strongroom.keystore.admission.vault_client import VaultAdmissions
from strongroom.keystore.housekeeping import Housekeeping
from strongroom.keystore.keys.router import router as keys_router
from strongroom.keystore.lifecycle.router import router as lifecycle_router
from strongroom.keystore.sessions.router import router as sessions_router
from strongroom.keystore.spaces.router import router as spaces_router
from strongroom.keystore.srp.router import router as srp_router
from strongroom.keystore.srp.service import load_server_secret
from strongroom.kit.app import build_app, database
from strongroom.kit.clock import Clock
from strongroom.kit.db import transaction
from strongroom.kit.ratelimit import RateLimiter
from strongroom.kit.settings import Settings


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    vault_app: ASGIApp | None = None,
    limiter: RateLimiter | None = None,
) -> FastAPI:
    """A Keystore app on ``settings.keystore_database_url``.

    ``vault_app`` is the co-hosted Vault (embedded mode): admission tokens are then asked of it in-process;
    without it, of ``settings.vault_url`` over HTTP. ``limiter`` defaults to the one settings describe.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database(app, "keystore", settings.keystore_database_url, settings):
            sessions: async_sessionmaker[AsyncSession] = app.state.sessions
            async with transaction(sessions) as session:
                app.state.srp_server_secret = await load_server_secret(session)
            vault = VaultAdmissions.create(settings, vault_app)
            app.state.vault_admissions = vault
            try:
                yield
            finally:
                await vault.aclose()
                await app.state.limiter.close()

    app = build_app(
        service="keystore",
        title="Strongroom Keystore",
        description="Holds every user's keys, always wrapped by keys only the user can derive.",
        settings=settings,
        lifespan=lifespan,
        routers=[srp_router, sessions_router, keys_router, admission_router, spaces_router, lifecycle_router],
        clock=clock,
        limiter=limiter,
    )
    app.state.housekeeping = Housekeeping()
    return app
