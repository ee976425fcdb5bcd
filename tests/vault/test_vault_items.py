"""Items (cards) and slots: creation from templates, updates, deletion, pagination, value checks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.crypto import encrypt_with_public_key
from strongroom.kit.settings import Settings
from strongroom.vault.items import hooks
from tests.vault.helpers import KeyPool, VaultUser, error_code, sign_up


async def make_car(vault: httpx.AsyncClient, user: VaultUser, label: str = "My car") -> dict[str, Any]:
    response = await vault.post(
        "/items",
        json={
            "template_name": "vehicle",
            "item": {
                "label": label,
                "slots_attributes": [
                    {"name": "vin", "encrypted_value": user.encrypt("VIN-1"), "encrypted": True},
                    {
                        "name": "secret_note",
                        "label": "Secret note",
                        "slot_type_name": "key_value",
                        "encrypted_value": user.encrypt("hidden"),
                    },
                ],
            },
        },
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def hook_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, uuid.UUID]]:
    calls: list[tuple[str, uuid.UUID]] = []

    async def changed(session: AsyncSession, item_id: uuid.UUID, now: datetime) -> None:
        calls.append(("changed", item_id))

    async def deleted(session: AsyncSession, item_id: uuid.UUID, now: datetime) -> None:
        calls.append(("deleted", item_id))

    monkeypatch.setattr(hooks, "on_item_changed", changed)
    monkeypatch.setattr(hooks, "on_item_deleted", deleted)
    return calls


async def test_create_item_from_a_template(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    body = await make_car(vault, user)
    item = body["item"]
    assert item["name"] == "my_car"
    assert item["label"] == "My car"
    assert item["item_template_label"] == "Vehicle"
    slots = body["slots"]
    assert [(s["name"], s["ordinal"]) for s in slots] == [("vin", 1), ("make", 2), ("secret_note", 3)]
    assert item["slot_ids"] == [s["id"] for s in slots]
    vin, make, note = slots
    assert vin["label"] == "VIN"
    assert vin["encrypted"] is True
    assert user.encrypt("x").split(".")[0] == vin["encrypted_value"].split(".")[0]
    assert make["encrypted"] is False
    assert make["encrypted_value"] is None
    assert note["label"] == "Secret note"
    assert note["slotable_id"] == item["id"]
    assert all("value" not in s for s in slots)
    for key in (
        "associations",
        "associations_to",
        "classification_nodes",
        "connections",
        "shares",
        "attachments",
    ):
        assert body[key] == []

    fetched = await vault.get(f"/items/{item['id']}", headers=user.headers)
    assert fetched.status_code == 200
    assert fetched.json()["slots"] == slots


async def test_plaintext_values_are_refused(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    response = await vault.post(
        "/items",
        json={
            "template_name": "vehicle",
            "item": {"label": "x", "slots_attributes": [{"name": "vin", "encrypted_value": "plain text"}]},
        },
        headers=user.headers,
    )
    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {
                "error": "invalid_encrypted_value",
                "message": "slot 'vin': encrypted_value is not a serialized encrypted string",
            }
        ]
    }
    rsa_value = encrypt_with_public_key(user.login.public_pem, b"x")
    response = await vault.post(
        "/items",
        json={
            "template_name": "note",
            "item": {"label": "n", "slots_attributes": [{"name": "note", "encrypted_value": rsa_value}]},
        },
        headers=user.headers,
    )
    assert response.status_code == 422
    assert error_code(response) == "invalid_encrypted_value"
    listing = await vault.get("/items", headers=user.headers)
    assert listing.json()["items"] == []


async def test_item_creation_errors(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    cases = [
        ({"template_name": "spaceship", "item": {"label": "x"}}, "unknown_template"),
        (
            {"template_name": "note", "item": {"slots_attributes": [{"name": "a"}, {"label": "A"}]}},
            "duplicate_slot",
        ),
        ({"template_name": "note", "item": {"slots_attributes": [{"label": "??"}]}}, "invalid_name"),
        (
            {"template_name": "note", "item": {"slots_attributes": [{"name": "a", "slot_type_name": "x"}]}},
            "invalid_slot_type",
        ),
        (
            {"template_name": "note", "item": {"slots_attributes": [{"id": str(uuid.uuid4())}]}},
            "unknown_slot",
        ),
        ({"item": {"label": "x" * 201}}, "validation_failed"),
        ({"item": {"slots_attributes": [{"name": f"s{i}"} for i in range(201)]}}, "validation_failed"),
    ]
    for body, code in cases:
        response = await vault.post("/items", json=body, headers=user.headers)
        assert response.status_code == 422, body
        assert error_code(response) == code, body
    malformed = await vault.post(
        "/items", content=b"{not json", headers={**user.headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert error_code(malformed) == "malformed_json"


async def test_item_defaults(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    response = await vault.post(
        "/items",
        json={
            "item": {"slots_attributes": [{"label": "Door code", "encrypted_value": user.encrypt("1234")}]}
        },
        headers=user.headers,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["item"]["item_template_label"] == "Custom"
    assert body["item"]["label"] == "Custom"
    assert body["slots"][0]["name"] == "door_code"
    assert body["slots"][0]["slot_type_name"] == "key_value"

    custom = await vault.post(
        "/item_templates",
        json={"label": "Locker", "slots_attributes": [{"label": "Code"}]},
        headers=user.headers,
    )
    assert custom.status_code == 201
    from_custom = await vault.post(
        "/items", json={"template_name": "locker", "item": {"label": "Gym"}}, headers=user.headers
    )
    assert from_custom.status_code == 201
    assert [s["name"] for s in from_custom.json()["slots"]] == ["code"]


async def test_another_users_template_cannot_be_used(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    await vault.post("/item_templates", json={"label": "Secret"}, headers=alice.headers)
    response = await vault.post(
        "/items", json={"template_name": "secret", "item": {"label": "x"}}, headers=bob.headers
    )
    assert response.status_code == 422
    assert error_code(response) == "unknown_template"


async def test_items_are_private(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    car = await make_car(vault, alice)
    item_id = car["item"]["id"]
    slot_id = car["slots"][0]["id"]
    for method, path, body in (
        ("GET", f"/items/{item_id}", None),
        ("PUT", f"/items/{item_id}", {"item": {"label": "stolen"}}),
        ("DELETE", f"/items/{item_id}", None),
        ("GET", f"/slots/{slot_id}", None),
        ("PUT", f"/slots/{slot_id}", {"slot": {"label": "stolen"}}),
        ("DELETE", f"/slots/{slot_id}", None),
    ):
        response = await vault.request(method, path, json=body, headers=bob.headers)
        assert response.status_code == 404, (method, path)
        assert error_code(response) == "not_found"
        assert (await vault.request(method, path, json=body)).status_code == 401
        assert (
            await vault.request(method, path, json=body, headers={"Authorization": "vlt_x"})
        ).status_code == 401
        missing = path.rsplit("/", 1)[0] + f"/{uuid.uuid4()}"
        assert (await vault.request(method, missing, json=body, headers=alice.headers)).status_code == 404
    assert (await vault.get("/items", headers=bob.headers)).json()["items"] == []
    unchanged = (await vault.get(f"/items/{item_id}", headers=alice.headers)).json()
    assert unchanged["item"]["label"] == "My car"
    assert unchanged["slots"] == car["slots"]


async def test_update_item(
    vault: httpx.AsyncClient, keys: KeyPool, hook_calls: list[tuple[str, uuid.UUID]]
) -> None:
    user = await sign_up(vault, keys)
    car = await make_car(vault, user)
    item_id = car["item"]["id"]
    vin, _make, note = car["slots"]
    new_vin = user.encrypt("VIN-2")
    response = await vault.put(
        f"/items/{item_id}",
        json={
            "item": {
                "label": "Our car",
                "slots_attributes": [
                    {"id": vin["id"], "encrypted_value": new_vin},
                    {"name": "make", "encrypted_value": user.encrypt("Volvo"), "label": "Brand"},
                    {"id": note["id"], "_destroy": True},
                    {"label": "Colour", "encrypted_value": user.encrypt("red")},
                ],
            }
        },
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["item"]["label"] == "Our car"
    assert body["item"]["name"] == "my_car"
    slots = {s["name"]: s for s in body["slots"]}
    assert set(slots) == {"vin", "make", "colour"}
    assert slots["vin"]["encrypted_value"] == new_vin
    assert slots["make"]["label"] == "Brand"
    assert slots["make"]["encrypted"] is True
    assert slots["colour"]["ordinal"] == slots["make"]["ordinal"] + 1
    assert (await vault.get(f"/slots/{note['id']}", headers=user.headers)).status_code == 404
    assert hook_calls == [("changed", uuid.UUID(item_id))]

    cleared = await vault.put(
        f"/items/{item_id}",
        json={"item": {"slots_attributes": [{"name": "vin", "encrypted_value": None}]}},
        headers=user.headers,
    )
    vin_after = next(s for s in cleared.json()["slots"] if s["name"] == "vin")
    assert vin_after["encrypted_value"] is None
    assert vin_after["encrypted"] is False


async def test_update_item_errors_change_nothing(
    vault: httpx.AsyncClient, keys: KeyPool, hook_calls: list[tuple[str, uuid.UUID]]
) -> None:
    user = await sign_up(vault, keys)
    car = await make_car(vault, user)
    item_id = car["item"]["id"]
    cases = [
        (
            {"item": {"label": "x", "slots_attributes": [{"name": "vin", "encrypted_value": "plain"}]}},
            "invalid_encrypted_value",
        ),
        (
            {
                "item": {
                    "label": "x",
                    "slots_attributes": [{"id": str(uuid.uuid4()), "encrypted_value": None}],
                }
            },
            "unknown_slot",
        ),
        ({"item": {"label": "x", "slots_attributes": [{"name": "vin"}, {"name": "vin"}]}}, "duplicate_slot"),
        (
            {"item": {"label": "x", "slots_attributes": [{"id": car["slots"][0]["id"], "name": "make"}]}},
            "duplicate_slot",
        ),
    ]
    for body, code in cases:
        response = await vault.put(f"/items/{item_id}", json=body, headers=user.headers)
        assert response.status_code == 422, body
        assert error_code(response) == code
    assert (await vault.get(f"/items/{item_id}", headers=user.headers)).json()["slots"] == car["slots"]
    assert hook_calls == []


async def test_delete_item(
    vault: httpx.AsyncClient, keys: KeyPool, hook_calls: list[tuple[str, uuid.UUID]]
) -> None:
    user = await sign_up(vault, keys)
    car = await make_car(vault, user)
    other = await make_car(vault, user, "Other car")
    item_id = car["item"]["id"]
    assert (await vault.delete(f"/items/{item_id}", headers=user.headers)).status_code == 204
    assert hook_calls == [("deleted", uuid.UUID(item_id))]
    assert (await vault.get(f"/items/{item_id}", headers=user.headers)).status_code == 404
    assert (await vault.get(f"/slots/{car['slots'][0]['id']}", headers=user.headers)).status_code == 404
    assert (await vault.delete(f"/items/{item_id}", headers=user.headers)).status_code == 404
    listing = (await vault.get("/items", headers=user.headers)).json()
    assert [i["id"] for i in listing["items"]] == [other["item"]["id"]]


async def test_slots(
    vault: httpx.AsyncClient, keys: KeyPool, hook_calls: list[tuple[str, uuid.UUID]]
) -> None:
    user = await sign_up(vault, keys)
    car = await make_car(vault, user)
    item_id = uuid.UUID(car["item"]["id"])
    vin, make, _ = car["slots"]
    got = await vault.get(f"/slots/{vin['id']}", headers=user.headers)
    assert got.status_code == 200
    assert got.json()["slot"] == vin

    wrapped_value = user.encrypt("Saab")
    wrapped = await vault.put(
        f"/slots/{make['id']}",
        json={"slot": {"encrypted_value": wrapped_value, "label": "Maker"}},
        headers=user.headers,
    )
    assert wrapped.status_code == 200
    assert wrapped.json()["slot"]["encrypted_value"] == wrapped_value
    assert wrapped.json()["slot"]["label"] == "Maker"
    top_value = user.encrypt("Fiat")
    top = await vault.put(
        f"/slots/{make['id']}",
        json={"encrypted_value": top_value, "value": "ignored", "encrypted": True},
        headers=user.headers,
    )
    assert top.status_code == 200
    assert top.json()["slot"]["encrypted_value"] == top_value
    assert top.json()["slot"]["label"] == "Maker"
    plain = await vault.put(
        f"/slots/{make['id']}", json={"slot": {"encrypted_value": "Fiat"}}, headers=user.headers
    )
    assert plain.status_code == 422
    assert error_code(plain) == "invalid_encrypted_value"
    assert (await vault.get(f"/slots/{make['id']}", headers=user.headers)).json()["slot"][
        "encrypted_value"
    ] == top_value
    bad_type = await vault.put(f"/slots/{make['id']}", json={"slot_type_name": "nope"}, headers=user.headers)
    assert bad_type.status_code == 422

    assert (await vault.delete(f"/slots/{vin['id']}", headers=user.headers)).status_code == 204
    item = (await vault.get(f"/items/{item_id}", headers=user.headers)).json()
    assert vin["id"] not in item["item"]["slot_ids"]
    assert hook_calls == [("changed", item_id)] * 3


async def test_item_list_pages_and_filters(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    other = await sign_up(vault, keys)
    await make_car(vault, other)
    cars = [await make_car(vault, user, f"Car {i}") for i in range(3)]
    notes = []
    for i in range(2):
        response = await vault.post(
            "/items", json={"template_name": "note", "item": {"label": f"Note {i}"}}, headers=user.headers
        )
        notes.append(response.json())
    all_ids = [x["item"]["id"] for x in cars + notes]

    first = (await vault.get("/items", params={"per_page": 2}, headers=user.headers)).json()
    assert [i["id"] for i in first["items"]] == all_ids[:2]
    assert first["meta"] == {"next_page_after": all_ids[1], "per_page": 2}
    assert {s["id"] for s in first["slots"]} == {s for c in cars[:2] for s in c["item"]["slot_ids"]}
    second = (
        await vault.get("/items", params={"per_page": 2, "next_page_after": all_ids[1]}, headers=user.headers)
    ).json()
    assert [i["id"] for i in second["items"]] == all_ids[2:4]
    last = (
        await vault.get("/items", params={"per_page": 2, "next_page_after": all_ids[3]}, headers=user.headers)
    ).json()
    assert [i["id"] for i in last["items"]] == all_ids[4:]
    assert last["next_page_after"] is None
    # The reference client's offset form.
    page2 = (await vault.get("/items", params={"per": 2, "page": 2}, headers=user.headers)).json()
    assert [i["id"] for i in page2["items"]] == all_ids[2:4]

    vehicle = cars[0]["item"]["item_template_id"]
    note_template = notes[0]["item"]["item_template_id"]
    only_cars = (await vault.get("/items", params={"template_ids": vehicle}, headers=user.headers)).json()
    assert [i["id"] for i in only_cars["items"]] == all_ids[:3]
    both = (
        await vault.get("/items", params={"for_template": [vehicle, note_template]}, headers=user.headers)
    ).json()
    assert [i["id"] for i in both["items"]] == all_ids
    bad = await vault.get("/items", params={"template_ids": "nope"}, headers=user.headers)
    assert bad.status_code == 422
    assert error_code(bad) == "invalid_template_id"
    for params in ({"per_page": 0}, {"per_page": 1001}, {"next_page_after": "x"}, {"page": 0}):
        assert (await vault.get("/items", params=params, headers=user.headers)).status_code == 422


async def test_list_pages_are_bounded_in_bytes_and_walk_everything(
    vault: httpx.AsyncClient, keys: KeyPool, settings: Settings
) -> None:
    # Finding: one GET /items?per_page=1000 answered every stored byte at once (96 MB).
    user = await sign_up(vault, keys)
    big = user.encrypt("x" * 3000)
    ids = []
    for n in range(3):
        response = await vault.post(
            "/items",
            json={
                "template_name": "note",
                "item": {"label": f"Big {n}", "slots_attributes": [{"name": "n", "encrypted_value": big}]},
            },
            headers=user.headers,
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["item"]["id"])
    settings.max_page_bytes = len(big) * 2
    seen: list[str] = []
    params: dict[str, Any] = {"per_page": 1000}
    for _ in range(5):
        page = (await vault.get("/items", params=params, headers=user.headers)).json()
        assert 1 <= len(page["items"]) <= 2
        assert {s["id"] for s in page["slots"]} == {s for i in page["items"] for s in i["slot_ids"]}
        seen += [i["id"] for i in page["items"]]
        if page["next_page_after"] is None:
            break
        params = {"per_page": 1000, "next_page_after": page["next_page_after"]}
    assert seen == ids
    # A single record larger than the bound still comes back, alone.
    settings.max_page_bytes = 1024
    page = (await vault.get("/items", params={"per_page": 1000}, headers=user.headers)).json()
    assert [i["id"] for i in page["items"]] == ids[:1]
    assert page["next_page_after"] == ids[0]
