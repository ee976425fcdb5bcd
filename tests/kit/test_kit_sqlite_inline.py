"""SQLite's read-only engine: its statements run on the event loop's thread, and it behaves as a reader."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.kit.db import create_engine, session_factory, transaction
from strongroom.kit.sqlite_inline import READER_BUSY_TIMEOUT_MS

metadata = MetaData()
notes = Table("inline_notes", metadata, Column("id", Integer, primary_key=True), Column("text", String(20)))


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}"
    writer, reader = create_engine(url), create_engine(url, read_only=True)
    async with writer.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(notes.insert().values(id=1, text="first"))
    try:
        yield writer, reader
    finally:
        await reader.dispose()
        await writer.dispose()


async def test_reads_run_on_the_event_loops_thread(engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    writer, reader = engines
    seen: dict[str, int] = {}
    for name, engine in (("reader", reader), ("writer", writer)):
        async with engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            sqlite = raw._conn  # the sqlite3 connection underneath either driver
            sqlite.create_function("thread_id", 0, threading.get_ident)
            seen[name] = (await conn.execute(text("SELECT thread_id()"))).scalar_one()
    assert seen["reader"] == threading.get_ident()
    assert seen["writer"] != threading.get_ident()  # aiosqlite's own thread


async def test_a_reader_sees_committed_writes_and_refuses_to_write(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    writer, reader = engines
    reads, writes = session_factory(reader), session_factory(writer)
    async with transaction(reads) as session:
        assert (await session.execute(select(notes.c.text))).scalars().all() == ["first"]
        async with transaction(writes) as other:
            await other.execute(notes.insert().values(id=2, text="second"))
        # One snapshot for the whole read transaction (WAL): the later commit is not seen inside it.
        assert (await session.execute(select(notes.c.text))).scalars().all() == ["first"]
    async with transaction(reads) as session:
        assert (await session.execute(select(notes.c.text).order_by(notes.c.id))).scalars().all() == [
            "first",
            "second",
        ]
    with pytest.raises(OperationalError, match="readonly"):
        async with transaction(reads) as session:
            await session.execute(notes.insert().values(id=3, text="third"))
    async with transaction(reads) as session:
        assert (await session.execute(select(notes.c.id).where(notes.c.id == 3))).first() is None


async def test_a_readers_errors_are_the_drivers_errors_and_its_wait_is_short(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    _, reader = engines
    async with reader.connect() as conn:
        with pytest.raises(OperationalError, match="no such table"):
            await conn.execute(text("SELECT * FROM missing"))
    async with reader.connect() as conn:
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one() == READER_BUSY_TIMEOUT_MS
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
