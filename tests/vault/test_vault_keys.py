"""Public keys: registration with fingerprints, strategy checks, listing."""

from __future__ import annotations

import uuid

import httpx

from strongroom.crypto import fingerprint
from tests.vault.helpers import KeyPool, error_code, sign_up
from tests.vault.test_vault_accounts import small_key_pem


async def test_register_and_list_public_keys(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    other = await sign_up(vault, keys)
    pair = keys.take()
    keystore_id = str(uuid.uuid4())
    crlf = pair.public_pem.replace("\n", "\r\n")
    response = await vault.post(
        "/key_store/public_keys",
        json={"key_store_id": keystore_id, "encryption_strategy": "Rsa2048", "public_key": crlf},
        headers=user.headers,
    )
    assert response.status_code == 201
    key = response.json()["public_key"]
    assert key["user_id"] == user.id
    assert key["key_store_id"] == keystore_id
    assert key["encryption_strategy"] == "Rsa2048"
    assert key["public_key"] == crlf
    assert key["fingerprint"] == fingerprint(pair.public_pem)
    assert set(key) >= {"id", "created_at", "updated_at"}

    listing = await vault.get("/key_store/public_keys", headers=user.headers)
    assert listing.status_code == 200
    assert listing.json()["public_keys"] == [key]
    assert (await vault.get(f"/key_store/public_keys/{key['id']}", headers=user.headers)).json()[
        "public_key"
    ] == key
    assert (await vault.get("/key_store/public_keys", headers=other.headers)).json()["public_keys"] == []
    assert (await vault.get(f"/key_store/public_keys/{key['id']}", headers=other.headers)).status_code == 404


async def test_public_key_strategy_defaults_to_the_keys_size(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    response = await vault.post(
        "/key_store/public_keys",
        json={"key_store_id": "k1", "public_key": keys.take().public_pem},
        headers=user.headers,
    )
    assert response.status_code == 201
    assert response.json()["public_key"]["encryption_strategy"] == "Rsa2048"


async def test_public_key_refusals(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    pem = keys.take().public_pem
    cases = [
        ({"key_store_id": "k", "encryption_strategy": "Rsa4096", "public_key": pem}, "key_strategy_mismatch"),
        (
            {"key_store_id": "k", "encryption_strategy": "Rsa2048", "public_key": "garbage"},
            "invalid_public_key",
        ),
        (
            {"key_store_id": "k", "encryption_strategy": "Rsa1024", "public_key": small_key_pem()},
            "invalid_public_key",
        ),
        ({"key_store_id": "", "public_key": pem}, "validation_failed"),
        ({"key_store_id": "k", "public_key": "x" * 5001}, "validation_failed"),
    ]
    for body, code in cases:
        response = await vault.post("/key_store/public_keys", json=body, headers=user.headers)
        assert response.status_code == 422, body
        assert error_code(response) == code
    assert (await vault.get("/key_store/public_keys", headers=user.headers)).json()["public_keys"] == []


async def test_public_keys_need_a_session(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    body = {"key_store_id": "k", "public_key": keys.take().public_pem}
    assert (await vault.post("/key_store/public_keys", json=body)).status_code == 401
    assert (await vault.get("/key_store/public_keys", headers={"Authorization": "nope"})).status_code == 401
