"""Alembic environment for the vault database. Runs only on a connection handed in by strongroom.kit.migrate."""

from __future__ import annotations

from alembic import context

from strongroom.vault.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - offline mode is not used
    raise RuntimeError("run migrations through strongroom.kit.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
