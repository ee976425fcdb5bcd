"""Databases for fixtures wider than one test (the repository's ``settings`` fixture is per test)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from strongroom.kit.migrate import Service
from tests.support import (
    POSTGRES_ENV,
    create_database,
    drop_database,
    in_ci,
    postgres_admin_url,
    sqlalchemy_url,
)

__all__ = ["SERVICES", "fresh_databases"]

SERVICES: tuple[Service, ...] = ("keystore", "vault")


@contextmanager
def fresh_databases(
    backend: str, folder: Path, postgres_templates: dict[Service, str] | None
) -> Iterator[dict[Service, str]]:
    """Fresh databases of both services: SQLite files in ``folder`` (migrated when the app starts), or
    PostgreSQL databases cloned from the migrated templates (skipped, or failed in CI, without
    PostgreSQL); dropped afterwards."""
    if backend == "sqlite":
        yield {s: f"sqlite+aiosqlite:///{folder / f'{s}.sqlite3'}" for s in SERVICES}
        return
    admin = postgres_admin_url()
    if admin is None or postgres_templates is None:
        if in_ci():
            pytest.fail(f"CI=true but {POSTGRES_ENV} is not set: PostgreSQL tests cannot be skipped in CI")
        pytest.skip(f"PostgreSQL not configured (set {POSTGRES_ENV})")
    names = {s: create_database(admin, template=postgres_templates[s]) for s in SERVICES}
    try:
        yield {s: sqlalchemy_url(admin, name) for s, name in names.items()}
    finally:
        for name in names.values():
            drop_database(admin, name)
