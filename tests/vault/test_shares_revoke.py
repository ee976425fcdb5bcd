"""Revocation: ``DELETE /shares/{id}`` by sender or recipient, and shares dying with what they depend on."""

from __future__ import annotations

import httpx

from tests.vault.factories import World, big_key_pool, build_world, make_card, share_card
from tests.vault.helpers import VaultUser, delete_me, error_code


async def status_of(vault: httpx.AsyncClient, user: VaultUser, share_id: str) -> int:
    return (await vault.get(f"/shares/{share_id}", headers=user.headers)).status_code


async def gone_for_everyone(vault: httpx.AsyncClient, world: World, share_id: str) -> None:
    for user in (world.alice, world.bob, world.carol, world.dave, world.eve):
        assert await status_of(vault, user, share_id) == 404
        listed = (await vault.get("/shares", headers=user.headers)).json()["shares"]
        assert share_id not in {share["id"] for share in listed}


async def test_sender_revokes_and_the_on_share_dies_with_it(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())

    response = await vault.delete(f"/shares/{world.share.id}", headers=world.alice.headers)

    assert response.status_code == 204
    await gone_for_everyone(vault, world, world.share.id)
    await gone_for_everyone(vault, world, world.on_share.id)
    again = await vault.delete(f"/shares/{world.share.id}", headers=world.alice.headers)
    assert (again.status_code, error_code(again)) == (404, "not_found")
    for path in (f"/shares/{world.share.id}/accept",):
        assert (await vault.put(path, headers=world.bob.headers)).status_code == 404
    update = await vault.put(
        "/shares", json={"shares": [{"id": world.share.id}]}, headers=world.alice.headers
    )
    assert update.status_code == 404
    incoming = (await vault.get("/items/incoming", headers=world.bob.headers)).json()
    assert incoming["items"] == []


async def test_recipient_revokes(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    assert (await vault.delete(f"/shares/{world.share.id}", headers=world.bob.headers)).status_code == 204
    await gone_for_everyone(vault, world, world.share.id)
    await gone_for_everyone(vault, world, world.on_share.id)


async def test_an_on_share_is_revoked_alone(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    assert (
        await vault.delete(f"/shares/{world.on_share.id}", headers=world.carol.headers)
    ).status_code == 204
    await gone_for_everyone(vault, world, world.on_share.id)
    assert await status_of(vault, world.bob, world.share.id) == 200


async def test_nobody_else_revokes(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    for user, share_id in (
        (world.carol, world.share.id),
        (world.dave, world.share.id),
        (world.eve, world.share.id),
        (world.alice, world.on_share.id),  # the owner of the card, but not a party to Bob's on-share
        (world.dave, world.on_share.id),
    ):
        response = await vault.delete(f"/shares/{share_id}", headers=user.headers)
        assert (response.status_code, error_code(response)) == (404, "not_found")
    assert await status_of(vault, world.bob, world.share.id) == 200
    assert await status_of(vault, world.carol, world.on_share.id) == 200
    assert (await vault.delete(f"/shares/{world.share.id}")).status_code == 401
    assert (await vault.delete("/shares/nope", headers=world.alice.headers)).status_code == 422


async def test_deleting_a_connection_revokes_the_shares_over_it(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    item, slots = await make_card(vault, world.bob, "Bob's")
    bobs_card = await share_card(vault, world.bob, world.conns["ba"]["id"], item["id"], slots)
    response = await vault.delete(f"/connections/{world.conns['ba']['id']}", headers=world.bob.headers)
    assert response.status_code == 204
    await gone_for_everyone(vault, world, world.share.id)
    await gone_for_everyone(vault, world, world.on_share.id)  # it came from the revoked share
    await gone_for_everyone(vault, world, bobs_card.id)


async def test_deleting_the_card_or_its_slot_revokes_its_shares(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    vin = world.slots["vin"]["id"]
    single = await share_card(
        vault, world.alice, world.conns["ad"]["id"], world.item["id"], world.slots, {"vin": "1"}, slot_id=vin
    )
    assert (await vault.delete(f"/slots/{vin}", headers=world.alice.headers)).status_code == 204
    assert await status_of(vault, world.dave, single.id) == 404
    assert await status_of(vault, world.bob, world.share.id) == 200

    assert (await vault.delete(f"/items/{world.item['id']}", headers=world.alice.headers)).status_code == 204
    await gone_for_everyone(vault, world, world.share.id)
    await gone_for_everyone(vault, world, world.on_share.id)


async def test_deleting_an_account_revokes_its_shares(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    assert (await delete_me(vault, world.bob)).status_code == 204
    for user in (world.alice, world.carol):
        assert (await vault.get("/shares", headers=user.headers)).json()["shares"] == []
