"""The database layer on both backends: aware UTC times, one transaction per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text

from strongroom.kit.app import build_app, database
from strongroom.kit.db import DbSession, UTCDateTime, create_engine
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

    return build_app(
        service="vault", title="t", description="d", settings=settings, lifespan=lifespan, routers=[router]
    )


async def test_request_commits_on_success_and_rolls_back_on_refusal(settings: Settings) -> None:
    app = app_with_routes(settings)
    async with app_client(app) as client:
        assert (await client.post("/ok")).status_code == 200
        assert (await client.post("/fail")).status_code == 409
        async with app.state.engine.connect() as conn:
            texts = (await conn.execute(text("SELECT text FROM kit_test_notes"))).scalars().all()
    assert texts == ["kept"]
