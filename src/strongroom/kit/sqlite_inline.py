"""SQLite read connections that run on the event loop's own thread, shaped like ``aiosqlite``'s.

``aiosqlite`` gives each connection a thread and sends every call there and back: a read-only request
makes about 30 such trips (cursor, execute, fetch, close for each statement, then BEGIN and COMMIT), and
under concurrency the trips themselves, each a thread wake-up and a handover of the GIL, cost more than
the queries. Reads on a WAL database never wait for a writer and answer from the page cache in
microseconds, so running them where the request already runs is both cheaper and fairer: requests take
turns at the loop instead of 15 threads contending for the GIL.

Only the read-only engine uses this (``kit.db.create_engine(read_only=True)``). Writes stay on
``aiosqlite``: a write may wait for another process's lock, and that wait must not stop the loop. A
reader can still meet a lock for a moment (a checkpoint resetting the log), and then its busy handler
sleeps on the loop: :data:`READER_BUSY_TIMEOUT_MS` keeps that short.

SQLAlchemy's ``aiosqlite`` dialect drives these objects through its usual adapter (``async_creator``),
so the dialect, pooling and error translation are the ones every other connection uses.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["READER_BUSY_TIMEOUT_MS", "connect"]

# How long a reader on the loop waits for a lock before its statement fails (ms).
READER_BUSY_TIMEOUT_MS = 2000


class _Queue:
    """Stands in for aiosqlite's work queue, which SQLAlchemy's adapter uses to set ``isolation_level``."""

    def put_nowait(self, job: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = job
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class Connection:
    """The part of ``aiosqlite.Connection`` that SQLAlchemy's adapter uses, without the thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn: sqlite3.Connection | None = connection
        self._tx = _Queue()

    @property
    def _connection(self) -> sqlite3.Connection | None:
        return self._conn

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("no active connection")
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    def cursor(self) -> Cursor:
        return Cursor(self._live().cursor())

    async def commit(self) -> None:
        self._live().commit()

    async def rollback(self) -> None:
        self._live().rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's forced termination); a second close does nothing."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def connect(path: str) -> Callable[[], Any]:
    """An ``async_creator`` for ``create_async_engine``: a new inline connection to the file ``path``."""

    async def creator() -> Connection:
        # check_same_thread off: the pool may close a connection from the thread that collects it.
        return Connection(
            sqlite3.connect(path, timeout=READER_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        )

    return creator
