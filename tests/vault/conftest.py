"""Fixtures of the Vault tests: a running Vault app (alone, at "/"), RSA keys, signed-up users."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from strongroom.crypto import KeyPair, generate_keypair
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from strongroom.vault.app import create_app
from tests.support import app_client
from tests.vault.helpers import KeyPool


@pytest.fixture(scope="session")
def key_material() -> list[KeyPair]:
    """A pool of 2048-bit key pairs made once per run (4096-bit generation would dominate the run time)."""
    return [generate_keypair(2048) for _ in range(10)]


@pytest.fixture
def keys(key_material: list[KeyPair]) -> KeyPool:
    return KeyPool(key_material)


@pytest.fixture
def vault_app(settings: Settings, clock: FrozenClock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
async def vault(vault_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(vault_app) as client:
        yield client
