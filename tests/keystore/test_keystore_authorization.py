"""Authorization matrix: every authenticated route × {no token, garbage, expired, revoked, another user}.

The rows are checked against the app's route table, so a new route without a row fails this test. Every
refused call must leave the owner's records as they were.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from strongroom.crypto import create_verifier
from strongroom.keystore.app import create_app
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from tests.keystore.helpers import (
    Account,
    FakeVault,
    claim_signature,
    rsa_keypair,
    rsa_wrapped_key,
    share_space,
    sign_up,
    wrapped_key,
    wrapped_private_key,
)
from tests.support import app_client, auth

PUBLIC = {
    ("POST", "/srp/username"),
    ("POST", "/srp/users"),
    ("POST", "/srp/challenges"),
    ("POST", "/srp/session"),
    ("GET", "/health"),
    ("GET", "/version"),
}
RECIPIENT_KEY = 1
STRANGER_KEY = 2


@dataclass
class World:
    owner: Account
    stranger: Account
    dek_id: str
    keypair_id: str
    space_id: str
    now: Callable[[], Any]
    session_id: str  # the owner's session


Request = tuple[str, Any]  # (url, json body or None)


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    make: Callable[[World], Request]
    stranger: int  # status when another user calls it with the owner's ids


def _claim(w: World) -> Request:
    pair = rsa_keypair(STRANGER_KEY)
    body = {"public_key": pair.public_pem, "request_signature": claim_signature(pair, w.space_id, w.now())}
    return f"/shared_keys/{w.space_id}/claim_key", body


def _shared_key(w: World) -> Request:
    pair = rsa_keypair(STRANGER_KEY)
    body = {"encrypted_key": rsa_wrapped_key(pair), "external_id": w.space_id, "public_key": pair.public_pem}
    return "/shared_keys", {**body, "key_metadata": {"key_type": "AES-GCM"}}


def _keypair_body() -> dict[str, Any]:
    pair = rsa_keypair(STRANGER_KEY)
    return {"public_key": pair.public_pem, "encrypted_serialized_key": wrapped_private_key(pair)}


ROWS = [
    Row("DELETE", "/session", lambda w: ("/session", None), 204),
    Row("DELETE", "/session/all", lambda w: ("/session/all", None), 204),
    # The session list: a stranger sees and ends only their own (the owner's id is 404).
    Row("GET", "/sessions", lambda w: ("/sessions", None), 200),
    Row("DELETE", "/sessions/{session_id}", lambda w: (f"/sessions/{w.session_id}", None), 404),
    Row("DELETE", "/sessions", lambda w: ("/sessions", None), 200),
    Row(
        "POST",
        "/key_encryption_key",
        lambda w: ("/key_encryption_key", {"serialized_key_encryption_key": wrapped_key()}),
        201,
    ),
    Row("GET", "/key_encryption_key", lambda w: ("/key_encryption_key", None), 404),
    Row(
        "POST",
        "/data_encryption_keys",
        lambda w: ("/data_encryption_keys", {"serialized_data_encryption_key": wrapped_key()}),
        201,
    ),
    Row("GET", "/data_encryption_keys/{id}", lambda w: (f"/data_encryption_keys/{w.dek_id}", None), 404),
    Row("DELETE", "/data_encryption_keys/{id}", lambda w: (f"/data_encryption_keys/{w.dek_id}", None), 404),
    Row(
        "POST",
        "/keypairs",
        lambda w: ("/keypairs", {**_keypair_body(), "external_identifiers": ["auth"]}),
        201,
    ),
    Row("GET", "/keypairs", lambda w: ("/keypairs", None), 200),
    Row(
        "GET",
        "/keypairs/external_id/{external_id}",
        lambda w: ("/keypairs/external_id/owner-only", None),
        404,
    ),
    Row("GET", "/keypairs/{id}", lambda w: (f"/keypairs/{w.keypair_id}", None), 404),
    Row("PATCH", "/keypairs/{id}", lambda w: (f"/keypairs/{w.keypair_id}", {"metadata": {"x": 1}}), 404),
    Row("DELETE", "/keypairs/{id}", lambda w: (f"/keypairs/{w.keypair_id}", None), 404),
    Row("GET", "/external_admission_tokens", lambda w: ("/external_admission_tokens", None), 200),
    Row(
        "POST",
        "/encryption_spaces",
        lambda w: (
            "/encryption_spaces",
            {"encrypted_serialized_key": wrapped_key(), "encryption_space_id": w.space_id},
        ),
        404,
    ),
    Row("GET", "/encryption_spaces", lambda w: ("/encryption_spaces", None), 200),
    Row("GET", "/encryption_spaces/{id}", lambda w: (f"/encryption_spaces/{w.space_id}", None), 404),
    Row("DELETE", "/encryption_spaces/{id}", lambda w: (f"/encryption_spaces/{w.space_id}", None), 404),
    Row("POST", "/shared_keys", _shared_key, 404),
    Row("POST", "/shared_keys/{external_id}/claim_key", _claim, 403),
    # Deleting an account needs a fresh SRP proof of one's own password: a stranger's guess fails.
    Row("DELETE", "/users/me", lambda w: ("/users/me", {"srp_a": "ab" * 256, "srp_m": "cd" * 32}), 401),
    # New credentials and a KEK rotation act on the caller's own KEK only (the stranger has none: 404,
    # before any proof is looked at); the DEK list holds only the caller's own.
    Row("PUT", "/users/me/credentials", lambda w: ("/users/me/credentials", _credentials_guess()), 404),
    Row("PUT", "/key_encryption_key", lambda w: ("/key_encryption_key", _rotation_guess(w)), 404),
    Row("GET", "/data_encryption_keys", lambda w: ("/data_encryption_keys", None), 200),
]


def _credentials_guess() -> dict[str, object]:
    salt, verifier = create_verifier("someone", b"a password")
    return {
        "srp_a": "ab" * 256,
        "srp_m": "cd" * 32,
        "srp_salt": salt,
        "srp_verifier": verifier,
        "key_encryption_key_id": str(uuid.uuid4()),
        "serialized_key_encryption_key": wrapped_key(),
    }


def _rotation_guess(w: Any) -> dict[str, object]:
    return {
        "srp_a": "ab" * 256,
        "srp_m": "cd" * 32,
        "key_encryption_key_id": str(uuid.uuid4()),
        "serialized_key_encryption_key": wrapped_key(),
        "data_encryption_keys": [{"id": w.dek_id, "serialized_data_encryption_key": wrapped_key()}],
        "keypairs": [],
        "encryption_spaces": [],
    }


def test_every_authenticated_route_has_a_row(settings: Settings) -> None:
    # The OpenAPI document lists every route with its methods (FastAPI nests included routers).
    paths = create_app(settings).openapi()["paths"]
    routes = {(method.upper(), path) for path, operations in paths.items() for method in operations}
    assert routes - PUBLIC == {(row.method, row.path) for row in ROWS}


async def owner_state(client: httpx.AsyncClient, w: World) -> list[Any]:
    """Everything of the owner's that a refused call could have touched."""
    paths = [
        "/key_encryption_key",
        f"/data_encryption_keys/{w.dek_id}",
        f"/keypairs/{w.keypair_id}",
        "/keypairs",
        f"/encryption_spaces/{w.space_id}",
        "/encryption_spaces",
        "/external_admission_tokens",
        "/sessions",
    ]
    return [(await client.get(p, headers=w.owner.headers)).json() for p in paths]


async def build_world(client: httpx.AsyncClient, clock: FrozenClock) -> World:
    owner, stranger = await sign_up(client), await sign_up(client)
    h = owner.headers
    await client.post("/key_encryption_key", json={"serialized_key_encryption_key": wrapped_key()}, headers=h)
    dek = (
        await client.post(
            "/data_encryption_keys", json={"serialized_data_encryption_key": wrapped_key()}, headers=h
        )
    ).json()
    pair = rsa_keypair(0)
    keypair_body = {"public_key": pair.public_pem, "encrypted_serialized_key": wrapped_private_key(pair)}
    keypair = (
        await client.post(
            "/keypairs", json={**keypair_body, "external_identifiers": ["owner-only"]}, headers=h
        )
    ).json()
    space_id = await share_space(client, owner, rsa_keypair(RECIPIENT_KEY))
    await client.get("/external_admission_tokens", headers=h)
    sessions = (await client.get("/sessions", headers=h)).json()["sessions"]
    return World(
        owner=owner,
        stranger=stranger,
        dek_id=dek["data_encryption_key"]["id"],
        keypair_id=keypair["keypair"]["id"],
        space_id=space_id,
        now=clock.now,
        session_id=sessions[0]["id"],
    )


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.path}" for r in ROWS])
async def test_route_refuses_missing_bad_expired_and_revoked_tokens_and_hides_others_records(
    settings: Settings, clock: FrozenClock, row: Row
) -> None:
    async with app_client(create_app(settings, clock=clock, vault_app=FakeVault().app())) as client:
        expired = await sign_up(client)
        clock.advance(settings.session_lifetime + 1)
        revoked = await sign_up(client)
        assert (await client.delete("/session", headers=revoked.headers)).status_code == 204
        world = await build_world(client, clock)
        before = await owner_state(client, world)

        url, body = row.make(world)
        for headers in ({}, auth("garbage"), auth("Bearer "), expired.headers, revoked.headers):
            r = await client.request(row.method, url, json=body, headers=headers)
            assert r.status_code == 401, (headers, r.text)
            assert r.json()["errors"][0]["error"] == "unauthorized"
        assert await owner_state(client, world) == before

        url, body = row.make(world)
        r = await client.request(row.method, url, json=body, headers=world.stranger.headers)
        assert r.status_code == row.stranger, r.text
        if r.status_code == 404:
            assert r.json()["errors"][0]["error"] == "not_found"
        assert await owner_state(client, world) == before
        if row.method == "GET" and r.status_code == 200:
            assert world.owner.token not in r.text
            for owned in (world.dek_id, world.keypair_id, world.space_id, world.session_id):
                assert owned not in r.text


async def test_owner_reaches_every_route(settings: Settings, clock: FrozenClock) -> None:
    """The matrix's diagonal: the same requests succeed for the owner (a sanity check of the rows)."""
    async with app_client(create_app(settings, clock=clock, vault_app=FakeVault().app())) as client:
        world = await build_world(client, clock)
        for row in sorted(ROWS, key=lambda r: r.method == "DELETE"):  # deletions last
            if row.path.startswith("/session") or row.path == "/users/me":
                continue  # these end the owner's session or account: tested on their own
            url, body = row.make(world)
            if row.path == "/encryption_spaces" and row.method == "POST":
                body = {"encrypted_serialized_key": wrapped_key()}
            if row.path == "/shared_keys/{external_id}/claim_key":
                pair = rsa_keypair(RECIPIENT_KEY)
                body = {
                    "public_key": pair.public_pem,
                    "request_signature": claim_signature(pair, world.space_id, clock.now()),
                }
            if row.path == "/keypairs" and row.method == "POST":
                body = {**_keypair_body(), "external_identifiers": [str(uuid.uuid4())]}
            if row.path == "/key_encryption_key" and row.method == "POST":
                continue  # the owner has one: 409 is tested elsewhere
            if row.method == "PUT" and row.path in ("/users/me/credentials", "/key_encryption_key"):
                continue  # a fresh SRP proof is needed: tested in tests/keystore/test_keystore_lifecycle.py
            r = await client.request(row.method, url, json=body, headers=world.owner.headers)
            assert r.status_code in (200, 201, 204), (row, r.text)
