"""Fixtures every test can use: a database backend (SQLite, PostgreSQL when configured), settings, a clock.

PostgreSQL runs when ``STRONGROOM_TEST_POSTGRES_URL`` names a server
(``postgresql://postgres@127.0.0.1:5432/postgres``);
under ``CI=true`` it must be there. Each test gets fresh databases cloned from a migrated template, so a test
starts from exactly what the migrations build (seeded rows included) without paying for them every time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from strongroom.kit.clock import FrozenClock
from strongroom.kit.db import create_engine
from strongroom.kit.migrate import Service, upgrade
from strongroom.kit.settings import Settings
from tests.s3server import s3_endpoint  # noqa: F401 - a session fixture for every test directory
from tests.support import (
    POSTGRES_ENV,
    create_database,
    drop_database,
    in_ci,
    postgres_admin_url,
    sqlalchemy_url,
    with_loopback_limits,
)

SERVICES: tuple[Service, ...] = ("keystore", "vault")


def pytest_report_header() -> list[str]:
    url = postgres_admin_url()
    return [f"postgresql: {'on' if url else f'off (set {POSTGRES_ENV} to run those tests)'}"]


@pytest.fixture(scope="session")
def postgres_templates() -> Iterator[dict[Service, str] | None]:
    """Migrated template databases, one per service, for the whole run (None without PostgreSQL)."""
    admin = postgres_admin_url()
    if admin is None:
        yield None
        return
    names: dict[Service, str] = {}
    try:
        for service in SERVICES:
            name = create_database(admin)
            names[service] = name

            async def migrate(url: str = sqlalchemy_url(admin, name), svc: Service = service) -> None:
                engine = create_engine(url, pool_size=1)
                try:
                    await upgrade(engine, svc)
                finally:
                    await engine.dispose()

            asyncio.run(migrate())
        yield names
    finally:
        for name in names.values():
            drop_database(admin, name)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on; PostgreSQL skips (visibly) outside CI when not configured."""
    name: str = request.param
    if name == "postgres" and postgres_admin_url() is None:
        if in_ci():
            pytest.fail(f"CI=true but {POSTGRES_ENV} is not set: PostgreSQL tests cannot be skipped in CI")
        pytest.skip(f"PostgreSQL not configured (set {POSTGRES_ENV})")
    return name


@pytest.fixture
def database_urls(
    backend: str, tmp_path: Path, postgres_templates: dict[Service, str] | None
) -> Iterator[dict[Service, str]]:
    """Fresh, migrated databases for both services on the chosen backend."""
    if backend == "sqlite":
        yield {s: f"sqlite+aiosqlite:///{tmp_path / f'{s}.sqlite3'}" for s in SERVICES}
        return
    admin = postgres_admin_url()
    assert admin is not None
    assert postgres_templates is not None
    created = {s: create_database(admin, template=postgres_templates[s]) for s in SERVICES}
    try:
        yield {s: sqlalchemy_url(admin, name) for s, name in created.items()}
    finally:
        for name in created.values():
            drop_database(admin, name)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings(tmp_path: Path, database_urls: dict[Service, str]) -> Settings:
    """Settings for an in-process test server on fresh databases (no background mail worker)."""
    return with_loopback_limits(
        Settings(
            data_dir=tmp_path / "data",
            keystore_database_url=database_urls["keystore"],
            vault_database_url=database_urls["vault"],
            service_credential=SecretStr("test-service-credential"),
            public_url="http://testserver",
            run_mail_worker=False,
            log_json=True,
            require_verified_email=False,  # invites without verifying; tests of that turn it on
            invitations_per_recipient=1000,
        )
    )
