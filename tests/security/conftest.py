"""A world (users, connections, shares) built once per test module and backend, for the matrix tests.

The repository's ``settings`` fixture is function-scoped (fresh databases per test); the matrix needs one
world for many tests, so the databases here are made per module: SQLite files under a module temporary
directory, and PostgreSQL databases cloned from the migrated templates when PostgreSQL is configured.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from strongroom.kit.clock import FrozenClock
from strongroom.kit.migrate import Service
from strongroom.kit.settings import Settings
from strongroom.server import create_app
from tests.security.databases import SERVICES, fresh_databases
from tests.security.dump import DatabaseReader
from tests.security.keys import recording_keys
from tests.security.world import BASE_URL, SERVICE_CREDENTIAL, World, build_world
from tests.support import with_loopback_limits


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world_databases(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_templates: dict[Service, str] | None,
) -> Iterator[dict[Service, str]]:
    """Fresh migrated databases of both services for one module, on each backend."""
    with fresh_databases(request.param, tmp_path_factory.mktemp("world"), postgres_templates) as urls:
        yield urls


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(
    world_databases: dict[Service, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """Both services in-process on the module's databases, and the world built in them."""
    settings = with_loopback_limits(
        Settings(
            data_dir=tmp_path_factory.mktemp("world-data"),
            keystore_database_url=world_databases["keystore"],
            vault_database_url=world_databases["vault"],
            service_credential=SecretStr(SERVICE_CREDENTIAL),
            public_url=BASE_URL,
            run_mail_worker=False,
            require_verified_email=False,  # invites without verifying; tests of that turn it on
            invitations_per_recipient=1000,
        )
    )
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    with recording_keys():
        async with LifespanManager(create_app(settings, clock=clock), startup_timeout=60) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            built = World(
                settings=settings,
                clock=clock,
                transport=transport,
                http=httpx.AsyncClient(transport=transport, base_url=BASE_URL),
                readers={s: DatabaseReader(world_databases[s], cache_schema=True) for s in SERVICES},
            )
            try:
                await build_world(built)
                yield built
            finally:
                await built.aclose()
