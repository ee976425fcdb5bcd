"""Abuse limits: challenges per username, failed proofs per username and per address, claims per user.

Each runs with the in-memory limiter, and the username-keyed ones also with Redis when
``STRONGROOM_TEST_REDIS_URL`` is set (e.g. ``redis://127.0.0.1:6379/15``); without it they skip visibly.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest

from strongroom.crypto import SrpClient
from strongroom.keystore.app import create_app
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import RateLimitBackend, Settings
from tests.keystore.helpers import (
    FakeVault,
    claim_signature,
    login,
    register,
    rsa_keypair,
    share_space,
    sign_up,
)
from tests.support import app_client, in_ci

REDIS_ENV = "STRONGROOM_TEST_REDIS_URL"


@pytest.fixture(params=["memory", "redis"])
def limiter_backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "redis" and not os.environ.get(REDIS_ENV):
        if in_ci():
            pytest.fail(f"CI=true but {REDIS_ENV} is not set")
        pytest.skip(f"Redis not configured (set {REDIS_ENV}, e.g. redis://127.0.0.1:6379/15)")
    return name


@pytest.fixture
async def limited(
    settings: Settings, clock: FrozenClock, limiter_backend: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings.srp_challenges_per_username = 5
    settings.srp_failures_per_username = 2
    settings.srp_failures_per_address = 100_000  # shared by every test on one Redis: only counted here
    settings.claims_per_user = 2
    if limiter_backend == "redis":
        settings.rate_limit_backend = RateLimitBackend.REDIS
        settings.redis_url = os.environ[REDIS_ENV]
    async with app_client(create_app(settings, clock=clock, vault_app=FakeVault().app())) as client:
        yield client


def assert_limited(r: httpx.Response) -> None:
    assert r.status_code == 429, r.text
    assert r.json()["errors"][0]["error"] == "rate_limited"
    assert int(r.headers["Retry-After"]) >= 1


async def challenge(client: httpx.AsyncClient, username: str) -> httpx.Response:
    return await client.post(
        "/srp/challenges", json={"username": username, "srp_a": SrpClient(username, b"x").public_a_hex()}
    )


async def test_challenges_per_username(limited: httpx.AsyncClient) -> None:
    username, _ = await register(limited)
    for _ in range(5):
        assert (await challenge(limited, username)).status_code == 200
    assert_limited(await challenge(limited, username))
    other, _ = await register(limited)
    assert (await challenge(limited, other)).status_code == 200


async def test_failed_proofs_per_username_block_even_the_right_password(limited: httpx.AsyncClient) -> None:
    username, password = await register(limited)
    for _ in range(2):
        assert (await login(limited, username, b"wrong")).status_code == 401
    assert_limited(await login(limited, username, password))
    other, other_password = await register(limited)
    assert (await login(limited, other, other_password)).status_code == 200


async def test_a_success_clears_the_usernames_failures(limited: httpx.AsyncClient) -> None:
    username, password = await register(limited)
    assert (await login(limited, username, b"wrong")).status_code == 401
    assert (await login(limited, username, password)).status_code == 200
    # Without the reset this second failure would reach the limit of 2 and block the next attempt.
    assert (await login(limited, username, b"wrong")).status_code == 401
    assert (await login(limited, username, b"wrong")).status_code == 401
    assert_limited(await login(limited, username, password))


async def test_failed_proofs_per_address(settings: Settings, clock: FrozenClock) -> None:
    settings.srp_failures_per_username = 100
    settings.srp_failures_per_address = 3
    async with app_client(create_app(settings, clock=clock)) as client:
        for i in range(3):
            assert (await login(client, f"guess-{i}", b"x")).status_code == 401
        assert_limited(await login(client, "guess-next", b"x"))


async def test_claims_per_user(limited: httpx.AsyncClient, clock: FrozenClock) -> None:
    alice, bob = await sign_up(limited), await sign_up(limited)
    pair = rsa_keypair(1)
    space_id = await share_space(limited, alice, pair)
    for i in range(3):
        clock.advance(0.001)
        body = {
            "public_key": pair.public_pem,
            "request_signature": claim_signature(pair, space_id, clock.now()),
        }
        r = await limited.post(f"/shared_keys/{space_id}/claim_key", json=body, headers=bob.headers)
        if i < 2:
            assert r.status_code == 200
        else:
            assert_limited(r)
