"""Vault sessions store nothing until their token is used (vault/sessions.py): a flood of ``POST /session``
with a known public key writes no row; logging out (one or everywhere) ends tokens used or not."""

from __future__ import annotations

import base64
import uuid

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import func, select

from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from strongroom.vault import sessions
from strongroom.vault.models import VaultSession
from tests.vault.helpers import KeyPool, sign_up
from tests.vault.test_vault_accounts import log_in


async def _rows(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(VaultSession))).scalar_one())


def _ok(r: httpx.Response) -> bool:
    return r.status_code == 200


async def test_a_login_flood_writes_nothing_until_a_token_is_used(
    vault: httpx.AsyncClient, vault_app: FastAPI, keys: KeyPool
) -> None:
    user = await sign_up(vault, keys)
    assert _ok(await vault.get("/me", headers=user.headers))
    before = await _rows(vault_app)
    # Before: each of these wrote a session row (380 in 3 s from one client, without any proof).
    for _ in range(40):
        r = await vault.post("/session", json={"public_key": user.login.public_pem})
        assert r.status_code == 200
    assert await _rows(vault_app) == before
    token = await log_in(vault, user.login.public_pem, user.login.private_pem)
    assert await _rows(vault_app) == before
    assert _ok(await vault.get("/me", headers={"Authorization": token}))  # possession shown: now a row
    assert await _rows(vault_app) == before + 1
    assert _ok(await vault.get("/me", headers={"Authorization": token}))
    assert await _rows(vault_app) == before + 1


async def test_tokens_that_this_vault_did_not_sign_open_nothing(
    vault: httpx.AsyncClient, vault_app: FastAPI, keys: KeyPool
) -> None:
    user = await sign_up(vault, keys)
    token = await log_in(vault, user.login.public_pem, user.login.private_pem)
    raw = bytearray(base64.urlsafe_b64decode(token[4:] + "=" * (-len(token[4:]) % 4)))
    raw[20] ^= 1  # another user id
    tampered = "vlt_" + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    other_key = sessions.issue(b"k" * 32, user_id=uuid.uuid4(), epoch=0, now=FrozenClock().now(), lifetime=60)
    for bad in (tampered, other_key, sessions.decoy(), token[:-2], "vlt_" + "A" * 300):
        assert (await vault.get("/me", headers={"Authorization": bad})).status_code == 401, bad
    assert await _rows(vault_app) == 0
    assert _ok(await vault.get("/me", headers={"Authorization": token}))


async def test_a_logged_out_token_stays_ended(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    token = await log_in(vault, user.login.public_pem, user.login.private_pem)
    headers = {"Authorization": token}
    assert _ok(await vault.get("/me", headers=headers))
    assert (await vault.delete("/session", headers=headers)).status_code == 204
    for _ in range(2):
        assert (await vault.get("/me", headers=headers)).status_code == 401


async def test_log_out_everywhere_ends_tokens_not_used_yet(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    current = {"Authorization": await log_in(vault, user.login.public_pem, user.login.private_pem)}
    unused = {"Authorization": await log_in(vault, user.login.public_pem, user.login.private_pem)}
    used = {"Authorization": await log_in(vault, user.login.public_pem, user.login.private_pem)}
    assert _ok(await vault.get("/me", headers=used))
    r = await vault.delete("/session/all", params={"except_current": "1"}, headers=current)
    assert r.status_code == 204
    assert _ok(await vault.get("/me", headers=current))
    assert (await vault.get("/me", headers=unused)).status_code == 401
    assert (await vault.get("/me", headers=used)).status_code == 401
    assert (await vault.get("/me", headers=user.headers)).status_code == 401
    fresh = {"Authorization": await log_in(vault, user.login.public_pem, user.login.private_pem)}
    assert _ok(await vault.get("/me", headers=fresh))


async def test_an_expired_token_is_refused_used_or_not(
    vault: httpx.AsyncClient, keys: KeyPool, clock: FrozenClock, settings: Settings
) -> None:
    user = await sign_up(vault, keys)
    used = {"Authorization": await log_in(vault, user.login.public_pem, user.login.private_pem)}
    unused = {"Authorization": await log_in(vault, user.login.public_pem, user.login.private_pem)}
    assert _ok(await vault.get("/me", headers=used))
    clock.advance(settings.session_lifetime)
    assert (await vault.get("/me", headers=used)).status_code == 401
    assert (await vault.get("/me", headers=unused)).status_code == 401


async def test_vault_unauthenticated_endpoints_are_limited_per_address(
    settings: Settings, vault_app: FastAPI, keys: KeyPool
) -> None:
    settings.logins_per_address = 3
    settings.signups_per_address = 2
    pem = keys.take().public_pem
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=vault_app, client=("203.0.113.9", 1)), base_url="http://t"
        ) as flood,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=vault_app, client=("198.51.100.7", 1)), base_url="http://t"
        ) as other,
        LifespanManager(vault_app),
    ):
        for path, body, limit in (
            ("/session", {"public_key": pem}, 3),
            ("/me", {"public_key": pem, "admission_token": "adm_unknown"}, 2),
        ):
            for _ in range(limit):
                assert (await flood.post(path, json=body)).status_code != 429
            r = await flood.post(path, json=body)
            assert (r.status_code, r.json()["errors"][0]["error"]) == (429, "rate_limited")
            assert (await other.post(path, json=body)).status_code != 429
