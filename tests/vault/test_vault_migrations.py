"""The Alembic migration builds exactly what the models describe, and downgrades cleanly (both backends)."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.kit.db import create_engine
from strongroom.kit.migrate import alembic_config, upgrade
from strongroom.kit.settings import Settings
from strongroom.vault.models import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def migrated(url: str) -> AsyncEngine:
    """An engine on ``url`` at the head revision (SQLite test files start empty, PostgreSQL ones migrated)."""
    engine = create_engine(url, pool_size=1)
    await upgrade(engine, "vault")
    return engine


async def test_migrated_schema_matches_the_models(settings: Settings) -> None:
    engine = await migrated(settings.vault_database_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_downgrade_and_upgrade_again(settings: Settings) -> None:
    engine = await migrated(settings.vault_database_url)

    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}

    try:
        async with engine.begin() as conn:
            assert await conn.run_sync(tables) == set(Base.metadata.tables)
            await conn.run_sync(lambda c: command.downgrade(alembic_config("vault", c), "base"))
            assert await conn.run_sync(tables) == set()
            await conn.run_sync(lambda c: command.upgrade(alembic_config("vault", c), "head"))
            assert await conn.run_sync(tables) == set(Base.metadata.tables)
    finally:
        await engine.dispose()
