"""Fixtures of the Keystore tests: an app on fresh databases with a test Vault, and a client for it."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from strongroom.keystore.app import create_app
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from tests.keystore.helpers import FakeVault
from tests.support import app_client


@pytest.fixture
def fake_vault() -> FakeVault:
    return FakeVault()


@pytest.fixture
def app(settings: Settings, clock: FrozenClock, fake_vault: FakeVault) -> FastAPI:
    return create_app(settings, clock=clock, vault_app=fake_vault.app())


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as c:
        yield c


@pytest.fixture
def keystore_url(settings: Settings) -> Iterator[str]:
    """A Keystore served by uvicorn in a thread, on a free port; yields its base URL."""
    app = create_app(settings, vault_app=FakeVault().app())
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before serving"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
