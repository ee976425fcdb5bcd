"""``PUT /shares``: the sender changes values, expiry and on-sharing; preconditions; side effects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from strongroom.crypto import encrypt_with_key
from strongroom.kit.clock import FrozenClock, isoformat
from tests.vault.factories import World, big_key_pool, build_world, decrypt_values, encrypt_values, parse_time
from tests.vault.helpers import VaultUser, error_code


async def put(vault: httpx.AsyncClient, user: VaultUser, *changes: dict[str, Any]) -> httpx.Response:
    return await vault.put("/shares", json={"shares": list(changes)}, headers=user.headers)


async def read(vault: httpx.AsyncClient, user: VaultUser, share_id: str) -> dict[str, Any]:
    response = await vault.get(f"/shares/{share_id}", headers=user.headers)
    assert response.status_code == 200, response.text
    share: dict[str, Any] = response.json()["share"]
    return share


def names(world: World) -> dict[str, str]:
    return {slot["id"]: name for name, slot in world.slots.items()}


async def test_sender_sends_new_values(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    new_values = encrypt_values(world.share.dek, world.slots, {"vin": "VIN-NEW", "make": "Volvo"})

    response = await put(
        vault, world.alice, {"id": world.share.id, "encrypted_values": new_values, "version": 1}
    )

    assert response.status_code == 200, response.text
    [share] = response.json()["shares"]
    assert share["version"] == 2
    assert share["encrypted_values"] == new_values
    seen = await read(vault, world.bob, world.share.id)
    assert decrypt_values(world.share.dek, names(world), seen["encrypted_values"]) == {
        "vin": "VIN-NEW",
        "make": "Volvo",
    }


async def test_the_reference_client_may_send_back_whole_share_objects(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    whole = await read(vault, world.alice, world.share.id)
    same = await put(vault, world.alice, whole)
    assert same.status_code == 200, same.text
    assert same.json()["shares"][0]["version"] == 1  # nothing changed, nothing bumped
    whole["encrypted_values"] = encrypt_values(world.share.dek, world.slots, {"vin": "2"})
    changed = await put(vault, world.alice, whole)
    assert changed.status_code == 200, changed.text
    assert changed.json()["shares"][0]["version"] == 2
    # The same object again is stale now: its updated_at is the old one.
    stale = await put(vault, world.alice, whole)
    assert (stale.status_code, error_code(stale)) == (409, "stale_update")


async def test_stale_preconditions_are_refused(vault: httpx.AsyncClient, clock: FrozenClock) -> None:
    world = await build_world(vault, big_key_pool())
    first = encrypt_values(world.share.dek, world.slots, {"vin": "1"})
    ok = await put(vault, world.alice, {"id": world.share.id, "encrypted_values": first, "version": 1})
    assert ok.status_code == 200
    clock.advance(1)
    second = encrypt_values(world.share.dek, world.slots, {"vin": "2"})
    for precondition in ({"version": 1}, {"updated_at": world.share.body["updated_at"]}):
        refused = await put(
            vault, world.alice, {"id": world.share.id, "encrypted_values": second, **precondition}
        )
        assert (refused.status_code, error_code(refused)) == (409, "stale_update")
    current = await read(vault, world.alice, world.share.id)
    assert current["encrypted_values"] == first
    assert current["version"] == 2
    fresh = await put(
        vault,
        world.alice,
        {"id": world.share.id, "encrypted_values": second, "updated_at": current["updated_at"]},
    )
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["shares"][0]["version"] == 3


async def test_only_the_sender_changes_a_share(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    values = encrypt_values(world.share.dek, world.slots, {"vin": "evil"})
    recipient = await put(vault, world.bob, {"id": world.share.id, "encrypted_values": values})
    assert (recipient.status_code, error_code(recipient)) == (403, "sender_only")
    for user in (world.carol, world.dave, world.eve):
        response = await put(vault, user, {"id": world.share.id, "encrypted_values": values})
        assert (response.status_code, error_code(response)) == (404, "not_found")
    # The item's owner cannot change Bob's on-share either.
    owner = await put(vault, world.alice, {"id": world.on_share.id, "distributable": True})
    assert (owner.status_code, error_code(owner)) == (404, "not_found")
    assert (await read(vault, world.alice, world.share.id))["encrypted_values"] == world.share.body[
        "encrypted_values"
    ]
    assert (await put(vault, world.alice, {"id": world.share.id})).status_code == 200
    assert (await vault.put("/shares", json={"shares": [{"id": world.share.id}]})).status_code == 401


async def test_changes_are_all_or_nothing(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    good = {
        "id": world.share.id,
        "encrypted_values": encrypt_values(world.share.dek, world.slots, {"vin": "1"}),
    }
    refused = await put(vault, world.alice, good, {"id": world.on_share.id})
    assert (refused.status_code, error_code(refused)) == (404, "not_found")
    assert (await read(vault, world.alice, world.share.id))["version"] == 1
    twice = await put(vault, world.alice, good, good)
    assert (twice.status_code, error_code(twice)) == (422, "duplicate_share")


async def test_new_values_follow_the_creation_rules(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    vin = world.slots["vin"]["id"]
    cases: list[tuple[Any, str]] = [
        ({vin: "plain"}, "invalid_encrypted_value"),
        ({"00000000-0000-0000-0000-000000000000": encrypt_with_key(world.share.dek, b"x")}, "unknown_slot"),
        ("[]", "invalid_encrypted_values"),
    ]
    for values, code in cases:
        response = await put(vault, world.alice, {"id": world.share.id, "encrypted_values": values})
        assert (response.status_code, error_code(response)) == (422, code), values
    assert (await read(vault, world.alice, world.share.id))["version"] == 1


async def test_expiry_changes(vault: httpx.AsyncClient, clock: FrozenClock) -> None:
    world = await build_world(vault, big_key_pool())
    now = clock.now()
    past = await put(vault, world.alice, {"id": world.share.id, "expires_at": isoformat(now)})
    assert (past.status_code, error_code(past)) == (422, "expires_at_in_past")
    soon = now + timedelta(hours=1)
    # The parent's new expiry reaches the on-share, which would outlive it otherwise.
    set_soon = await put(vault, world.alice, {"id": world.share.id, "expires_at": isoformat(soon)})
    assert set_soon.status_code == 200, set_soon.text
    on_share = await read(vault, world.bob, world.on_share.id)
    assert parse_time(on_share["expires_at"]) == soon
    assert on_share["version"] == 2
    later = soon + timedelta(hours=1)
    for change in ({"expires_at": isoformat(later)}, {"expires_at": None}):
        refused = await put(vault, world.bob, {"id": world.on_share.id, **change})
        assert (refused.status_code, error_code(refused)) == (422, "expires_after_parent"), change
    earlier = now + timedelta(minutes=30)
    assert (
        await put(vault, world.bob, {"id": world.on_share.id, "expires_at": isoformat(earlier)})
    ).status_code == 200
    # Clearing the parent's expiry does not lengthen the on-share.
    cleared = await put(vault, world.alice, {"id": world.share.id, "expires_at": None})
    assert cleared.status_code == 200
    assert cleared.json()["shares"][0]["expires_at"] is None
    assert parse_time((await read(vault, world.carol, world.on_share.id))["expires_at"]) == earlier


async def test_turning_distribution_off_revokes_on_shares(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    on = await put(vault, world.bob, {"id": world.on_share.id, "distributable": True})
    assert (on.status_code, error_code(on)) == (422, "on_share_not_distributable")

    off = await put(vault, world.alice, {"id": world.share.id, "distributable": False})

    assert off.status_code == 200, off.text
    assert off.json()["shares"][0]["distributable"] is False
    for user in (world.carol, world.bob):
        gone = await vault.get(f"/shares/{world.on_share.id}", headers=user.headers)
        assert gone.status_code == 404
    assert (await read(vault, world.bob, world.share.id))["distributable"] is False
    back_on = await put(vault, world.alice, {"id": world.share.id, "distributable": True})
    assert back_on.json()["shares"][0]["distributable"] is True
    assert (await vault.get(f"/shares/{world.on_share.id}", headers=world.carol.headers)).status_code == 404
