"""Expiry: a share past its ``expires_at`` is never served, whether or not the sweeper has run."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from strongroom.crypto import generate_key
from strongroom.kit.clock import FrozenClock, isoformat
from tests.vault.factories import (
    big_key_pool,
    build_world,
    encrypt_values,
    link_space,
    make_card,
    post_share,
    share_card,
)
from tests.vault.helpers import connect, error_code, sign_up


async def test_an_expired_share_is_never_served(vault: httpx.AsyncClient, clock: FrozenClock) -> None:
    world = await build_world(vault, big_key_pool())
    deadline = clock.now() + timedelta(hours=1)
    update = await vault.put(
        "/shares",
        json={"shares": [{"id": world.share.id, "expires_at": isoformat(deadline)}]},
        headers=world.alice.headers,
    )
    assert update.status_code == 200, update.text
    clock.advance(3600 - 1)
    assert (await vault.get(f"/shares/{world.share.id}", headers=world.bob.headers)).status_code == 200
    assert (await vault.get(f"/shares/{world.on_share.id}", headers=world.carol.headers)).status_code == 200

    clock.advance(1)

    for user, share_id in (
        (world.alice, world.share.id),
        (world.bob, world.share.id),
        (world.bob, world.on_share.id),
        (world.carol, world.on_share.id),
    ):
        response = await vault.get(f"/shares/{share_id}", headers=user.headers)
        assert (response.status_code, error_code(response)) == (404, "not_found")
    for user in (world.alice, world.bob, world.carol):
        assert (await vault.get("/shares", headers=user.headers)).json()["shares"] == []
        assert (await vault.get("/items/incoming", headers=user.headers)).json()["items"] == []
    assert (await vault.put(f"/shares/{world.share.id}/accept", headers=world.bob.headers)).status_code == 404
    assert (await vault.delete(f"/shares/{world.share.id}", headers=world.bob.headers)).status_code == 404
    extend = await vault.put(
        "/shares",
        json={"shares": [{"id": world.share.id, "expires_at": isoformat(deadline + timedelta(days=1))}]},
        headers=world.alice.headers,
    )
    assert extend.status_code == 404
    # Nor can the card be shared on from an expired share.
    bd = world.conns["bd"]["id"]
    attempt = await post_share(
        vault,
        world.bob,
        {
            "shareable_id": world.item["id"],
            "connection_id": bd,
            "encryption_space_id": await link_space(vault, world.bob, bd),
            "encrypted_values": encrypt_values(generate_key(), world.slots, {"vin": "x"}),
        },
    )
    assert (attempt.status_code, error_code(attempt)) == (404, "not_found")


async def test_an_expired_share_frees_its_space_for_the_card(
    vault: httpx.AsyncClient, clock: FrozenClock
) -> None:
    keys = big_key_pool()
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    ab, _ = await connect(vault, keys, alice, bob)
    item, slots = await make_card(vault, alice)
    dek = generate_key()
    space_id = await link_space(vault, alice, ab["id"])
    body = {
        "shareable_id": item["id"],
        "connection_id": ab["id"],
        "encryption_space_id": space_id,
        "encrypted_values": encrypt_values(dek, slots, {"vin": "1"}),
        "expires_at": isoformat(clock.now() + timedelta(minutes=5)),
    }
    assert (await post_share(vault, alice, body)).status_code == 201
    busy = await post_share(vault, alice, {**body, "expires_at": None})
    assert (busy.status_code, error_code(busy)) == (409, "encryption_space_in_use")
    clock.advance(300)
    again = await post_share(vault, alice, {**body, "expires_at": None})
    assert again.status_code == 201, again.text
    assert len((await vault.get("/shares", headers=bob.headers)).json()["shares"]) == 1


async def test_expiry_is_checked_against_the_request_time(
    vault: httpx.AsyncClient, clock: FrozenClock
) -> None:
    keys = big_key_pool()
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    ab, _ = await connect(vault, keys, alice, bob)
    item, slots = await make_card(vault, alice)
    shared = await share_card(
        vault, alice, ab["id"], item["id"], slots, expires_at=isoformat(clock.now() + timedelta(seconds=10))
    )
    clock.advance(9)
    assert (await vault.get(f"/shares/{shared.id}", headers=bob.headers)).status_code == 200
    clock.advance(1)
    assert (await vault.get(f"/shares/{shared.id}", headers=bob.headers)).status_code == 404


EXTREME_TIMES = [
    "9999-12-31T23:59:59-14:00",  # overflowed converting to UTC (a 500)
    "9999-12-31T23:59:59.999999+00:00",
    "0001-01-01T00:00:00+14:00",
    "1969-12-31T23:59:59Z",
    "9000-01-01T00:00:00Z",
]


async def test_extreme_expiry_times_answer_422(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    for value in EXTREME_TIMES:
        update = await vault.put(
            "/shares",
            json={"shares": [{"id": world.share.id, "expires_at": value}]},
            headers=world.alice.headers,
        )
        assert (update.status_code, error_code(update)) == (422, "validation_failed"), (value, update.text)
        body = {
            "shareable_id": str(uuid.uuid4()),
            "connection_id": world.conns["bd"]["id"],
            "expires_at": value,
        }
        create = await post_share(vault, world.bob, body)
        assert (create.status_code, error_code(create)) == (422, "validation_failed"), (value, create.text)
    assert (await vault.get(f"/shares/{world.share.id}", headers=world.bob.headers)).json()["share"][
        "expires_at"
    ] is None
