"""New credentials (``PUT /users/me/credentials``) and KEK rotation (``PUT /key_encryption_key``): a fresh
SRP proof besides the token, one transaction each, preconditions that keep a concurrent change from losing
anything."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from strongroom.crypto import create_verifier
from strongroom.keystore.models import DataEncryptionKey, User
from strongroom.kit.settings import Settings
from tests.keystore.helpers import (
    Account,
    login,
    rsa_keypair,
    sign_up,
    wrapped_key,
    wrapped_private_key,
)
from tests.keystore.test_keystore_srp import proof_for


def _code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["error"]
    return code


async def _with_keys(client: httpx.AsyncClient) -> tuple[Account, str, dict[str, Any]]:
    """An account with a KEK, a DEK, a keypair and a space copy; its KEK id and the ids of its keys."""
    account = await sign_up(client)
    h = account.headers
    kek = await client.post(
        "/key_encryption_key", json={"serialized_key_encryption_key": wrapped_key()}, headers=h
    )
    dek = await client.post(
        "/data_encryption_keys", json={"serialized_data_encryption_key": wrapped_key()}, headers=h
    )
    pair = rsa_keypair(0)
    keypair = await client.post(
        "/keypairs",
        json={"public_key": pair.public_pem, "encrypted_serialized_key": wrapped_private_key(pair)},
        headers=h,
    )
    space = await client.post(
        "/encryption_spaces", json={"encrypted_serialized_key": wrapped_key()}, headers=h
    )
    ids = {
        "dek": dek.json()["data_encryption_key"]["id"],
        "keypair": keypair.json()["keypair"]["id"],
        "space": space.json()["encryption_space_data_encryption_key"]["encryption_space_id"],
    }
    return account, kek.json()["key_encryption_key"]["id"], ids


def _rotation(kek_id: str, ids: dict[str, Any], proof: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        **proof,
        "key_encryption_key_id": kek_id,
        "serialized_key_encryption_key": wrapped_key(),
        "data_encryption_keys": [
            {"id": i, "serialized_data_encryption_key": wrapped_key()}
            for i in extra.get("deks", [ids["dek"]])
        ],
        "keypairs": [{"id": ids["keypair"], "encrypted_serialized_key": wrapped_key()}],
        "encryption_spaces": [
            {"encryption_space_id": ids["space"], "serialized_data_encryption_key": wrapped_key()}
        ],
    }


async def _state(client: httpx.AsyncClient, account: Account) -> list[Any]:
    paths = ["/key_encryption_key", "/data_encryption_keys", "/keypairs", "/encryption_spaces"]
    return [(await client.get(p, headers=account.headers)).json() for p in paths]


async def test_new_credentials_replace_the_verifier_and_the_wrapped_kek_at_once(
    client: httpx.AsyncClient,
) -> None:
    account, kek_id, _ = await _with_keys(client)
    other = await login(client, account.username, account.password)
    other_token = other.json()["session"]["session_authentication_string"]
    new_password = secrets.token_bytes(32)
    salt, verifier = create_verifier(account.username, new_password)
    new_kek = wrapped_key()

    def body(proof: dict[str, str], kek: str = kek_id) -> dict[str, Any]:
        return {
            **proof,
            "srp_salt": salt,
            "srp_verifier": verifier,
            "key_encryption_key_id": kek,
            "serialized_key_encryption_key": new_kek,
            "end_other_sessions": True,
        }

    before = await _state(client, account)
    wrong = body(await proof_for(client, account.username, b"not the password"))
    r = await client.put("/users/me/credentials", json=wrong, headers=account.headers)
    assert (r.status_code, _code(r)) == (401, "login_failed")
    stale = body(await proof_for(client, account.username, account.password), kek=str(uuid.uuid4()))
    r = await client.put("/users/me/credentials", json=stale, headers=account.headers)
    assert (r.status_code, _code(r)) == (409, "key_encryption_key_changed")
    bad = {**body(await proof_for(client, account.username, account.password)), "srp_verifier": "00"}
    r = await client.put("/users/me/credentials", json=bad, headers=account.headers)
    assert (r.status_code, _code(r)) == (422, "invalid_srp_value")
    assert await _state(client, account) == before
    assert (await login(client, account.username, account.password)).status_code == 200

    right = body(await proof_for(client, account.username, account.password))
    r = await client.put("/users/me/credentials", json=right, headers=account.headers)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["username"] == account.username
    assert (await login(client, account.username, account.password)).status_code == 401
    assert (await login(client, account.username, new_password)).status_code == 200
    kek = (await client.get("/key_encryption_key", headers=account.headers)).json()["key_encryption_key"]
    assert kek == {"id": kek_id, "serialized_key_encryption_key": new_kek}
    assert (await client.get("/keypairs", headers={"Authorization": other_token})).status_code == 401
    # The old proof is no use any more: replaying the request with it fails.
    r = await client.put("/users/me/credentials", json=right, headers=account.headers)
    assert r.status_code == 401


async def test_rotation_swaps_every_key_and_refuses_a_stale_set(client: httpx.AsyncClient) -> None:
    account, kek_id, ids = await _with_keys(client)
    other = (await login(client, account.username, account.password)).json()["session"]
    before = await _state(client, account)

    missing = _rotation(kek_id, ids, await proof_for(client, account.username, account.password), deks=[])
    r = await client.put("/key_encryption_key", json=missing, headers=account.headers)
    assert (r.status_code, _code(r)) == (409, "keys_changed")
    foreign = _rotation(
        kek_id,
        ids,
        await proof_for(client, account.username, account.password),
        deks=[ids["dek"], ids["keypair"]],
    )
    r = await client.put("/key_encryption_key", json=foreign, headers=account.headers)
    assert (r.status_code, _code(r)) == (409, "keys_changed")
    wrong = _rotation(kek_id, ids, await proof_for(client, account.username, b"not the password"))
    r = await client.put("/key_encryption_key", json=wrong, headers=account.headers)
    assert (r.status_code, _code(r)) == (401, "login_failed")
    plain = _rotation(kek_id, ids, await proof_for(client, account.username, account.password))
    plain["keypairs"][0]["encrypted_serialized_key"] = "a private key in clear"
    r = await client.put("/key_encryption_key", json=plain, headers=account.headers)
    assert (r.status_code, _code(r)) == (422, "invalid_encrypted_key")
    assert await _state(client, account) == before

    good = _rotation(kek_id, ids, await proof_for(client, account.username, account.password))
    r = await client.put("/key_encryption_key", json=good, headers=account.headers)
    assert r.status_code == 200, r.text
    new_id = r.json()["key_encryption_key"]["id"]
    assert new_id != kek_id
    kek, deks, keypairs, spaces = await _state(client, account)
    assert kek["key_encryption_key"] == {
        "id": new_id,
        "serialized_key_encryption_key": good["serialized_key_encryption_key"],
    }
    assert (
        deks["data_encryption_keys"][0]["serialized_data_encryption_key"]
        == good["data_encryption_keys"][0]["serialized_data_encryption_key"]
    )
    assert (
        keypairs["keypairs"][0]["encrypted_serialized_key"] == good["keypairs"][0]["encrypted_serialized_key"]
    )
    copy = spaces["encryption_space_data_encryption_keys"][0]
    assert (
        copy["serialized_data_encryption_key"]
        == good["encryption_spaces"][0]["serialized_data_encryption_key"]
    )
    # Every other session ended; a second rotation built on the old KEK id is refused.
    assert (
        await client.get("/keypairs", headers={"Authorization": other["session_authentication_string"]})
    ).status_code == 401
    again = _rotation(kek_id, ids, await proof_for(client, account.username, account.password))
    r = await client.put("/key_encryption_key", json=again, headers=account.headers)
    assert (r.status_code, _code(r)) == (409, "key_encryption_key_changed")


@pytest.mark.parametrize("attempt", range(3))
async def test_a_key_stored_during_a_rotation_is_never_lost(client: httpx.AsyncClient, attempt: int) -> None:
    """Another device stores a DEK while the rotation runs: either the rotation sees it (409, retry) or the
    device's session has ended (401). Never both succeed, which would leave a DEK under the old KEK."""
    account, kek_id, ids = await _with_keys(client)
    device = (await login(client, account.username, account.password)).json()["session"]
    body = _rotation(kek_id, ids, await proof_for(client, account.username, account.password))

    async def store() -> httpx.Response:
        await asyncio.sleep(0.001 * attempt)
        return await client.post(
            "/data_encryption_keys",
            json={"serialized_data_encryption_key": wrapped_key()},
            headers={"Authorization": device["session_authentication_string"]},
        )

    rotated, stored = await asyncio.gather(
        client.put("/key_encryption_key", json=body, headers=account.headers), store()
    )
    outcome = (rotated.status_code, stored.status_code)
    assert outcome in {(200, 401), (409, 201)}, (rotated.text, stored.text)
    deks = (await client.get("/data_encryption_keys", headers=account.headers)).json()["data_encryption_keys"]
    assert len(deks) == (1 if rotated.status_code == 200 else 2)


async def test_an_account_at_its_dek_quota_can_rotate(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    """Before: each list of a rotation was capped at 10,000 while an account may hold
    ``quota_deks_per_user`` (20,000) DEKs, so a large account could never rotate its KEK."""
    account, kek_id, ids = await _with_keys(client)
    async with app.state.sessions() as session, session.begin():
        user_id = await session.scalar(select(User.id).where(User.username == account.username))
        assert user_id is not None
        now = datetime.now(UTC)
        extra = [
            DataEncryptionKey(user_id=user_id, serialized_key=wrapped_key(), created_at=now)
            for _ in range(settings.quota_deks_per_user - 1)
        ]
        session.add_all(extra)
    every = [ids["dek"], *(str(k.id) for k in extra)]
    body = _rotation(kek_id, ids, await proof_for(client, account.username, account.password), deks=every)
    r = await client.put("/key_encryption_key", json=body, headers=account.headers)
    assert r.status_code == 200, r.text[:300]
    async with app.state.sessions() as session:
        stored = set(
            await session.scalars(
                select(DataEncryptionKey.serialized_key).where(DataEncryptionKey.user_id == user_id)
            )
        )
    assert stored == {k["serialized_data_encryption_key"] for k in body["data_encryption_keys"]}
