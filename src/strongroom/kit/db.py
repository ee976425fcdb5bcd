"""Database engines and the one-transaction-per-request session dependency.

Engines are created in an app's lifespan (never at import). A request gets one ``AsyncSession`` inside one
transaction: services ``flush``; the dependency commits when the endpoint returns and rolls back when it
raises, *before* the response is sent, so a client that saw success can rely on the change being durable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator, Uuid


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file URL (mode 0700) and the file itself (mode 0600), so that only the
    service's own user can read them; SQLite gives its ``-wal`` and ``-shm`` files the file's mode."""
    if is_sqlite(url):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:" and not path.startswith("file::memory:"):
            file = Path(path)
            if not file.parent.exists():
                file.parent.mkdir(parents=True, mode=0o700)
            os.close(os.open(file, os.O_CREAT | os.O_RDWR, 0o600))
            for companion in (file, file.with_name(file.name + "-wal"), file.with_name(file.name + "-shm")):
                if companion.exists():
                    companion.chmod(0o600)


async def scrub_sqlite(engine: AsyncEngine) -> None:
    """Make deleted and overwritten values unrecoverable from a SQLite database's files.

    ``secure_delete`` (set on every connection) zeroes freed space in the pages written from then on, but
    the write-ahead log still holds the older copies of those pages: a ``TRUNCATE`` checkpoint copies the
    latest pages into the database file and empties the log. Callers run it after blanking a secret (an
    invitation mail's body once it is sent). No-op on other databases.
    """
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        # The driver connection, outside any transaction (a checkpoint cannot run inside one).
        cursor = await raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        await cursor.close()


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine for ``url`` (``sqlite+aiosqlite`` or ``postgresql+asyncpg``).

    SQL parameters are hidden from error messages: they may carry ciphertext or token hashes.
    SQLite gets WAL, enforced foreign keys and a busy timeout, so concurrent requests wait instead of failing.
    """
    kwargs: dict[str, Any] = {"hide_parameters": True}
    if is_sqlite(url):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = pool_size
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _: ConnectionPoolEntry) -> None:
    # The driver's own transaction handling is switched off so that BEGIN IMMEDIATE below is ours: a
    # write transaction takes the write lock up front, which turns SQLite's deadlock-prone lock upgrade
    # into an orderly wait.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted and overwritten values are zeroed in the file, not left in free space (see scrub_sqlite).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def sync_engine_of(engine: AsyncEngine) -> Engine:
    return engine.sync_engine


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Each service declares ``class Base(DeclarativeBase)`` with this map, so each has its own metadata.
TYPE_ANNOTATION_MAP: dict[Any, Any] = {datetime: UTCDateTime(), uuid.UUID: Uuid(as_uuid=True)}


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with factory() as session, session.begin():
        yield session


# ``scope="function"``: the commit happens when the endpoint returns, before the response goes out.
DbSession = Annotated[AsyncSession, Depends(_request_session, scope="function")]
