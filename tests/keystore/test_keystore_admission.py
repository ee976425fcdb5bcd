"""Admission to the Vault: one single-use Vault admission token per Keystore account."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import func, select

from strongroom.keystore.app import create_app
from strongroom.keystore.models import AdmissionToken
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from strongroom.kit.tokens import hash_token
from strongroom.server import create_app as create_server
from tests.keystore.helpers import FakeVault, rsa_keypair, sign_up
from tests.support import app_client


async def test_first_call_issues_a_token_and_later_calls_repeat_it(
    client: httpx.AsyncClient, fake_vault: FakeVault
) -> None:
    account = await sign_up(client)
    r = await client.get("/external_admission_tokens", headers=account.headers)
    assert r.status_code == 200
    token = r.json()["external_admission_token"]
    assert token["vault_api_admission_token"] in fake_vault.tokens
    assert token["passphrase_store_admission_token"] is None
    again = await client.get("/external_admission_tokens", headers=account.headers)
    assert again.json()["external_admission_token"] == token
    assert fake_vault.issued == 1


async def test_each_account_gets_its_own_token(client: httpx.AsyncClient) -> None:
    first, second = await sign_up(client), await sign_up(client)
    a = (await client.get("/external_admission_tokens", headers=first.headers)).json()
    b = (await client.get("/external_admission_tokens", headers=second.headers)).json()
    assert a != b


async def test_a_used_token_answers_409(client: httpx.AsyncClient, fake_vault: FakeVault) -> None:
    account = await sign_up(client)
    token = (await client.get("/external_admission_tokens", headers=account.headers)).json()
    fake_vault.tokens[token["external_admission_token"]["vault_api_admission_token"]] = True
    r = await client.get("/external_admission_tokens", headers=account.headers)
    assert r.status_code == 409
    assert r.json()["errors"][0]["error"] == "admission_token_used"
    assert fake_vault.issued == 1


async def test_a_used_token_is_kept_as_a_hash_only(
    client: httpx.AsyncClient, app: FastAPI, fake_vault: FakeVault
) -> None:
    account = await sign_up(client)
    value = (await client.get("/external_admission_tokens", headers=account.headers)).json()[
        "external_admission_token"
    ]["vault_api_admission_token"]
    fake_vault.tokens[value] = True
    lookups = fake_vault.lookups
    for _ in range(2):
        r = await client.get("/external_admission_tokens", headers=account.headers)
        assert (r.status_code, r.json()["errors"][0]["error"]) == (409, "admission_token_used")
    assert fake_vault.lookups == lookups + 1  # once used, the Vault is not asked again
    async with app.state.sessions() as session:
        stored = (await session.execute(select(AdmissionToken.token_value))).scalars().all()
    assert len(stored) == 1
    assert value not in stored[0]
    assert stored[0] == f"used:sha256:{hash_token(value)}"


async def test_racing_first_calls_store_one_token(
    client: httpx.AsyncClient, app: FastAPI, fake_vault: FakeVault
) -> None:
    account = await sign_up(client)
    results = await asyncio.gather(
        *(client.get("/external_admission_tokens", headers=account.headers) for _ in range(4))
    )
    assert [r.status_code for r in results] == [200] * 4
    values = {r.json()["external_admission_token"]["vault_api_admission_token"] for r in results}
    assert len(values) == 1
    async with app.state.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(AdmissionToken))).scalar_one() == 1


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [
        ("error", 503, "vault_unavailable"),
        ("crash", 503, "vault_unavailable"),
        ("garbage", 502, "vault_error"),
        ("refuse", 502, "vault_error"),
    ],
)
async def test_a_failing_vault_answers_a_stable_error(
    client: httpx.AsyncClient, app: FastAPI, fake_vault: FakeVault, mode: str, status: int, code: str
) -> None:
    account = await sign_up(client)
    fake_vault.mode = mode
    r = await client.get("/external_admission_tokens", headers=account.headers)
    assert r.status_code == status
    assert r.json()["errors"][0]["error"] == code
    async with app.state.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(AdmissionToken))).scalar_one() == 0
    fake_vault.mode = "ok"
    assert (await client.get("/external_admission_tokens", headers=account.headers)).status_code == 200


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_an_unreachable_vault_answers_503(settings: Settings, clock: FrozenClock) -> None:
    settings.vault_url = f"http://127.0.0.1:{closed_port()}"
    async with app_client(create_app(settings, clock=clock)) as client:
        account = await sign_up(client)
        r = await client.get("/external_admission_tokens", headers=account.headers)
        assert r.status_code == 503
        assert r.json()["errors"][0]["error"] == "vault_unavailable"


async def test_no_vault_configured_answers_503(settings: Settings, clock: FrozenClock) -> None:
    settings.vault_url = ""
    async with app_client(create_app(settings, clock=clock)) as client:
        account = await sign_up(client)
        r = await client.get("/external_admission_tokens", headers=account.headers)
        assert r.status_code == 503


async def test_a_wrong_service_credential_is_not_a_500(settings: Settings, clock: FrozenClock) -> None:
    vault = FakeVault()
    settings.service_credential = type(settings.service_credential)("not-the-one")
    async with app_client(create_app(settings, clock=clock, vault_app=vault.app())) as client:
        account = await sign_up(client)
        r = await client.get("/external_admission_tokens", headers=account.headers)
        assert r.status_code == 502
        assert r.json()["errors"][0]["error"] == "vault_error"


async def test_admission_with_the_real_vault(settings: Settings, clock: FrozenClock) -> None:
    """Sign-up steps 1-7 in the combined app: the token the Keystore hands out opens one Vault account."""
    async with LifespanManager(create_server(settings, clock=clock), startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        keystore = httpx.AsyncClient(transport=transport, base_url="http://testserver/keystore")
        vault = httpx.AsyncClient(transport=transport, base_url="http://testserver/vault")
        async with keystore, vault:
            account = await sign_up(keystore)
            first = await keystore.get("/external_admission_tokens", headers=account.headers)
            assert first.status_code == 200, first.text
            token = first.json()["external_admission_token"]["vault_api_admission_token"]
            again = await keystore.get("/external_admission_tokens", headers=account.headers)
            assert again.json()["external_admission_token"]["vault_api_admission_token"] == token
            me = await vault.post(
                "/me", json={"public_key": rsa_keypair(0).public_pem, "admission_token": token}
            )
            assert me.status_code == 201, me.text
            used = await keystore.get("/external_admission_tokens", headers=account.headers)
            assert used.status_code == 409
            assert used.json()["errors"][0]["error"] == "admission_token_used"
