"""Fixtures for the SDK tests: both services in-process (httpx ASGITransport) and a key pool.

RSA-4096 generation takes 1–2 s per key. The flows make one key per sign-up and one per connection side,
so the SDK tests draw keys from a pool generated once per test session (each test gets distinct keys, in
the same order every time). Real generation is exercised by the crypto tests and by the SDK test against
a real uvicorn server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from asgi_lifespan import LifespanManager

from strongroom.client import Strongroom
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from strongroom.server import create_app
from tests.client.keypool import KeyPool, use_key_pool

BASE_URL = "http://testserver"
PASSPHRASES = {
    "alice": "alice's correct horse",
    "bob": "bob's battery staple",
    "carol": "carol's pass phrase",
}


@pytest.fixture
def key_pool(monkeypatch: pytest.MonkeyPatch) -> KeyPool:
    """Make ``strongroom.crypto.generate_keypair`` draw from the session's pool for this test."""
    return use_key_pool(monkeypatch)


@pytest.fixture
async def transport(settings: Settings, clock: FrozenClock) -> AsyncIterator[httpx.AsyncBaseTransport]:
    """Both services in-process, lifespans running, on the test's databases and frozen clock."""
    async with LifespanManager(create_app(settings, clock=clock), startup_timeout=60) as manager:
        yield httpx.ASGITransport(app=manager.app)


ClientFactory = Callable[[], AbstractAsyncContextManager[Strongroom]]


@pytest.fixture
def make_client(transport: httpx.AsyncBaseTransport, clock: FrozenClock, key_pool: KeyPool) -> ClientFactory:
    """A factory of SDK clients talking to the in-process server (claims signed at the frozen time)."""

    def make() -> AbstractAsyncContextManager[Strongroom]:
        return Strongroom(BASE_URL, transport=transport, clock=clock.now)

    return make


@pytest.fixture
async def alice(make_client: ClientFactory) -> AsyncIterator[Strongroom]:
    async with make_client() as client:
        await client.sign_up(PASSPHRASES["alice"], full_name="Alice", email="alice@example.test")
        yield client


@pytest.fixture
async def bob(make_client: ClientFactory) -> AsyncIterator[Strongroom]:
    async with make_client() as client:
        await client.sign_up(PASSPHRASES["bob"], full_name="Bob", email="bob@example.test")
        yield client


@pytest.fixture
async def carol(make_client: ClientFactory) -> AsyncIterator[Strongroom]:
    async with make_client() as client:
        await client.sign_up(PASSPHRASES["carol"], full_name="Carol", email="carol@example.test")
        yield client
