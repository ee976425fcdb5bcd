"""Abuse limits: challenges per username, failed proofs per username and per address, claims per user.

Each runs with the in-memory limiter, and the username-keyed ones also with Redis when
``STRONGROOM_TEST_REDIS_URL`` is set (e.g. ``redis://127.0.0.1:6379/15``); without it they skip visibly.
"""

from __future__ import annotations

import os
import time
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


def from_address(client: httpx.AsyncClient, address: str) -> httpx.AsyncClient:
    """A client on the same app whose requests come from ``address``."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=transport.app, client=(address, 40000)), base_url=client.base_url
    )


async def test_the_owner_logs_in_while_an_attacker_elsewhere_is_throttled(limited: httpx.AsyncClient) -> None:
    # limited: 2 failures and 5 challenges per username and address. Before, both were per username alone:
    # the attacker's failures locked the owner out for the whole window.
    username, password = await register(limited)
    async with (
        from_address(limited, "203.0.113.66") as attacker,
        from_address(limited, "198.51.100.7") as owner,
    ):
        for _ in range(2):
            assert (await login(attacker, username, b"guess")).status_code == 401
        assert_limited(await login(attacker, username, b"guess"))
        assert_limited(await login(attacker, username, password))  # even the right password, from there
        assert (await challenge(attacker, username)).status_code == 200  # the 5th challenge from there
        assert_limited(await challenge(attacker, username))
        r = await login(owner, username, password)
        assert r.status_code == 200, r.text


async def test_the_per_username_backstop_slows_instead_of_blocking(
    settings: Settings, clock: FrozenClock
) -> None:
    settings.srp_failures_backstop_per_username = 2
    settings.srp_backstop_delay = 0.3
    async with app_client(create_app(settings, clock=clock, vault_app=FakeVault().app())) as client:
        username, password = await register(client)
        for i in range(2):
            async with from_address(client, f"203.0.113.{i + 1}") as attacker:
                assert (await login(attacker, username, b"guess")).status_code == 401
        async with from_address(client, "198.51.100.7") as owner:
            started = time.perf_counter()
            r = await login(owner, username, password)
            assert r.status_code == 200, r.text
            assert time.perf_counter() - started >= 0.3


@pytest.mark.parametrize(
    ("path", "setting"),
    [
        ("/srp/username", "usernames_per_address"),
        ("/srp/users", "signups_per_address"),
        ("/srp/challenges", "challenges_per_address"),
        ("/srp/session", "logins_per_address"),
    ],
)
async def test_unauthenticated_endpoints_are_limited_per_address(
    settings: Settings, clock: FrozenClock, path: str, setting: str
) -> None:
    setattr(settings, setting, 3)
    body: dict[str, object] = {"username": "nobody", "srp_a": SrpClient("nobody", b"x").public_a_hex()}
    if path == "/srp/session":
        body["srp_m"] = "00" * 32
    if path == "/srp/users":
        body = {"username": "nobody", "srp_salt": "zz", "srp_verifier": "zz"}
    app = create_app(settings, clock=clock, vault_app=FakeVault().app())
    async with (
        app_client(app) as client,
        from_address(client, "203.0.113.9") as flood,
        from_address(client, "198.51.100.7") as other,
    ):
        for _ in range(3):
            assert (await flood.post(path, json=body)).status_code != 429
        assert_limited(await flood.post(path, json=body))
        assert (await other.post(path, json=body)).status_code != 429
