"""Factories of the share tests: cards, encryption-space links, shares, and a small world of users.

Users and connections are made through the Vault's own endpoints (``tests.vault.helpers``); shares'
values are encrypted with a per-share DEK the test keeps, as a client would.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from strongroom.crypto import (
    KeyPair,
    decrypt_with_key,
    decrypt_with_private_key,
    encrypt_with_key,
    generate_key,
    generate_keypair,
)
from tests.vault.helpers import KeyPool, VaultUser, connect, sign_up

_POOL: list[KeyPair] = []


def parse_time(text: str) -> datetime:
    """A timestamp of a response (ISO 8601, ``Z`` or offset) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def big_key_pool(size: int = 24) -> KeyPool:
    """A pool of ``size`` distinct 2048-bit key pairs, generated once per test process."""
    while len(_POOL) < size:
        _POOL.append(generate_keypair(2048))
    return KeyPool(list(_POOL[:size]))


async def make_card(
    vault: httpx.AsyncClient, user: VaultUser, label: str = "My car", values: dict[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A vehicle card with ``values`` (slot name → plaintext); returns (item, slots by name)."""
    values = values if values is not None else {"vin": "VIN-123", "make": "Saab"}
    response = await vault.post(
        "/items",
        json={
            "template_name": "vehicle",
            "item": {
                "label": label,
                "slots_attributes": [
                    {"name": name, "encrypted_value": user.encrypt(text)} for name, text in values.items()
                ],
            },
        },
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["item"], {slot["name"]: slot for slot in body["slots"]}


async def link_space(
    vault: httpx.AsyncClient, user: VaultUser, connection_id: str, space_id: str | None = None
) -> str:
    """Link a (new, unless given) encryption space id to the user's connection; returns the space id."""
    space_id = space_id or str(uuid.uuid4())
    response = await vault.post(
        f"/connections/{connection_id}/encryption_space",
        json={"encryption_space_id": space_id},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return space_id


def encrypt_values(dek: bytes, slots: dict[str, dict[str, Any]], plain: dict[str, str]) -> dict[str, str]:
    """``plain`` (slot name → text) encrypted with ``dek``, keyed by slot id."""
    return {slots[name]["id"]: encrypt_with_key(dek, text.encode()) for name, text in plain.items()}


def decrypt_values(dek: bytes, slots_by_id: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    """``values`` (slot id → cryppo) decrypted with ``dek``, by slot name (``slots_by_id``: id → name)."""
    return {slots_by_id[slot_id]: decrypt_with_key(dek, text).decode() for slot_id, text in values.items()}


@dataclass
class Shared:
    """A share made by a test, with the DEK and the space that back it."""

    id: str
    body: dict[str, Any]
    dek: bytes
    space_id: str


async def post_share(vault: httpx.AsyncClient, sender: VaultUser, share: dict[str, Any]) -> httpx.Response:
    return await vault.post("/shares", json={"shares": [share]}, headers=sender.headers)


async def share_card(
    vault: httpx.AsyncClient,
    sender: VaultUser,
    connection_id: str,
    item_id: str,
    slots: dict[str, dict[str, Any]],
    plain: dict[str, str] | None = None,
    **options: Any,
) -> Shared:
    """Share ``item_id`` over the sender's ``connection_id`` through a fresh space (``options``: body)."""
    dek = generate_key()
    space_id = await link_space(vault, sender, connection_id)
    plain = plain if plain is not None else {"vin": "VIN-123", "make": "Saab"}
    body = {
        "shareable_type": "Item",
        "shareable_id": item_id,
        "connection_id": connection_id,
        "encryption_space_id": space_id,
        "encrypted_values": encrypt_values(dek, slots, plain),
        **options,
    }
    response = await post_share(vault, sender, body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()["shares"][0]
    return Shared(id=created["id"], body=created, dek=dek, space_id=space_id)


async def log_in(vault: httpx.AsyncClient, user: VaultUser) -> None:
    """A fresh session for ``user`` (its token replaces ``user.token``)."""
    response = await vault.post("/session", json={"public_key": user.login.public_pem})
    assert response.status_code == 200, response.text
    encrypted = response.json()["session"]["encrypted_session_authentication_string"]
    user.token = decrypt_with_private_key(user.login.private_pem, encrypted).decode()


@dataclass
class World:
    """Alice owns a card and shared it (distributable) with Bob, who shared it on to Carol. Dave is connected
    to Alice and Bob but got nothing; Eve is connected to nobody."""

    alice: VaultUser
    bob: VaultUser
    carol: VaultUser
    dave: VaultUser
    eve: VaultUser
    item: dict[str, Any]
    slots: dict[str, dict[str, Any]]
    share: Shared
    on_share: Shared
    conns: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Connection records by "<owner><other>" initials, e.g. ``conns["ab"]`` is Alice's record with Bob."""


async def connect_pair(
    vault: httpx.AsyncClient,
    keys: KeyPool,
    world: dict[str, dict[str, Any]],
    a: tuple[str, VaultUser],
    b: tuple[str, VaultUser],
) -> None:
    first, second = await connect(vault, keys, a[1], b[1])
    world[a[0] + b[0]] = first
    world[b[0] + a[0]] = second


async def build_world(vault: httpx.AsyncClient, keys: KeyPool) -> World:
    alice, bob, carol, dave, eve = [
        await sign_up(vault, keys, full_name=name) for name in ("Alice", "Bob", "Carol", "Dave", "Eve")
    ]
    conns: dict[str, dict[str, Any]] = {}
    await connect_pair(vault, keys, conns, ("a", alice), ("b", bob))
    await connect_pair(vault, keys, conns, ("b", bob), ("c", carol))
    await connect_pair(vault, keys, conns, ("a", alice), ("d", dave))
    await connect_pair(vault, keys, conns, ("b", bob), ("d", dave))
    item, slots = await make_card(vault, alice)
    share = await share_card(vault, alice, conns["ab"]["id"], item["id"], slots, distributable=True)
    on_share = await share_card(vault, bob, conns["bc"]["id"], item["id"], slots)
    return World(alice, bob, carol, dave, eve, item, slots, share, on_share, conns)


@dataclass
class Pair:
    alice: VaultUser
    bob: VaultUser
    ab: dict[str, Any]
    ba: dict[str, Any]
    item: dict[str, Any]
    slots: dict[str, dict[str, Any]]
    keys: KeyPool


async def pair(vault: httpx.AsyncClient) -> Pair:
    """Alice and Bob, connected; Alice has a card. ``keys`` hands out further key pairs."""
    keys = big_key_pool()
    alice = await sign_up(vault, keys, full_name="Alice")
    bob = await sign_up(vault, keys, full_name="Bob")
    ab, ba = await connect(vault, keys, alice, bob)
    item, slots = await make_card(vault, alice)
    return Pair(alice, bob, ab, ba, item, slots, keys)
