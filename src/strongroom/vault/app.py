"""The Vault app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from strongroom.kit.app import build_app, database
from strongroom.kit.clock import Clock
from strongroom.kit.settings import Settings
from strongroom.vault import sweeper
from strongroom.vault.accounts.router import router as accounts_router
from strongroom.vault.items.router import router as items_router
from strongroom.vault.shares.router import router as shares_router
from strongroom.vault.spaces.router import router as spaces_router
from strongroom.vault.tasks.router import router as tasks_router
from strongroom.vault.templates.router import router as templates_router


def routers() -> list[APIRouter]:
    """Every router of the Vault, in the order their paths should appear in the OpenAPI document."""
    # shares before items: /items/incoming must win over /items/{item_id}.
    return [accounts_router, templates_router, shares_router, items_router, spaces_router, tasks_router]


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """A Vault app on ``settings.vault_database_url``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database(app, "vault", settings.vault_database_url, settings), sweeper.running(app):
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
