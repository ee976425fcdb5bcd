"""The database layer on both backends: aware UTC times, one transaction per request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text

from strongroom.kit.app import build_app, database
from strongroom.kit.db import (
    DbSession,
    UTCDateTime,
    create_engine,
    is_sqlite,
    scrub_sqlite,
    short_writes,
    writer_for,
    writes,
)
from strongroom.kit.errors import AppError
from strongroom.kit.settings import Settings
from tests.support import app_client

metadata = MetaData()
notes = Table(
    "kit_test_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("text", String(50)),
    Column("at", UTCDateTime()),
)


async def test_utc_datetimes_round_trip(settings: Settings) -> None:
    engine = create_engine(settings.vault_database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            moment = datetime(2026, 5, 1, 12, 30, 15, 123000, tzinfo=timezone(timedelta(hours=2)))
            await conn.execute(notes.insert().values(id=1, text="a", at=moment))
            stored = (await conn.execute(select(notes.c.at))).scalar_one()
        assert stored == moment
        assert stored.tzinfo is not None
        assert stored.utcoffset() == timedelta(0)
        with pytest.raises(Exception, match="naive"):
            async with engine.begin() as conn:
                await conn.execute(notes.insert().values(id=2, text="b", at=datetime(2026, 1, 1)))
    finally:
        await engine.dispose()


def app_with_routes(settings: Settings) -> FastAPI:
    router = APIRouter()

    @router.post("/ok")
    async def ok(session: DbSession) -> dict[str, int]:
        await session.execute(notes.insert().values(text="kept", at=datetime.now(UTC)))
        return {"n": 1}

    @router.post("/hold")
    async def hold(session: DbSession, request: Request) -> dict[str, int]:
        # Writes, then keeps its write transaction open until the test lets it go.
        await session.execute(notes.insert().values(text="held", at=datetime.now(UTC)))
        await session.flush()
        request.app.state.holding.set()
        await request.app.state.release.wait()
        return {"n": 1}

    @router.get("/count")
    async def count(session: DbSession) -> dict[str, int]:
        return {"n": (await session.execute(select(func.count()).select_from(notes))).scalar_one()}

    @router.post("/increment")
    async def increment(session: DbSession) -> dict[str, int]:
        # Read, yield to other requests, then write what was read: lost updates show if writers overlap.
        n = (await session.execute(select(func.count()).select_from(notes))).scalar_one()
        await asyncio.sleep(0.01)
        await session.execute(notes.insert().values(id=n + 1, text="inc", at=datetime.now(UTC)))
        return {"n": n + 1}

    @router.get("/sneaky")
    async def sneaky(session: DbSession) -> dict[str, int]:
        await session.execute(notes.insert().values(text="undeclared", at=datetime.now(UTC)))
        return {"n": 1}

    @router.get("/declared")
    @writes
    async def declared(session: DbSession) -> dict[str, int]:
        await session.execute(notes.insert().values(text="declared", at=datetime.now(UTC)))
        return {"n": 1}

    @router.post("/slow")
    @short_writes
    async def slow(session: DbSession, request: Request) -> dict[str, int]:
        # Reads, waits (the slow part) until the test lets it go, then writes in a short transaction.
        n = (await session.execute(select(func.count()).select_from(notes))).scalar_one()
        request.app.state.holding.set()
        await request.app.state.release.wait()
        async with writer_for(request, session) as writer:
            await writer.execute(notes.insert().values(text="short", at=datetime.now(UTC)))
        return {"n": n}

    @router.post("/fail")
    async def fail(session: DbSession) -> None:
        await session.execute(notes.insert().values(text="dropped", at=datetime.now(UTC)))
        await session.flush()
        raise AppError(409, "nope", "refused")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database(app, "vault", settings.vault_database_url, settings):
            async with app.state.engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
            yield

    app = build_app(
        service="vault", title="t", description="d", settings=settings, lifespan=lifespan, routers=[router]
    )
    app.state.holding = asyncio.Event()
    app.state.release = asyncio.Event()
    return app


async def test_request_commits_on_success_and_rolls_back_on_refusal(settings: Settings) -> None:
    app = app_with_routes(settings)
    async with app_client(app) as client:
        assert (await client.post("/ok")).status_code == 200
        assert (await client.post("/fail")).status_code == 409
        async with app.state.engine.connect() as conn:
            texts = (await conn.execute(text("SELECT text FROM kit_test_notes"))).scalars().all()
    assert texts == ["kept"]


async def test_reads_run_while_a_write_transaction_is_open(settings: Settings) -> None:
    app = app_with_routes(settings)
    async with app_client(app) as client:
        writer = asyncio.create_task(client.post("/hold"))
        await asyncio.wait_for(app.state.holding.wait(), 10)
        # The GET neither waits for the writer nor sees its uncommitted row.
        read = await asyncio.wait_for(client.get("/count"), 5)
        assert read.json() == {"n": 0}
        app.state.release.set()
        assert (await writer).status_code == 200
        assert (await client.get("/count")).json() == {"n": 1}


async def test_concurrent_read_then_write_requests_do_not_overlap(settings: Settings) -> None:
    if not is_sqlite(settings.vault_database_url):
        pytest.skip("PostgreSQL serializes writers with row locks, not one lock per database")
    app = app_with_routes(settings)
    async with app_client(app) as client:
        answers = await asyncio.gather(*(client.post("/increment") for _ in range(8)))
        assert sorted(a.json()["n"] for a in answers) == list(range(1, 9))
        assert (await client.get("/count")).json() == {"n": 8}


async def test_a_get_that_writes_must_declare_it(settings: Settings) -> None:
    app = app_with_routes(settings)
    async with app_client(app) as client:
        assert (await client.get("/declared")).status_code == 200
        if is_sqlite(settings.vault_database_url):
            # The read-only connection refuses the undeclared write; nothing is stored.
            assert (await client.get("/sneaky")).status_code == 500
            assert (await client.get("/count")).json() == {"n": 1}


async def test_a_short_writes_endpoint_holds_no_write_lock_while_it_works(settings: Settings) -> None:
    app = app_with_routes(settings)
    async with app_client(app) as client:
        slow = asyncio.create_task(client.post("/slow"))
        await asyncio.wait_for(app.state.holding.wait(), 10)
        # Another writer is not kept waiting by the slow part (on SQLite it would queue for the lock).
        assert (await asyncio.wait_for(client.post("/ok"), 5)).status_code == 200
        app.state.release.set()
        answer = await slow
        assert answer.status_code == 200
        assert answer.json() == {"n": 0}
        assert (await client.get("/count")).json() == {"n": 2}


async def test_a_scrub_does_not_hold_writers_while_a_reader_is_open(settings: Settings) -> None:
    if not is_sqlite(settings.vault_database_url):
        pytest.skip("scrub_sqlite checkpoints SQLite's write-ahead log; a no-op elsewhere")
    app = app_with_routes(settings)
    async with app_client(app) as client:
        assert (await client.post("/ok")).status_code == 200
        # A reader stays on its snapshot: the TRUNCATE checkpoint cannot finish while it is open.
        async with app.state.read_engine.connect() as reader:
            await reader.execute(select(func.count()).select_from(notes))
            await asyncio.wait_for(scrub_sqlite(app.state.engine), 10)
            # The write lock is free again: a writer does not wait out the 30 s busy timeout.
            assert (await asyncio.wait_for(client.post("/ok"), 10)).status_code == 200
        await asyncio.wait_for(scrub_sqlite(app.state.engine), 10)
        assert (await client.get("/count")).json() == {"n": 2}
