"""Request body limits (kit/bodies.py): refused while streaming, before parsing and before authentication."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, Request

from strongroom.kit.app import build_app
from strongroom.kit.bodies import body_limit
from strongroom.kit.settings import Settings
from strongroom.server import create_app
from tests.support import app_client

MiB = 1024 * 1024


class CountingBody:
    """A streamed request body of ``size`` bytes that records how much of it the server pulled."""

    def __init__(self, size: int, chunk: int = 64 * 1024) -> None:
        self.size, self.chunk, self.sent = size, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.size:
            n = min(self.chunk, self.size - self.sent)
            self.sent += n
            yield b" " * n


def assert_too_large(r: httpx.Response) -> None:
    assert r.status_code == 413, r.text
    assert r.json()["errors"][0]["error"] == "body_too_large"


@pytest.fixture
async def both(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(create_app(settings)) as client:
        yield client


async def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read(
    both: httpx.AsyncClient,
) -> None:
    body = CountingBody(50 * MiB)
    r = await both.post(
        "/keystore/srp/users",
        content=body,
        headers={"Content-Type": "application/json", "Content-Length": str(body.size)},
    )
    assert_too_large(r)
    assert body.sent <= 64 * 1024


async def test_a_chunked_body_is_cut_off_at_the_limit(both: httpx.AsyncClient) -> None:
    body = CountingBody(50 * MiB)
    r = await both.post("/keystore/srp/users", content=body, headers={"Content-Type": "application/json"})
    assert_too_large(r)
    assert body.sent <= MiB + 2 * body.chunk


async def test_the_limit_comes_before_authentication(both: httpx.AsyncClient) -> None:
    # No token: a small body gets its 401, a large one its 413 without being parsed first.
    assert (await both.post("/vault/items", json={})).status_code == 401
    body = CountingBody(5 * MiB)
    r = await both.post("/vault/items", content=body, headers={"Content-Type": "application/json"})
    assert_too_large(r)
    assert body.sent <= MiB + 2 * body.chunk


async def test_the_limit_is_a_setting(settings: Settings) -> None:
    settings.max_body_bytes = 4096
    async with app_client(create_app(settings)) as client:
        r = await client.post("/keystore/srp/users", content=b" " * 5000)
        assert_too_large(r)
        r = await client.post(
            "/keystore/srp/users", content=b" " * 4000, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 400  # within the limit: parsed (and refused as JSON)


class UploadSettings(Settings):
    upload_max_bytes: int = 3 * MiB


async def test_a_route_opts_into_its_own_limit(tmp_path: object) -> None:
    settings = UploadSettings(
        keystore_database_url="sqlite+aiosqlite:///:memory:",
        vault_database_url="sqlite+aiosqlite:///:memory:",
    )
    router = APIRouter()

    @router.put("/upload")
    @body_limit("upload_max_bytes")
    async def upload(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return {"size": size}

    @router.put("/small")
    async def small(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(_: object) -> AsyncIterator[None]:
        yield

    app = build_app(
        service="vault", title="t", description="t", settings=settings, lifespan=lifespan, routers=[router]
    )
    async with app_client(app) as client:
        assert (await client.put("/upload", content=CountingBody(2 * MiB))).json() == {"size": 2 * MiB}
        assert_too_large(await client.put("/upload", content=CountingBody(4 * MiB)))
        assert_too_large(await client.put("/small", content=CountingBody(2 * MiB)))
        settings.upload_max_bytes = MiB  # read per request
        assert_too_large(await client.put("/upload", content=CountingBody(2 * MiB)))
