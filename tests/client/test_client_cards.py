"""Templates and cards through the SDK: values go out encrypted and come back decrypted."""

from __future__ import annotations

import httpx
import pytest

from strongroom import crypto
from strongroom.client import InvalidArgument, NotFound, SlotInput, Strongroom


async def test_templates_include_the_built_in_ones_with_their_slots(alice: Strongroom) -> None:
    templates = {t.name: t for t in await alice.templates()}
    assert {"vehicle", "note", "password"} <= set(templates)
    assert templates["vehicle"].slots
    assert (await alice.template("vehicle")).id == templates["vehicle"].id
    with pytest.raises(InvalidArgument):
        await alice.template("no-such-template")


async def test_create_card_stores_only_ciphertext_and_reads_back_plaintext(alice: Strongroom) -> None:
    vehicle = await alice.template("vehicle")
    first = vehicle.slots[0].name
    card = await alice.create_card(
        "vehicle",
        "My car",
        [SlotInput(name=first, value="WVW-123"), SlotInput(label="Secret note", value="under the mat")],
    )
    assert card.label == "My car"
    assert card.values[first] == "WVW-123"
    assert card.values["secret_note"] == "under the mat"
    assert {s.name for s in vehicle.slots} <= set(card.values)

    # What the Vault holds is ciphertext that only the private DEK opens.
    raw = await alice.vault.item(card.id)
    stored = {s.name: s.encrypted_value for s in raw.slots}
    assert stored["secret_note"] is not None
    assert "under the mat" not in stored["secret_note"]
    assert crypto.is_encrypted(stored["secret_note"], "Aes256Gcm")

    listed = {c.id: c for c in await alice.cards()}
    assert listed[card.id].values == card.values
    assert (await alice.card(card.id)).values == card.values


async def test_update_card_changes_adds_and_removes_slots(alice: Strongroom) -> None:
    card = await alice.create_card("note", "Diary", {"note": "day one"})
    updated = await alice.update_card(
        card.id,
        label="Journal",
        slots=[SlotInput(name="note", value="day two"), SlotInput(name="mood", value="fine")],
    )
    assert updated.label == "Journal"
    assert updated.values["note"] == "day two"
    assert updated.values["mood"] == "fine"

    removed = await alice.update_card(card.id, remove=["mood"])
    assert "mood" not in removed.values

    with pytest.raises(InvalidArgument):
        await alice.update_card(card.id, remove=["no_such_slot"])

    note_slot = removed.slot("note")
    await alice.remove_slot(note_slot.id)
    assert "note" not in (await alice.card(card.id)).values


async def test_another_users_card_is_not_found_and_delete_removes(alice: Strongroom, bob: Strongroom) -> None:
    card = await alice.create_card("note", "Private", {"note": "mine"})
    with pytest.raises(NotFound):
        await bob.card(card.id)
    await alice.delete_card(card.id)
    with pytest.raises(NotFound):
        await alice.card(card.id)


async def test_transport_injection_reaches_only_the_given_transport() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url}")
        return httpx.Response(200, json={"username": "u1", "expires_at": None})

    async with Strongroom("http://example.invalid", transport=httpx.MockTransport(handler)) as client:
        reservation = await client.keystore.reserve_username()
    assert reservation.username == "u1"
    assert seen == ["POST http://example.invalid/keystore/srp/username"]
