"""Connections: accepting invitations (single use, expiry, refusals), reading and deleting both records."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.crypto import fingerprint
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from strongroom.vault.connections import hooks
from strongroom.vault.models import Connection, Invitation, Item, PublicKey
from tests.vault.helpers import (
    KeyPool,
    VaultUser,
    add_public_key,
    connect,
    delete_me,
    error_code,
    invite,
    sign_up,
)


async def accept(
    vault: httpx.AsyncClient, user: VaultUser, key_id: str, token: str, **extra: Any
) -> httpx.Response:
    return await vault.post(
        "/connections",
        json={
            "public_key_id": key_id,
            "invitation_token": token,
            "encrypted_recipient_name": user.encrypt("x"),
            **extra,
        },
        headers=user.headers,
    )


async def test_accepting_makes_two_mirrored_records(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys, full_name="Alice")
    bob = await sign_up(vault, keys, full_name="Bob")
    await vault.put("/me", json={"user": {"email": "bob@example.test"}}, headers=bob.headers)
    alice_pair, bob_pair = keys.take(), keys.take()
    alice_key = await add_public_key(vault, alice, alice_pair)
    bob_key = await add_public_key(vault, bob, bob_pair)
    invitation = await invite(vault, alice, alice_key["id"])
    bob_nickname = bob.encrypt("Alice")
    response = await vault.post(
        "/connections",
        json={
            "public_key_id": bob_key["id"],
            "encrypted_recipient_name": bob_nickname,
            "invitation_token": invitation["token"],
            "invitation_id": invitation["id"],
        },
        headers=bob.headers,
    )
    assert response.status_code == 201, response.text
    mine = response.json()["connection"]
    assert mine["user_id"] == alice.id
    assert mine["user_name"] == "Alice"
    assert mine["user_email"] is None
    assert mine["public_key"] == bob_pair.public_pem
    assert mine["key_store_keypair_id"] == bob_key["key_store_id"]
    assert mine["public_key_encryption_strategy"] == "Rsa2048"
    assert mine["public_key_fingerprint"] == fingerprint(bob_pair.public_pem)
    assert mine["other_user_connection_public_key"] == alice_pair.public_pem
    assert mine["other_user_connection_key_store_keypair_id"] == alice_key["key_store_id"]
    assert mine["other_user_connection_public_key_fingerprint"] == fingerprint(alice_pair.public_pem)
    assert mine["other_user_connection_public_key_encryption_strategy"] == "Rsa2048"
    assert mine["encryption_space_id"] is None
    assert mine["other_user_connection_encryption_space_id"] is None
    assert mine["encrypted_recipient_name"] == bob_nickname

    listing = (await vault.get("/connections", headers=alice.headers)).json()
    assert listing["programs"] == []
    [theirs] = listing["connections"]
    assert theirs["id"] != mine["id"]
    assert theirs["user_id"] == bob.id
    assert theirs["user_name"] == "Bob"
    assert theirs["user_email"] == "bob@example.test"
    assert theirs["public_key"] == mine["other_user_connection_public_key"]
    assert theirs["other_user_connection_public_key"] == mine["public_key"]
    assert theirs["key_store_keypair_id"] == alice_key["key_store_id"]
    assert theirs["encrypted_recipient_name"] == invitation["encrypted_recipient_name"]
    assert (await vault.get(f"/connections/{mine['id']}", headers=bob.headers)).json()["connection"] == mine

    shown = (await vault.get(f"/invitations/{invitation['id']}", headers=alice.headers)).json()["invitation"]
    assert shown["state"] == "accepted"
    assert shown["invited_user_id"] == bob.id
    assert shown["user_name"] == "Bob"


async def test_an_invitation_is_accepted_once(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    carol = await sign_up(vault, keys)
    invitation = await invite(vault, alice, (await add_public_key(vault, alice, keys.take()))["id"])
    bob_key = await add_public_key(vault, bob, keys.take())
    carol_key = await add_public_key(vault, carol, keys.take())
    assert (await accept(vault, bob, bob_key["id"], invitation["token"])).status_code == 201
    again = await accept(vault, carol, carol_key["id"], invitation["token"])
    assert again.status_code == 410
    assert error_code(again) == "invitation_used"
    assert (await vault.get("/connections", headers=carol.headers)).json()["connections"] == []


async def test_racing_accepts_have_exactly_one_winner(
    vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    alice = await sign_up(vault, keys)
    invitation = await invite(vault, alice, (await add_public_key(vault, alice, keys.take()))["id"])
    takers = [await sign_up(vault, keys) for _ in range(3)]
    taker_keys = [await add_public_key(vault, t, keys.take()) for t in takers]
    responses = await asyncio.gather(
        *(accept(vault, t, k["id"], invitation["token"]) for t, k in zip(takers, taker_keys, strict=True))
    )
    assert sorted(r.status_code for r in responses) == [201, 410, 410]
    assert {error_code(r) for r in responses if r.status_code == 410} == {"invitation_used"}
    async with vault_app.state.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Connection))).scalar_one() == 2


async def test_accept_refusals_change_nothing(
    vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    alice_key = await add_public_key(vault, alice, keys.take())
    bob_key = await add_public_key(vault, bob, keys.take())
    invitation = await invite(vault, alice, alice_key["id"])
    other_invitation = await invite(vault, alice, alice_key["id"])
    token = invitation["token"]
    cases: Sequence[tuple[VaultUser, dict[str, Any], int, str]] = [
        (
            alice,
            {"public_key_id": alice_key["id"], "invitation_token": token},
            422,
            "cannot_accept_own_invitation",
        ),
        (bob, {"public_key_id": bob_key["id"], "invitation_token": "inv_guess"}, 404, "not_found"),
        (
            bob,
            {
                "public_key_id": bob_key["id"],
                "invitation_token": token,
                "invitation_id": other_invitation["id"],
            },
            404,
            "not_found",
        ),
        (bob, {"public_key_id": alice_key["id"], "invitation_token": token}, 404, "not_found"),
        (bob, {"public_key_id": str(uuid.uuid4()), "invitation_token": token}, 404, "not_found"),
        (
            bob,
            {"public_key_id": bob_key["id"], "invitation_token": token, "encrypted_recipient_name": "Alice"},
            422,
            "invalid_encrypted_value",
        ),
        (bob, {"public_key_id": bob_key["id"]}, 422, "validation_failed"),
    ]
    for user, body, status, code in cases:
        response = await vault.post("/connections", json=body, headers=user.headers)
        assert response.status_code == status, body
        assert error_code(response) == code, body
    assert (
        await vault.post("/connections", json={"public_key_id": bob_key["id"], "invitation_token": token})
    ).status_code == 401
    malformed = await vault.post(
        "/connections", content=b"[", headers={**bob.headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    async with vault_app.state.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Connection))).scalar_one() == 0
        states = set((await session.execute(select(Invitation.state))).scalars())
    assert states == {"new"}


async def test_expired_invitation_is_gone(
    vault: httpx.AsyncClient, keys: KeyPool, clock: FrozenClock, settings: Settings
) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    # Shorter than a session, so that Bob's token still works when the invitation has expired.
    invitation = await invite(
        vault, alice, (await add_public_key(vault, alice, keys.take()))["id"], expires_in=3600
    )
    bob_key = await add_public_key(vault, bob, keys.take())
    clock.advance(3600)
    response = await accept(vault, bob, bob_key["id"], invitation["token"])
    assert response.status_code == 410
    assert error_code(response) == "invitation_expired"


async def test_invitation_accepted_just_before_expiry(
    vault: httpx.AsyncClient, keys: KeyPool, clock: FrozenClock, settings: Settings
) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    invitation = await invite(
        vault, alice, (await add_public_key(vault, alice, keys.take()))["id"], expires_in=3600
    )
    bob_key = await add_public_key(vault, bob, keys.take())
    clock.advance(3599)
    assert (await accept(vault, bob, bob_key["id"], invitation["token"])).status_code == 201


async def test_already_connected_names_the_connection(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    alice_record, bob_record = await connect(vault, keys, alice, bob)
    # A second invitation between the same two people, in either direction.
    second = await invite(vault, alice, (await add_public_key(vault, alice, keys.take()))["id"])
    response = await accept(
        vault, bob, (await add_public_key(vault, bob, keys.take()))["id"], second["token"]
    )
    assert response.status_code == 409
    assert error_code(response) == "already_connected"
    assert bob_record["id"] in response.json()["errors"][0]["message"]
    reverse = await invite(vault, bob, (await add_public_key(vault, bob, keys.take()))["id"])
    response = await accept(
        vault, alice, (await add_public_key(vault, alice, keys.take()))["id"], reverse["token"]
    )
    assert response.status_code == 409
    assert alice_record["id"] in response.json()["errors"][0]["message"]
    # The refused invitation is still open.
    assert (await vault.get(f"/invitations/{second['id']}", headers=alice.headers)).json()["invitation"][
        "state"
    ] == "new"


async def test_connections_are_private(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    carol = await sign_up(vault, keys)
    alice_record, bob_record = await connect(vault, keys, alice, bob)
    for record in (alice_record, bob_record):
        path = f"/connections/{record['id']}"
        assert (await vault.get(path, headers=carol.headers)).status_code == 404
        assert (await vault.delete(path, headers=carol.headers)).status_code == 404
        assert (await vault.get(path)).status_code == 401
        assert (await vault.delete(path)).status_code == 401
    # Each user reaches only their own record.
    assert (await vault.get(f"/connections/{bob_record['id']}", headers=alice.headers)).status_code == 404
    assert (await vault.delete(f"/connections/{bob_record['id']}", headers=alice.headers)).status_code == 404
    assert (await vault.get("/connections", headers=carol.headers)).json()["connections"] == []
    assert (await vault.get(f"/connections/{alice_record['id']}", headers=alice.headers)).status_code == 200


@pytest.fixture
def deleted_connections(monkeypatch: pytest.MonkeyPatch) -> list[set[uuid.UUID]]:
    calls: list[set[uuid.UUID]] = []

    async def record(session: AsyncSession, connection_ids: Sequence[uuid.UUID], now: datetime) -> None:
        calls.append(set(connection_ids))

    monkeypatch.setattr(hooks, "on_connection_deleted", record)
    return calls


async def test_deleting_a_connection_deletes_both_records(
    vault: httpx.AsyncClient, keys: KeyPool, deleted_connections: list[set[uuid.UUID]]
) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    alice_record, bob_record = await connect(vault, keys, alice, bob)
    assert (await vault.delete(f"/connections/{bob_record['id']}", headers=bob.headers)).status_code == 204
    assert deleted_connections == [{uuid.UUID(alice_record["id"]), uuid.UUID(bob_record["id"])}]
    assert (await vault.get("/connections", headers=alice.headers)).json()["connections"] == []
    assert (await vault.get("/connections", headers=bob.headers)).json()["connections"] == []
    assert (await vault.get(f"/connections/{alice_record['id']}", headers=alice.headers)).status_code == 404
    # They may connect again.
    await connect(vault, keys, bob, alice)


async def test_deleting_an_account_removes_it_everywhere(
    vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool, deleted_connections: list[set[uuid.UUID]]
) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    alice_record, bob_record = await connect(vault, keys, alice, bob)
    await invite(
        vault, alice, (await add_public_key(vault, alice, keys.take()))["id"], email="x@example.test"
    )
    await vault.post("/items", json={"template_name": "note", "item": {"label": "n"}}, headers=alice.headers)
    bob_items = (
        await vault.post(
            "/items", json={"template_name": "note", "item": {"label": "b"}}, headers=bob.headers
        )
    ).json()

    assert (await delete_me(vault, alice)).status_code == 204
    assert deleted_connections == [{uuid.UUID(alice_record["id"]), uuid.UUID(bob_record["id"])}]
    assert (await vault.get("/connections", headers=bob.headers)).json()["connections"] == []
    async with vault_app.state.sessions() as session:
        for model in (Connection, Invitation):
            assert (await session.execute(select(func.count()).select_from(model))).scalar_one() == 0
        owners = set((await session.execute(select(PublicKey.user_id))).scalars())
        items = list((await session.execute(select(Item.id))).scalars())
    assert owners == {uuid.UUID(bob.id)}
    assert items == [uuid.UUID(bob_items["item"]["id"])]


async def test_connection_list_pages(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    friends = [await sign_up(vault, keys) for _ in range(3)]
    for friend in friends:
        await connect(vault, keys, alice, friend)
    everything = (await vault.get("/connections", headers=alice.headers)).json()["connections"]
    assert {c["user_id"] for c in everything} == {f.id for f in friends}
    first = (await vault.get("/connections", params={"per_page": 2}, headers=alice.headers)).json()
    assert first["connections"] == everything[:2]
    rest = (
        await vault.get(
            "/connections",
            params={"per_page": 2, "next_page_after": first["meta"]["next_page_after"]},
            headers=alice.headers,
        )
    ).json()
    assert rest["connections"] == everything[2:]
    assert rest["next_page_after"] is None
