"""The Keystore app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

from strongroom.kit.app import build_app, database
from strongroom.kit.clock import Clock
from strongroom.kit.settings import Settings


def create_app(
    settings: Settings, *, clock: Clock | None = None, vault_app: ASGIApp | None = None
) -> FastAPI:
    """A Keystore app on ``settings.keystore_database_url``.

    ``vault_app`` is the co-hosted Vault (embedded mode): admission tokens are then asked of it in-process;
    without it, of ``settings.vault_url`` over HTTP.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database(app, "keystore", settings.keystore_database_url, settings):
            yield

    return build_app(
        service="keystore",
        title="Strongroom Keystore",
        description="Holds every user's keys, always wrapped by keys only the user can derive.",
        settings=settings,
        lifespan=lifespan,
        routers=[],
        clock=clock,
    )
