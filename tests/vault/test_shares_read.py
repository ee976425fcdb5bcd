"""Reading shares: lists (both directions, pages, sideloads), one share, incoming items, acceptance."""

from __future__ import annotations

import json
from typing import Any

import httpx

from strongroom.crypto import generate_key
from tests.vault.factories import (
    World,
    big_key_pool,
    build_world,
    decrypt_values,
    encrypt_values,
    link_space,
    make_card,
    post_share,
    share_card,
)
from tests.vault.helpers import VaultUser, connect, error_code, sign_up


def names_by_id(world: World) -> dict[str, str]:
    return {slot["id"]: name for name, slot in world.slots.items()}


async def shares_of(vault: httpx.AsyncClient, user: VaultUser, query: str = "") -> dict[str, Any]:
    response = await vault.get(f"/shares{query}", headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_each_party_sees_the_share_from_their_side(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())

    incoming = await shares_of(vault, world.bob, "?outgoing=false")
    [received] = incoming["shares"]
    assert received["id"] == world.share.id
    assert received["outgoing"] is False
    assert received["connection_id"] == world.conns["ba"]["id"]
    assert received["user_id"] == world.alice.id
    assert received["encryption_space_id"] == world.share.space_id
    assert received["encrypted_values"] is None  # lists carry metadata only
    assert [item["id"] for item in incoming["items"]] == [world.item["id"]]
    assert incoming["items"][0]["me"] is False
    assert [user["id"] for user in incoming["users"]] == [world.alice.id]
    assert incoming["users"][0]["full_name"] == "Alice"
    assert {slot["id"] for slot in incoming["slots"]} == set(names_by_id(world))
    assert all(slot["encrypted_value"] is None and slot["encrypted"] is False for slot in incoming["slots"])

    outgoing = await shares_of(vault, world.alice, "?outgoing=true")
    [given] = outgoing["shares"]
    assert given["id"] == world.share.id
    assert given["outgoing"] is True
    assert given["connection_id"] == world.conns["ab"]["id"]
    assert given["user_id"] == world.bob.id
    assert outgoing["items"][0]["me"] is True

    both = await shares_of(vault, world.bob)
    assert [(s["id"], s["outgoing"]) for s in both["shares"]] == [
        (world.share.id, False),
        (world.on_share.id, True),
    ]
    assert {user["id"] for user in both["users"]} == {world.alice.id, world.carol.id}
    assert (await shares_of(vault, world.bob, "?outgoing=true"))["shares"][0]["id"] == world.on_share.id
    for stranger in (world.dave, world.eve):
        nothing = await shares_of(vault, stranger)
        assert nothing["shares"] == []
        assert nothing["items"] == []
        assert nothing["users"] == []


async def test_recipient_reads_the_values_and_only_the_shared_slots(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())

    response = await vault.get(f"/shares/{world.share.id}", headers=world.bob.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["share"] == body["shares"][0]
    assert body["item"] == body["items"][0]
    assert body["item"]["id"] == world.item["id"]
    assert body["item"]["me"] is False
    share = body["share"]
    assert decrypt_values(world.share.dek, names_by_id(world), share["encrypted_values"]) == {
        "vin": "VIN-123",
        "make": "Saab",
    }
    for slot in body["slots"]:
        assert slot["encrypted"] is True
        assert slot["encrypted_value"] == share["encrypted_values"][slot["id"]]
    # Nothing encrypted with the owner's own DEK reaches the recipient.
    owner_values = {s["encrypted_value"] for s in world.slots.values() if s["encrypted_value"]}
    assert owner_values
    assert not any(value in response.text for value in owner_values)
    # The on-share recipient reads the on-share with the on-share's DEK.
    carol = (await vault.get(f"/shares/{world.on_share.id}", headers=world.carol.headers)).json()
    assert carol["share"]["parent_share_id"] == world.share.id
    assert carol["share"]["user_id"] == world.bob.id
    assert carol["share"]["connection_id"] == world.conns["cb"]["id"]
    assert decrypt_values(world.on_share.dek, names_by_id(world), carol["share"]["encrypted_values"]) == {
        "vin": "VIN-123",
        "make": "Saab",
    }


async def test_sender_reads_its_share(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    body = (await vault.get(f"/shares/{world.share.id}", headers=world.alice.headers)).json()
    assert body["share"]["outgoing"] is True
    assert body["share"]["encrypted_values"] == world.share.body["encrypted_values"]
    assert body["item"]["me"] is True
    own = {slot["id"]: slot["encrypted_value"] for slot in body["slots"]}
    assert own == {slot["id"]: slot["encrypted_value"] for slot in world.slots.values()}
    # The owner does not see the on-share Bob made: it is between Bob and Carol.
    hidden = await vault.get(f"/shares/{world.on_share.id}", headers=world.alice.headers)
    assert (hidden.status_code, error_code(hidden)) == (404, "not_found")


async def test_terms_hide_the_values_until_accepted(vault: httpx.AsyncClient) -> None:
    keys = big_key_pool()
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    ab, _ = await connect(vault, keys, alice, bob)
    item, slots = await make_card(vault, alice)
    shared = await share_card(vault, alice, ab["id"], item["id"], slots, terms="Do not copy")
    assert shared.body["acceptance_required"] == "acceptance_required"

    before = (await vault.get(f"/shares/{shared.id}", headers=bob.headers)).json()
    assert before["share"]["encrypted_values"] is None
    assert before["share"]["terms"] == "Do not copy"
    assert all(slot["encrypted"] is False and slot["encrypted_value"] is None for slot in before["slots"])
    assert not any(value in json.dumps(before) for value in shared.body["encrypted_values"].values())

    for user, status, code in ((alice, 403, "recipient_only"),):
        refused = await vault.put(f"/shares/{shared.id}/accept", headers=user.headers)
        assert (refused.status_code, error_code(refused)) == (status, code)
    accepted = await vault.put(f"/shares/{shared.id}/accept", headers=bob.headers)
    assert accepted.status_code == 200, accepted.text
    after = accepted.json()
    assert after["share"]["acceptance_required"] == "accepted"
    assert after["share"]["encrypted_values"] == shared.body["encrypted_values"]
    assert after["share"]["version"] == shared.body["version"]
    again = await vault.put(f"/shares/{shared.id}/accept", headers=bob.headers)
    assert again.status_code == 200
    assert again.json()["share"]["acceptance_required"] == "accepted"
    read = (await vault.get(f"/shares/{shared.id}", headers=bob.headers)).json()
    assert read["share"]["encrypted_values"] == shared.body["encrypted_values"]
    assert all(slot["encrypted"] is True for slot in read["slots"])


async def test_accepting_a_share_that_asks_nothing_is_harmless(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    accepted = await vault.put(f"/shares/{world.share.id}/accept", headers=world.bob.headers)
    assert accepted.status_code == 200
    assert accepted.json()["share"]["acceptance_required"] == "accepted"
    assert accepted.json()["share"]["encrypted_values"] == world.share.body["encrypted_values"]


async def test_lists_are_paged_in_creation_order(vault: httpx.AsyncClient) -> None:
    keys = big_key_pool()
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    ab, ba = await connect(vault, keys, alice, bob)
    made: list[str] = []
    given_by_alice: list[str] = []
    for index in range(4):
        item, slots = await make_card(vault, alice, f"Alice {index}", {"vin": str(index)})
        made.append((await share_card(vault, alice, ab["id"], item["id"], slots, {"vin": str(index)})).id)
        given_by_alice.append(made[-1])
        if index % 2:
            theirs, their_slots = await make_card(vault, bob, f"Bob {index}", {"vin": str(index)})
            made.append((await share_card(vault, bob, ba["id"], theirs["id"], their_slots, {"vin": "x"})).id)
    assert made == sorted(made)

    seen: list[str] = []
    query = "?per_page=2"
    while True:
        page = await shares_of(vault, alice, query)
        assert len(page["shares"]) <= 2
        seen += [share["id"] for share in page["shares"]]
        assert page["meta"]["next_page_after"] == page["next_page_after"]
        if page["next_page_after"] is None:
            break
        query = f"?per_page=2&next_page_after={page['next_page_after']}"
    assert seen == made
    # The reference client's offset pages.
    second = await shares_of(vault, alice, "?per=2&page=2")
    assert [share["id"] for share in second["shares"]] == made[2:4]
    given = await shares_of(vault, alice, "?outgoing=true&per_page=3")
    assert [share["id"] for share in given["shares"]] == given_by_alice[:3]
    assert all(share["outgoing"] for share in given["shares"])
    assert len((await shares_of(vault, alice, "?outgoing=false"))["shares"]) == 2


async def test_list_filtered_by_card(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    other, other_slots = await make_card(vault, world.alice, "Other")
    await share_card(vault, world.alice, world.conns["ab"]["id"], other["id"], other_slots, {"vin": "2"})
    filtered = await shares_of(vault, world.alice, f"?outgoing=true&shareable_id={world.item['id']}")
    assert [share["id"] for share in filtered["shares"]] == [world.share.id]
    assert len((await shares_of(vault, world.alice, "?outgoing=true"))["shares"]) == 2


async def test_list_parameter_errors(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    for query in (
        "?outgoing=maybe",
        "?per_page=0",
        "?per_page=100000",
        "?next_page_after=x",
        "?shareable_id=1",
    ):
        response = await vault.get(f"/shares{query}", headers=world.alice.headers)
        assert (response.status_code, error_code(response)) == (422, "validation_failed"), query
    assert (await vault.get("/shares")).status_code == 401
    assert (await vault.get("/items/incoming")).status_code == 401


async def test_incoming_items(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    response = await vault.get("/items/incoming", headers=world.bob.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["id"] for item in body["items"]] == [world.item["id"]]
    assert [share["id"] for share in body["shares"]] == [world.share.id]
    assert {slot["id"] for slot in body["slots"]} == set(names_by_id(world))
    assert all(slot["encrypted_value"] is None for slot in body["slots"])
    for key in ("associations", "associations_to", "classification_nodes"):
        assert body[key] == []
    carol = (await vault.get("/items/incoming?per=5&page=1", headers=world.carol.headers)).json()
    assert [share["id"] for share in carol["shares"]] == [world.on_share.id]
    for user in (world.alice, world.dave, world.eve):
        nothing = (await vault.get("/items/incoming", headers=user.headers)).json()
        assert nothing["items"] == []
        assert nothing["shares"] == []


async def test_a_guessed_share_id_is_not_found(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    for user in (world.carol, world.dave, world.eve):
        response = await vault.get(f"/shares/{world.share.id}", headers=user.headers)
        assert (response.status_code, error_code(response)) == (404, "not_found")
        assert response.json()["errors"][0]["message"] == "share not found"
    bad = await vault.get("/shares/not-an-id", headers=world.alice.headers)
    assert (bad.status_code, error_code(bad)) == (422, "validation_failed")


async def test_the_reference_clients_recipient_sees_its_own_claimed_space(vault: httpx.AsyncClient) -> None:
    """The 0.9 client shares on its connection's space; the recipient claims the key into a space of its own
    and links that to its connection record: that is the space its share must name."""
    keys = big_key_pool()
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    ab, ba = await connect(vault, keys, alice, bob)
    item, slots = await make_card(vault, alice)
    senders = await link_space(vault, alice, ab["id"])
    dek = generate_key()
    body = {
        "shareable_id": item["id"],
        "shareable_type": "Item",
        "encrypted_values": json.dumps(encrypt_values(dek, slots, {"vin": "1"})),
        "outgoing": True,
        "user_id": bob.id,
    }
    created = await post_share(vault, alice, body)
    assert created.status_code == 201, created.text
    share_id = created.json()["shares"][0]["id"]

    unclaimed = (await vault.get(f"/shares/{share_id}", headers=bob.headers)).json()["share"]
    assert unclaimed["encryption_space_id"] == senders
    bobs = await link_space(vault, bob, ba["id"])
    claimed = (await vault.get(f"/shares/{share_id}", headers=bob.headers)).json()["share"]
    assert claimed["encryption_space_id"] == bobs
    assert (await vault.get(f"/shares/{share_id}", headers=alice.headers)).json()["share"][
        "encryption_space_id"
    ] == senders
    listed = (await shares_of(vault, bob))["shares"][0]
    assert listed["encryption_space_id"] == bobs


async def test_a_spec_flow_recipient_sees_the_shares_own_space(vault: httpx.AsyncClient) -> None:
    """With a space per share, the recipient joins each under the same id; linking another space to the
    connection later does not change what an earlier share names."""
    keys = big_key_pool()
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    ab, ba = await connect(vault, keys, alice, bob)
    item, slots = await make_card(vault, alice)
    shared = await share_card(vault, alice, ab["id"], item["id"], slots)
    await link_space(vault, bob, ba["id"])  # some other space of Bob's on the same connection
    share = (await vault.get(f"/shares/{shared.id}", headers=bob.headers)).json()["share"]
    assert share["encryption_space_id"] == shared.space_id
