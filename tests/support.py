"""Small helpers shared by the tests: database provisioning and in-process app clients."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

POSTGRES_ENV = "STRONGROOM_TEST_POSTGRES_URL"
SettingsT = TypeVar("SettingsT")

# Every test client comes from 127.0.0.1, so the per-address limits of the unauthenticated endpoints are
# raised out of the way of suites that sign up many users; the tests of those limits set them low again.
LOOPBACK_LIMITS: dict[str, int] = {
    "signups_per_address": 1_000_000,
    "usernames_per_address": 1_000_000,
    "challenges_per_address": 1_000_000,
    "logins_per_address": 1_000_000,
}


def with_loopback_limits(settings: SettingsT) -> SettingsT:
    """``settings`` with :data:`LOOPBACK_LIMITS` applied (returned for use in an expression)."""
    for key, value in LOOPBACK_LIMITS.items():
        setattr(settings, key, value)
    return settings


def loopback_env() -> dict[str, str]:
    """:data:`LOOPBACK_LIMITS` as ``STRONGROOM_*`` environment variables (for server processes)."""
    return {f"STRONGROOM_{key.upper()}": str(value) for key, value in LOOPBACK_LIMITS.items()}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def postgres_admin_url() -> str | None:
    """A libpq-style URL of a PostgreSQL server the tests may create databases on."""
    return os.environ.get(POSTGRES_ENV) or None


def _asyncpg_dsn(admin_url: str, database: str) -> str:
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{database}"


def sqlalchemy_url(admin_url: str, database: str) -> str:
    dsn = _asyncpg_dsn(admin_url, database)
    return "postgresql+asyncpg://" + dsn.split("://", 1)[1]


async def _admin(admin_url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def admin_execute(admin_url: str, *statements: str) -> None:
    """Run administrative statements (CREATE/DROP DATABASE) outside any transaction."""
    asyncio.run(_admin(admin_url, *statements))


def create_database(admin_url: str, template: str | None = None) -> str:
    name = f"sr_test_{uuid.uuid4().hex[:16]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    admin_execute(admin_url, f'CREATE DATABASE "{name}"{clause}')
    return name


def drop_database(admin_url: str, name: str) -> None:
    admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def app_client(app: ASGIApp, base_url: str = "http://testserver") -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to ``app`` in-process, with the app's lifespan running."""
    async with LifespanManager(app, startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


def auth(token: str) -> dict[str, Any]:
    return {"Authorization": token}
