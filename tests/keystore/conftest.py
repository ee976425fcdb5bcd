"""Fixtures of the Keystore tests: an app on fresh databases with a test Vault, and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
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
