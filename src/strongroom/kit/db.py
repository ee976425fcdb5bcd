"""Database engines and the one-transaction-per-request session dependency.

Engines are created in an app's lifespan (never at import). A request gets one ``AsyncSession`` inside one
transaction: services ``flush``; the dependency commits when the endpoint returns and rolls back when it
raises, *before* the response is sent, so a client that saw success can rely on the change being durable.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar
from weakref import WeakKeyDictionary

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator, Uuid

from strongroom.kit import sqlite_inline


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


# How long a SQLite statement waits for another connection's lock (ms): the last resort between processes.
BUSY_TIMEOUT_MS = 30000
# How long a scrub's checkpoint waits for readers (and holds SQLite's write lock meanwhile), in ms.
SCRUB_BUSY_TIMEOUT_MS = 200


async def scrub_sqlite(engine: AsyncEngine) -> None:
    """Make deleted and overwritten values unrecoverable from a SQLite database's files.

    ``secure_delete`` (set on every connection) zeroes freed space in the pages written from then on, but
    the write-ahead log still holds the older copies of those pages: a ``TRUNCATE`` checkpoint copies the
    latest pages into the database file and empties the log. Callers run it after blanking a secret (an
    invitation mail's body once it is sent). No-op on other databases.

    The checkpoint holds SQLite's write lock while it waits for readers still on older snapshots, and such
    a reader may itself be waiting for this process's write lock (a read that records something). So it
    runs under that lock (no writer of ours is caught half-way through ``BEGIN IMMEDIATE``) and waits for
    readers at most ``SCRUB_BUSY_TIMEOUT_MS``: a busy database is left for the next scrub, instead of every
    writer stalling for the 30 s busy timeout.
    """
    if engine.dialect.name != "sqlite":
        return
    lock = _write_locks.get(engine.sync_engine)
    if lock is None:
        lock = _write_locks[engine.sync_engine] = asyncio.Lock()
    async with lock, engine.connect() as conn:
        raw = await conn.get_raw_connection()
        # The driver connection, outside any transaction (a checkpoint cannot run inside one).
        driver: Any = raw.driver_connection
        await (await driver.execute(f"PRAGMA busy_timeout={SCRUB_BUSY_TIMEOUT_MS}")).close()
        try:
            await (await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")).close()
        finally:
            await (await driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")).close()


def create_engine(url: str, *, pool_size: int = 10, read_only: bool = False) -> AsyncEngine:
    """An async engine for ``url`` (``sqlite+aiosqlite`` or ``postgresql+asyncpg``).

    SQL parameters are hidden from error messages: they may carry ciphertext or token hashes.
    SQLite gets WAL, enforced foreign keys and a busy timeout (the last resort between processes). Its
    transactions begin ``IMMEDIATE`` (the write lock up front), or, with ``read_only``, deferred on
    connections that refuse writes (``PRAGMA query_only``) and run on the event loop's own thread
    (:mod:`strongroom.kit.sqlite_inline`): readers run beside each other and the writer.
    """
    kwargs: dict[str, Any] = {"hide_parameters": True}
    if is_sqlite(url) and read_only:
        # Readers run on the event loop's thread (see kit.sqlite_inline): no thread hop per call.
        kwargs["async_creator"] = sqlite_inline.connect(make_url(url).database or "")
    elif is_sqlite(url):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = pool_size
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_reader_pragmas if read_only else _sqlite_pragmas)
        event.listen(
            engine.sync_engine, "begin", _sqlite_begin_deferred if read_only else _sqlite_begin_immediate
        )
    return engine


def is_memory_sqlite(url: str) -> bool:
    return is_sqlite(url) and (url.endswith(":memory:") or url.rstrip("/").endswith("sqlite+aiosqlite:"))


def _sqlite_pragmas(
    dbapi_connection: Any, _: ConnectionPoolEntry, busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> None:
    # The driver's own transaction handling is switched off so that the BEGIN below is ours: a write
    # transaction takes the write lock up front, which turns SQLite's deadlock-prone lock upgrade into an
    # orderly wait.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted and overwritten values are zeroed in the file, not left in free space (see scrub_sqlite).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_reader_pragmas(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    _sqlite_pragmas(dbapi_connection, record, sqlite_inline.READER_BUSY_TIMEOUT_MS)
    cursor = dbapi_connection.cursor()
    # A read transaction that tried to write would upgrade its lock mid-transaction (and fail under
    # concurrency); refusing writes outright makes an undeclared writer fail on its first run instead.
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


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


# How long a SQLite write waits for the process's write lock before failing (as busy_timeout would).
WRITE_LOCK_TIMEOUT = 30.0
_write_locks: WeakKeyDictionary[Engine, asyncio.Lock] = WeakKeyDictionary()


def _write_lock(sessions: async_sessionmaker[AsyncSession]) -> asyncio.Lock | None:
    """The one write lock of a SQLite engine in this process (None on PostgreSQL, which has row locks)."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "sqlite":
        return None
    lock = _write_locks.get(bind.sync_engine)
    if lock is None:
        lock = _write_locks[bind.sync_engine] = asyncio.Lock()
    return lock


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in one transaction, committed when the block ends and rolled back when it raises.

    With a SQLite writer's factory, the transaction first takes this process's write lock, so writers queue
    on an asyncio lock (in order, without SQLite's sleeping busy handler) and readers are never held up. A
    writer must not open a second writing transaction on the same database while it holds one.
    """
    lock = _write_lock(sessions)
    if lock is not None:
        try:
            async with asyncio.timeout(WRITE_LOCK_TIMEOUT):
                await lock.acquire()
        except TimeoutError:
            raise OperationalError("write lock", None, TimeoutError("write lock wait timed out")) from None
    try:
        async with sessions() as session, session.begin():
            yield session
    finally:
        if lock is not None:
            lock.release()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES = "__strongroom_writes__"
_SHORT_WRITES = "__strongroom_short_writes__"
E = TypeVar("E", bound=Callable[..., Any])


def writes(endpoint: E) -> E:
    """Declare that a ``GET`` endpoint writes (read-then-write), so its request gets a write transaction.

    Requests with other methods always do. Place it under the route decorator::

        @router.get("/tasks")
        @writes
        async def list_tasks(session: DbSession) -> ...
    """
    setattr(endpoint, _WRITES, True)
    return endpoint


def short_writes(endpoint: E) -> E:
    """Declare that an endpoint (any method) does slow work between its reads and its writes, and writes
    only through :func:`writer_for`: its request gets a read transaction, and each write a short write
    transaction of its own, so that the slow part (SRP arithmetic) never holds the SQLite write lock.

    Its writes are then not one transaction: the endpoint must be correct when a later one fails after an
    earlier one committed (a consumed login challenge stays consumed). Place it under the route decorator.
    """
    setattr(endpoint, _SHORT_WRITES, True)
    return endpoint


def request_writes(request: Request) -> bool:
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    if request.method not in SAFE_METHODS:
        return not getattr(endpoint, _SHORT_WRITES, False)
    return bool(getattr(endpoint, _WRITES, False))


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    state = request.app.state
    writer = request_writes(request)
    sessions: async_sessionmaker[AsyncSession] = state.sessions if writer else state.read_sessions
    async with transaction(sessions) as session:
        yield session


@asynccontextmanager
async def writer_for(request: Request, session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Where a request may write: its own session when it writes (or when reads and writes share one
    engine, as on PostgreSQL), else a short write transaction of its own, committed when the block ends.

    For the rare write that a read implies (a session token's first use, a share read being recorded):
    such reads stay off the SQLite write lock, and only the small write queues for it. Also the one way a
    :func:`short_writes` endpoint writes (on PostgreSQL, into its request's transaction).
    """
    state = request.app.state
    if request_writes(request) or state.read_engine is state.engine:
        yield session
        return
    async with transaction(state.sessions) as writer:
        yield writer


@asynccontextmanager
async def bookkeeping_writer(request: Request, session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Where a request writes bookkeeping that must not hold a row lock for the rest of the request (a
    session's ``last_used_at``): on PostgreSQL a short transaction of its own, committed at once, since a
    lock taken while authenticating comes before every lock the request takes later, and two requests
    taking the same two locks in opposite orders deadlock. On SQLite (one writer at a time) as
    :func:`writer_for`."""
    state = request.app.state
    if state.engine.dialect.name == "sqlite":
        async with writer_for(request, session) as writer:
            yield writer
        return
    async with transaction(state.sessions) as writer:
        yield writer


# ``scope="function"``: the commit happens when the endpoint returns, before the response goes out.
# Safe methods get a read-only transaction (see :func:`writes`), others a write transaction.
DbSession = Annotated[AsyncSession, Depends(_request_session, scope="function")]
