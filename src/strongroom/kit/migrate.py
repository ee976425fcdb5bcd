"""Alembic, driven from code: one migration tree per service under ``strongroom/migrations/<service>``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

Service = Literal["keystore", "vault"]

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(service: Service, connection: Connection | None = None) -> Config:
    """An Alembic config for ``service``; with ``connection``, migrations run on it (env.py picks it up)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS / service))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    cfg.attributes["configure_logger"] = False
    return cfg


async def upgrade(engine: AsyncEngine, service: Service, revision: str = "head") -> None:
    """Apply ``service``'s migrations up to ``revision`` on ``engine``, in one transaction."""

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(service, connection), revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)
