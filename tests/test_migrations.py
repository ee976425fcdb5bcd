"""Each service's Alembic tree builds exactly what its models describe, and downgrades cleanly (both
backends)."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.keystore.models import Base as KeystoreBase
from strongroom.kit.db import create_engine
from strongroom.kit.migrate import Service, alembic_config, upgrade
from strongroom.kit.settings import Settings
from strongroom.vault.models import Base as VaultBase

METADATA: dict[Service, MetaData] = {"keystore": KeystoreBase.metadata, "vault": VaultBase.metadata}
services = pytest.mark.parametrize("service", list(METADATA))


def _url(settings: Settings, service: Service) -> str:
    return settings.keystore_database_url if service == "keystore" else settings.vault_database_url


async def migrated(url: str, service: Service) -> AsyncEngine:
    """An engine on ``url`` at the head revision (SQLite test files start empty, PostgreSQL ones migrated)."""
    engine = create_engine(url, pool_size=1)
    await upgrade(engine, service)
    return engine


@services
async def test_migrated_schema_matches_the_models(settings: Settings, service: Service) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, METADATA[service]))

    engine = await migrated(_url(settings, service), service)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(differences) == []
    finally:
        await engine.dispose()


@services
async def test_downgrade_and_upgrade_again(settings: Settings, service: Service) -> None:
    engine = await migrated(_url(settings, service), service)
    expected = set(METADATA[service].tables)

    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}

    try:
        async with engine.begin() as conn:
            assert await conn.run_sync(tables) == expected
            await conn.run_sync(lambda c: command.downgrade(alembic_config(service, c), "base"))
            assert await conn.run_sync(tables) == set()
            await conn.run_sync(lambda c: command.upgrade(alembic_config(service, c), "head"))
            assert await conn.run_sync(tables) == expected
    finally:
        await engine.dispose()
