"""Races: concurrent updates of one share and concurrent shares on one encryption space.

Requests run concurrently through the in-process app; on PostgreSQL they really overlap, on SQLite the
write lock serialises them. Either way the outcome must be exactly one winner (or updates applied one on
top of another), never a lost update or a duplicate.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from strongroom.crypto import generate_key
from tests.vault.factories import (
    big_key_pool,
    build_world,
    encrypt_values,
    link_space,
    make_card,
    post_share,
)
from tests.vault.helpers import error_code

RACERS = 6


async def test_racing_updates_with_one_precondition_have_one_winner(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    candidates = [encrypt_values(world.share.dek, world.slots, {"vin": f"VIN-{n}"}) for n in range(RACERS)]

    responses = await asyncio.gather(
        *(
            vault.put(
                "/shares",
                json={"shares": [{"id": world.share.id, "encrypted_values": values, "version": 1}]},
                headers=world.alice.headers,
            )
            for values in candidates
        )
    )

    winners = [n for n, r in enumerate(responses) if r.status_code == 200]
    losers = [r for r in responses if r.status_code != 200]
    assert len(winners) == 1, [r.text for r in responses]
    assert all((r.status_code, error_code(r)) == (409, "stale_update") for r in losers)
    share = (await vault.get(f"/shares/{world.share.id}", headers=world.bob.headers)).json()["share"]
    assert share["version"] == 2
    assert share["encrypted_values"] == candidates[winners[0]]


async def test_racing_updates_without_precondition_lose_nothing(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    candidates = [encrypt_values(world.share.dek, world.slots, {"vin": f"VIN-{n}"}) for n in range(RACERS)]

    responses = await asyncio.gather(
        *(
            vault.put(
                "/shares",
                json={"shares": [{"id": world.share.id, "encrypted_values": values}]},
                headers=world.alice.headers,
            )
            for values in candidates
        )
    )

    applied = [r.json()["shares"][0] for r in responses if r.status_code == 200]
    assert applied, [r.text for r in responses]
    assert all(
        (r.status_code, error_code(r)) == (409, "stale_update") for r in responses if r.status_code != 200
    )
    # Every applied update got its own version: none overwrote another unseen.
    assert sorted(s["version"] for s in applied) == list(range(2, 2 + len(applied)))
    final = (await vault.get(f"/shares/{world.share.id}", headers=world.alice.headers)).json()["share"]
    assert final["version"] == 1 + len(applied)
    last = max(applied, key=lambda s: s["version"])
    assert final["encrypted_values"] == last["encrypted_values"]


async def _race_creates(
    vault: httpx.AsyncClient, sender_headers: dict[str, str], bodies: list[dict[str, Any]]
) -> list[httpx.Response]:
    return list(
        await asyncio.gather(
            *(vault.post("/shares", json={"shares": [body]}, headers=sender_headers) for body in bodies)
        )
    )


async def test_racing_shares_on_one_space_have_one_winner(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    ad = world.conns["ad"]["id"]
    space_id = await link_space(vault, world.alice, ad)
    dek = generate_key()
    bodies = []
    for n in range(RACERS):
        item, slots = await make_card(vault, world.alice, f"Card {n}", {"vin": str(n)})
        bodies.append(
            {
                "shareable_id": item["id"],
                "connection_id": ad,
                "encryption_space_id": space_id,
                "encrypted_values": encrypt_values(dek, slots, {"vin": str(n)}),
            }
        )
    # The same card raced too.
    bodies.append(dict(bodies[0]))

    responses = await _race_creates(vault, world.alice.headers, bodies)

    assert sorted(r.status_code for r in responses) == [201] + [409] * RACERS, [r.text for r in responses]
    assert all(error_code(r) == "encryption_space_in_use" for r in responses if r.status_code == 409)
    received = (await vault.get("/shares", headers=world.dave.headers)).json()["shares"]
    assert [s["encryption_space_id"] for s in received] == [space_id]


async def test_racing_shares_of_one_card_on_the_connection_space_have_one_winner(
    vault: httpx.AsyncClient,
) -> None:
    world = await build_world(vault, big_key_pool())
    ad = world.conns["ad"]["id"]
    await link_space(vault, world.alice, ad)
    dek = generate_key()
    body = {
        "shareable_id": world.item["id"],
        "shareable_type": "Item",
        "user_id": world.dave.id,
        "outgoing": True,
        "encrypted_values": json.dumps(encrypt_values(dek, world.slots, {"vin": "1"})),
    }

    responses = await _race_creates(vault, world.alice.headers, [dict(body) for _ in range(RACERS)])

    assert sorted(r.status_code for r in responses) == [201] + [409] * (RACERS - 1), [
        r.text for r in responses
    ]
    assert len((await vault.get("/shares", headers=world.dave.headers)).json()["shares"]) == 1
    # A different card on the same connection space is fine (the reference client's reuse).
    other, other_slots = await make_card(vault, world.alice, "Other")
    second = await post_share(
        vault,
        world.alice,
        {
            **body,
            "shareable_id": other["id"],
            "encrypted_values": encrypt_values(dek, other_slots, {"vin": "2"}),
        },
    )
    assert second.status_code == 201, second.text
