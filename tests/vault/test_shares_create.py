"""``POST /shares``: what a new share looks like, and every rule it must meet."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx

from strongroom.crypto import encrypt_with_key, encrypt_with_public_key, generate_key
from strongroom.kit.clock import FrozenClock, isoformat
from tests.vault.factories import (
    Pair,
    decrypt_values,
    encrypt_values,
    link_space,
    make_card,
    pair,
    parse_time,
    post_share,
    share_card,
)
from tests.vault.helpers import VaultUser, connect, error_code, sign_up


def share_body(p: Pair, space_id: str, dek: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "shareable_type": "Item",
        "shareable_id": p.item["id"],
        "connection_id": p.ab["id"],
        "encryption_space_id": space_id,
        "encrypted_values": encrypt_values(dek, p.slots, {"vin": "VIN-123"}),
        **extra,
    }


async def share_count(vault: httpx.AsyncClient, user: VaultUser) -> int:
    response = await vault.get("/shares", headers=user.headers)
    assert response.status_code == 200, response.text
    return len(response.json()["shares"])


async def test_share_a_card_through_its_own_space(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    dek = generate_key()
    space_id = await link_space(vault, p.alice, p.ab["id"])
    body = share_body(p, space_id, dek, distributable=False, outgoing=True, user_id=p.bob.id, terms=None)

    response = await post_share(vault, p.alice, body)

    assert response.status_code == 201, response.text
    answer = response.json()
    [share] = answer["shares"]
    assert share["shareable_type"] == "Item"
    assert share["shareable_id"] == p.item["id"]
    assert share["slot_id"] is None
    assert share["slotable_id"] is None
    assert share["connection_id"] == p.ab["id"]
    assert share["encryption_space_id"] == space_id
    assert share["outgoing"] is True
    assert share["user_id"] == p.bob.id
    assert share["owner_id"] == share["sender_id"] == share["shareable_user_id"] == p.alice.id
    assert share["recipient_id"] == p.bob.id
    assert share["terms"] is None
    assert share["distributable"] is False
    assert share["acceptance_required"] == "acceptance_not_required"
    assert share["parent_share_id"] is None
    assert share["expires_at"] is None
    assert share["version"] == 1
    names = {slot["id"]: name for name, slot in p.slots.items()}
    assert decrypt_values(dek, names, share["encrypted_values"]) == {"vin": "VIN-123"}
    assert [item["id"] for item in answer["items"]] == [p.item["id"]]
    assert answer["users"] == [
        {
            "id": p.bob.id,
            "full_name": "Bob",
            "email": None,
            "organisation": False,
            "is_app_logging_enabled": False,
            "image": None,
        }
    ]
    assert {slot["id"] for slot in answer["slots"]} == set(names)


async def test_share_the_way_the_reference_client_does(vault: httpx.AsyncClient) -> None:
    """No connection_id, no encryption_space_id, values as a JSON text with nulls: the 0.9 client's body."""
    p = await pair(vault)
    space_id = await link_space(vault, p.alice, p.ab["id"])
    dek = generate_key()
    values: dict[str, str | None] = dict(encrypt_values(dek, p.slots, {"vin": "VIN-1"}))
    values[p.slots["make"]["id"]] = None
    body = {
        "shareable_id": p.item["id"],
        "shareable_type": "Item",
        "encrypted_values": json.dumps(values),
        "distributable": False,
        "outgoing": True,
        "user_id": p.bob.id,
    }

    response = await post_share(vault, p.alice, body)

    assert response.status_code == 201, response.text
    [share] = response.json()["shares"]
    assert share["connection_id"] == p.ab["id"]
    assert share["encryption_space_id"] == space_id
    assert set(share["encrypted_values"]) == {p.slots["vin"]["id"]}
    # The client reuses its connection's space for its next card; the same card twice is refused.
    other, other_slots = await make_card(vault, p.alice, "Other car")
    again = {
        **body,
        "shareable_id": other["id"],
        "encrypted_values": json.dumps(encrypt_values(dek, other_slots, {"vin": "2"})),
    }
    second = await post_share(vault, p.alice, again)
    assert second.status_code == 201, second.text
    assert second.json()["shares"][0]["encryption_space_id"] == space_id
    duplicate = await post_share(vault, p.alice, body)
    assert duplicate.status_code == 409
    assert error_code(duplicate) == "encryption_space_in_use"


async def test_several_shares_succeed_or_fail_together(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    other, other_slots = await make_card(vault, p.alice, "Other car")
    dek = generate_key()
    first = share_body(p, await link_space(vault, p.alice, p.ab["id"]), dek)
    second = {
        **share_body(p, await link_space(vault, p.alice, p.ab["id"]), dek),
        "shareable_id": other["id"],
        "encrypted_values": encrypt_values(dek, other_slots, {"vin": "2"}),
    }
    bad = {**second, "encrypted_values": {other_slots["vin"]["id"]: "plain text"}}

    refused = await vault.post("/shares", json={"shares": [first, bad]}, headers=p.alice.headers)
    assert refused.status_code == 422
    assert error_code(refused) == "invalid_encrypted_value"
    assert await share_count(vault, p.alice) == 0
    assert await share_count(vault, p.bob) == 0

    created = await vault.post("/shares", json={"shares": [first, second]}, headers=p.alice.headers)
    assert created.status_code == 201, created.text
    assert [s["shareable_id"] for s in created.json()["shares"]] == [p.item["id"], other["id"]]
    assert await share_count(vault, p.bob) == 2


async def test_two_shares_of_one_request_cannot_use_one_space(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    other, other_slots = await make_card(vault, p.alice, "Other car")
    dek = generate_key()
    space_id = await link_space(vault, p.alice, p.ab["id"])
    first = share_body(p, space_id, dek)
    second = {
        **first,
        "shareable_id": other["id"],
        "encrypted_values": encrypt_values(dek, other_slots, {"vin": "2"}),
    }
    response = await vault.post("/shares", json={"shares": [first, second]}, headers=p.alice.headers)
    assert response.status_code == 409
    assert error_code(response) == "encryption_space_in_use"
    assert await share_count(vault, p.alice) == 0


async def test_an_explicit_space_backs_one_share(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    other, other_slots = await make_card(vault, p.alice, "Other car")
    dek = generate_key()
    space_id = await link_space(vault, p.alice, p.ab["id"])
    assert (await post_share(vault, p.alice, share_body(p, space_id, dek))).status_code == 201
    again = {
        **share_body(p, space_id, dek),
        "shareable_id": other["id"],
        "encrypted_values": encrypt_values(dek, other_slots, {"vin": "2"}),
    }
    response = await post_share(vault, p.alice, again)
    assert response.status_code == 409
    assert error_code(response) == "encryption_space_in_use"
    assert await share_count(vault, p.alice) == 1


async def test_connection_rules(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    keys = p.keys
    carol = await sign_up(vault, keys)
    ac, ca = await connect(vault, keys, p.alice, carol)
    dek = generate_key()
    space_id = await link_space(vault, p.alice, p.ab["id"])
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"connection_id": p.ba["id"]}, 404, "not_found"),  # Bob's record, not Alice's
        ({"connection_id": ca["id"]}, 404, "not_found"),
        ({"connection_id": str(uuid.uuid4())}, 404, "not_found"),
        ({"connection_id": None, "user_id": str(uuid.uuid4())}, 404, "not_found"),
        ({"connection_id": None, "user_id": p.alice.id}, 404, "not_found"),
        ({"connection_id": p.ab["id"], "user_id": carol.id}, 422, "connection_mismatch"),
        ({"connection_id": None}, 422, "connection_required"),
    ]
    for change, status, code in cases:
        response = await post_share(vault, p.alice, {**share_body(p, space_id, dek), **change})
        assert (response.status_code, error_code(response)) == (status, code), change
    # user_id alone names Alice's connection with that user.
    fine = await post_share(
        vault, p.alice, {**share_body(p, space_id, dek), "connection_id": None, "user_id": p.bob.id}
    )
    assert fine.status_code == 201, fine.text
    assert fine.json()["shares"][0]["connection_id"] == p.ab["id"]
    assert ac["user_id"] == carol.id


async def test_item_rules(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    keys = p.keys
    eve = await sign_up(vault, keys)
    eve_item, _ = await make_card(vault, eve, "Eve's")
    dek = generate_key()
    space_id = await link_space(vault, p.alice, p.ab["id"])
    for shareable_id in (eve_item["id"], str(uuid.uuid4())):
        response = await post_share(
            vault, p.alice, {**share_body(p, space_id, dek), "shareable_id": shareable_id}
        )
        assert response.status_code == 404
        assert error_code(response) == "not_found"
    wrong_type = await post_share(vault, p.alice, {**share_body(p, space_id, dek), "shareable_type": "Slot"})
    assert wrong_type.status_code == 422
    assert error_code(wrong_type) == "unsupported_shareable_type"
    assert await share_count(vault, p.alice) == 0


async def test_space_rules(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    keys = p.keys
    carol = await sign_up(vault, keys)
    ac, _ = await connect(vault, keys, p.alice, carol)
    dek = generate_key()
    # No space linked to the connection, none named.
    response = await post_share(
        vault, p.alice, {**share_body(p, str(uuid.uuid4()), dek), "encryption_space_id": None}
    )
    assert (response.status_code, error_code(response)) == (422, "encryption_space_required")
    # A space never linked; a space linked to another connection; a space only the recipient linked.
    elsewhere = await link_space(vault, p.alice, ac["id"])
    bobs = await link_space(vault, p.bob, p.ba["id"])
    for space_id in (str(uuid.uuid4()), elsewhere, bobs):
        response = await post_share(vault, p.alice, share_body(p, space_id, dek))
        assert (response.status_code, error_code(response)) == (422, "encryption_space_not_linked"), space_id
    assert await share_count(vault, p.alice) == 0


async def test_value_rules(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    _other, other_slots = await make_card(vault, p.alice, "Other car")
    dek = generate_key()
    space_id = await link_space(vault, p.alice, p.ab["id"])
    vin = p.slots["vin"]["id"]
    good = encrypt_with_key(dek, b"x")
    rsa = encrypt_with_public_key(p.alice.login.public_pem, b"x")
    cases: list[tuple[Any, str]] = [
        ({other_slots["vin"]["id"]: good}, "unknown_slot"),
        ({str(uuid.uuid4()): good}, "unknown_slot"),
        ({vin: "plain text"}, "invalid_encrypted_value"),
        ({vin: rsa}, "invalid_encrypted_value"),
        ({vin: 5}, "validation_failed"),
        ({"vin": good}, "invalid_encrypted_values"),
        ("[1, 2]", "invalid_encrypted_values"),
        ("{not json", "invalid_encrypted_values"),
        ([good], "validation_failed"),
        (None, "encrypted_values_required"),
    ]
    for values, code in cases:
        response = await post_share(
            vault, p.alice, {**share_body(p, space_id, dek), "encrypted_values": values}
        )
        assert response.status_code == 422, values
        assert error_code(response) == code, values
        assert "plain text" not in response.text
    missing = share_body(p, space_id, dek)
    del missing["encrypted_values"]
    response = await post_share(vault, p.alice, missing)
    assert (response.status_code, error_code(response)) == (422, "encrypted_values_required")
    assert await share_count(vault, p.alice) == 0


async def test_single_slot_shares(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    dek = generate_key()
    vin, make = p.slots["vin"]["id"], p.slots["make"]["id"]
    space_id = await link_space(vault, p.alice, p.ab["id"])
    both = encrypt_values(dek, p.slots, {"vin": "1", "make": "2"})
    for values, slot_id, code in (
        (both, vin, "slot_mismatch"),
        ({make: both[make]}, vin, "slot_mismatch"),
        ({}, vin, "slot_mismatch"),
        ({vin: both[vin]}, str(uuid.uuid4()), "unknown_slot"),
    ):
        response = await post_share(
            vault, p.alice, {**share_body(p, space_id, dek), "encrypted_values": values, "slot_id": slot_id}
        )
        assert (response.status_code, error_code(response)) == (422, code)
    response = await post_share(
        vault, p.alice, {**share_body(p, space_id, dek), "encrypted_values": {vin: both[vin]}, "slot_id": vin}
    )
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["shares"][0]["slot_id"] == answer["shares"][0]["slotable_id"] == vin
    detail = (await vault.get(f"/shares/{answer['shares'][0]['id']}", headers=p.bob.headers)).json()
    assert [slot["id"] for slot in detail["slots"]] == [vin]
    assert detail["item"]["slot_ids"] == [vin]
    assert detail["slots"][0]["encrypted_value"] == both[vin]


async def test_expiry_and_acceptance_options(vault: httpx.AsyncClient, clock: FrozenClock) -> None:
    p = await pair(vault)
    dek = generate_key()
    now = clock.now()
    for expires_at in (now, now - timedelta(seconds=1)):
        response = await post_share(
            vault,
            p.alice,
            share_body(
                p, await link_space(vault, p.alice, p.ab["id"]), dek, expires_at=isoformat(expires_at)
            ),
        )
        assert (response.status_code, error_code(response)) == (422, "expires_at_in_past")
    refused = await post_share(
        vault,
        p.alice,
        share_body(p, await link_space(vault, p.alice, p.ab["id"]), dek, acceptance_required="accepted"),
    )
    assert (refused.status_code, error_code(refused)) == (422, "invalid_acceptance")
    later = now + timedelta(days=1)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"terms": "Do not copy", "expires_at": isoformat(later)}, "acceptance_required"),
        ({"acceptance_required": "acceptance_required"}, "acceptance_required"),
        ({"acceptance_required": True}, "acceptance_required"),
        ({"acceptance_required": "acceptance_not_required"}, "acceptance_not_required"),
    ]
    for index, (options, state) in enumerate(cases):
        item, slots = await make_card(vault, p.alice, f"Card {index}")
        created = await share_card(vault, p.alice, p.ab["id"], item["id"], slots, {"vin": "1"}, **options)
        assert created.body["acceptance_required"] == state, options
    assert created.body["expires_at"] is None
    first = (await vault.get("/shares?outgoing=true", headers=p.alice.headers)).json()["shares"][0]
    assert first["terms"] == "Do not copy"
    assert parse_time(first["expires_at"]) == later


async def test_request_shape_errors(vault: httpx.AsyncClient) -> None:
    p = await pair(vault)
    dek = generate_key()
    space_id = await link_space(vault, p.alice, p.ab["id"])
    one = share_body(p, space_id, dek)
    bodies: list[dict[str, Any]] = [
        {},
        {"shares": []},
        {"shares": [one] * 101},
        {"shares": [{**one, "shareable_id": "x"}]},
    ]
    for body in bodies:
        response = await vault.post("/shares", json=body, headers=p.alice.headers)
        assert response.status_code == 422
        assert error_code(response) == "validation_failed"
    malformed = await vault.post(
        "/shares", content=b'{"shares": [', headers={**p.alice.headers, "Content-Type": "application/json"}
    )
    assert (malformed.status_code, error_code(malformed)) == (400, "malformed_json")
    assert (await vault.post("/shares", json={"shares": [one]})).status_code == 401
    assert await share_count(vault, p.alice) == 0
