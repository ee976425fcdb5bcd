"""On-sharing: a recipient of a distributable share shares the card on, within the parent's limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from strongroom.crypto import generate_key
from strongroom.kit.clock import FrozenClock, isoformat
from tests.vault.factories import (
    big_key_pool,
    build_world,
    encrypt_values,
    link_space,
    pair,
    parse_time,
    post_share,
    share_card,
)
from tests.vault.helpers import connect, error_code, sign_up


async def test_on_share_rules(vault: httpx.AsyncClient, clock: FrozenClock) -> None:
    keys = big_key_pool()
    world = await build_world(vault, keys)
    bc = world.conns["bc"]["id"]
    dek = generate_key()

    async def on_share(**options: Any) -> httpx.Response:
        body = {
            "shareable_id": world.item["id"],
            "connection_id": bc,
            "encryption_space_id": await link_space(vault, world.bob, bc),
            "encrypted_values": encrypt_values(dek, world.slots, {"vin": "x"}),
            **options,
        }
        return await post_share(vault, world.bob, body)

    response = await on_share(distributable=True)
    assert (response.status_code, error_code(response)) == (422, "on_share_not_distributable")
    # Carol got a non-distributable on-share: she cannot share it further.
    await connect(vault, keys, world.carol, world.eve)
    carol_conn = (await vault.get("/connections", headers=world.carol.headers)).json()["connections"]
    ce = next(c for c in carol_conn if c["user_id"] == world.eve.id)
    response = await post_share(
        vault,
        world.carol,
        {
            "shareable_id": world.item["id"],
            "connection_id": ce["id"],
            "encryption_space_id": await link_space(vault, world.carol, ce["id"]),
            "encrypted_values": encrypt_values(dek, world.slots, {"vin": "x"}),
        },
    )
    assert (response.status_code, error_code(response)) == (403, "share_not_distributable")
    # Bob cannot share Alice's card back with Alice.
    ba = world.conns["ba"]["id"]
    response = await post_share(
        vault,
        world.bob,
        {
            "shareable_id": world.item["id"],
            "connection_id": ba,
            "encryption_space_id": await link_space(vault, world.bob, ba),
            "encrypted_values": encrypt_values(dek, world.slots, {"vin": "x"}),
        },
    )
    assert (response.status_code, error_code(response)) == (422, "recipient_is_owner")
    # The on-share Bob made in build_world is an on-share of Alice's share.
    assert world.on_share.body["parent_share_id"] == world.share.id
    assert world.on_share.body["owner_id"] == world.alice.id
    assert world.on_share.body["sender_id"] == world.bob.id
    assert world.on_share.body["distributable"] is False


async def test_on_shares_expire_no_later_than_their_parent(
    vault: httpx.AsyncClient, clock: FrozenClock
) -> None:
    p = await pair(vault)
    keys = p.keys
    carol = await sign_up(vault, keys)
    bc, _ = await connect(vault, keys, p.bob, carol)
    deadline = clock.now() + timedelta(hours=2)
    await share_card(
        vault, p.alice, p.ab["id"], p.item["id"], p.slots, distributable=True, expires_at=isoformat(deadline)
    )
    dek = generate_key()

    async def on_share(**options: Any) -> httpx.Response:
        body = {
            "shareable_id": p.item["id"],
            "connection_id": bc["id"],
            "encryption_space_id": await link_space(vault, p.bob, bc["id"]),
            "encrypted_values": encrypt_values(dek, p.slots, {"vin": "x"}),
            **options,
        }
        return await post_share(vault, p.bob, body)

    late = await on_share(expires_at=isoformat(deadline + timedelta(seconds=1)))
    assert (late.status_code, error_code(late)) == (422, "expires_after_parent")
    inherited = await on_share()
    assert inherited.status_code == 201, inherited.text
    assert parse_time(inherited.json()["shares"][0]["expires_at"]) == deadline


async def test_on_shares_carry_only_what_the_parent_carries(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    keys = p.keys
    carol = await sign_up(vault, keys)
    bc, _ = await connect(vault, keys, p.bob, carol)
    vin, make = p.slots["vin"]["id"], p.slots["make"]["id"]
    await share_card(
        vault, p.alice, p.ab["id"], p.item["id"], p.slots, {"vin": "1"}, slot_id=vin, distributable=True
    )
    dek = generate_key()
    values = encrypt_values(dek, p.slots, {"vin": "1", "make": "2"})
    for slot_id, chosen in ((make, {make: values[make]}), (None, values)):
        response = await post_share(
            vault,
            p.bob,
            {
                "shareable_id": p.item["id"],
                "connection_id": bc["id"],
                "encryption_space_id": await link_space(vault, p.bob, bc["id"]),
                "encrypted_values": chosen,
                "slot_id": slot_id,
            },
        )
        assert response.status_code == 422, slot_id
        assert error_code(response) in {"slot_not_shared", "slot_mismatch"}
    fine = await post_share(
        vault,
        p.bob,
        {
            "shareable_id": p.item["id"],
            "connection_id": bc["id"],
            "encryption_space_id": await link_space(vault, p.bob, bc["id"]),
            "encrypted_values": {vin: values[vin]},
        },
    )
    assert fine.status_code == 201, fine.text
    assert fine.json()["shares"][0]["slot_id"] == vin


async def test_an_unaccepted_share_cannot_be_shared_on(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    keys = p.keys
    carol = await sign_up(vault, keys)
    bc, _ = await connect(vault, keys, p.bob, carol)
    shared = await share_card(
        vault, p.alice, p.ab["id"], p.item["id"], p.slots, distributable=True, terms="Mine"
    )
    dek = generate_key()

    async def attempt() -> httpx.Response:
        return await post_share(
            vault,
            p.bob,
            {
                "shareable_id": p.item["id"],
                "connection_id": bc["id"],
                "encryption_space_id": await link_space(vault, p.bob, bc["id"]),
                "encrypted_values": encrypt_values(dek, p.slots, {"vin": "x"}),
            },
        )

    refused = await attempt()
    assert (refused.status_code, error_code(refused)) == (403, "share_not_accepted")
    assert (await vault.put(f"/shares/{shared.id}/accept", headers=p.bob.headers)).status_code == 200
    assert (await attempt()).status_code == 201
