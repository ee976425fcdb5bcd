"""Item templates: built-ins seeded by migration, custom templates."""

from __future__ import annotations

import uuid

import httpx

from tests.vault.helpers import KeyPool, error_code, sign_up

BUILTINS = {"vehicle", "passport", "bank_card", "password", "note", "contact"}


async def test_built_in_templates_are_listed_with_their_slots(
    vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    user = await sign_up(vault, keys)
    response = await vault.get(
        "/item_templates",
        params={"by_classification[scheme]": "esafe", "by_classification[name]": "esafe_templates"},
        headers=user.headers,
    )
    assert response.status_code == 200
    body = response.json()
    names = {t["name"] for t in body["item_templates"]}
    assert names >= BUILTINS
    for key in (
        "shares",
        "classification_nodes",
        "associations",
        "associations_to",
        "attachments",
        "thumbnails",
    ):
        assert body[key] == []
    slots = {s["id"]: s for s in body["slots"]}
    vehicle = next(t for t in body["item_templates"] if t["name"] == "vehicle")
    assert vehicle["user_id"] is None
    assert vehicle["label"] == "Vehicle"
    vehicle_slots = [slots[i] for i in vehicle["slot_ids"]]
    assert [s["name"] for s in vehicle_slots] == ["vin", "make"]
    assert all(s["slot_type_name"] == "key_value" for s in vehicle_slots)
    assert all(s["encrypted"] is False and s["encrypted_value"] is None for s in vehicle_slots)
    assert all(s["slotable_type"] == "ItemTemplate" and s["creator"] == "system" for s in vehicle_slots)
    assert "value" not in vehicle_slots[0]


async def test_templates_need_a_session(vault: httpx.AsyncClient) -> None:
    assert (await vault.get("/item_templates")).status_code == 401
    assert (await vault.post("/item_templates", json={"label": "x"})).status_code == 401
    assert (await vault.get(f"/item_templates/{uuid.uuid4()}")).status_code == 401


async def test_custom_template_belongs_to_its_maker(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    response = await vault.post(
        "/item_templates",
        json={
            "label": "Gym locker",
            "slots_attributes": [
                {"label": "Locker number", "slot_type_name": "key_value"},
                {"name": "code", "label": "Code", "slot_type_name": "password"},
            ],
        },
        headers=alice.headers,
    )
    assert response.status_code == 201
    body = response.json()
    template = body["item_template"]
    assert template["name"] == "gym_locker"
    assert template["user_id"] == alice.id
    assert [s["name"] for s in body["slots"]] == ["locker_number", "code"]
    assert [s["ordinal"] for s in body["slots"]] == [1, 2]
    assert body["slots"][1]["slot_type_name"] == "password"
    assert all(s["creator"] == "user" for s in body["slots"])

    own = await vault.get(f"/item_templates/{template['id']}", headers=alice.headers)
    assert own.status_code == 200
    assert own.json()["item_template"]["slot_ids"] == [s["id"] for s in body["slots"]]
    assert (await vault.get(f"/item_templates/{template['id']}", headers=bob.headers)).status_code == 404
    bob_names = {
        t["name"] for t in (await vault.get("/item_templates", headers=bob.headers)).json()["item_templates"]
    }
    assert "gym_locker" not in bob_names
    alice_names = {
        t["name"]
        for t in (await vault.get("/item_templates", headers=alice.headers)).json()["item_templates"]
    }
    assert "gym_locker" in alice_names

    # Bob may have his own template of the same name.
    again = await vault.post("/item_templates", json={"label": "Gym locker"}, headers=bob.headers)
    assert again.status_code == 201


async def test_template_names_do_not_collide(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    builtin = await vault.post("/item_templates", json={"label": "Vehicle"}, headers=user.headers)
    assert builtin.status_code == 409
    assert error_code(builtin) == "template_name_taken"
    assert (
        await vault.post("/item_templates", json={"label": "Mine"}, headers=user.headers)
    ).status_code == 201
    twice = await vault.post("/item_templates", json={"name": "mine", "label": "Other"}, headers=user.headers)
    assert twice.status_code == 409


async def test_template_input_errors(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    cases = [
        (
            {"label": "T1", "slots_attributes": [{"label": "A", "slot_type_name": "plutonium"}]},
            "invalid_slot_type",
        ),
        ({"label": "T2", "slots_attributes": [{"label": "A"}, {"name": "a"}]}, "duplicate_slot"),
        ({"label": "T3", "slots_attributes": [{"label": "!!!"}]}, "invalid_name"),
        ({"label": "???"}, "invalid_name"),
        ({"slots_attributes": []}, "validation_failed"),
        ({"label": "x" * 201}, "validation_failed"),
    ]
    for body, code in cases:
        response = await vault.post("/item_templates", json=body, headers=user.headers)
        assert response.status_code == 422, body
        assert error_code(response) == code
    malformed = await vault.post(
        "/item_templates", content=b"{", headers={**user.headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400


async def test_template_list_pages(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    seen: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, str | int] = {"per_page": 4}
        if after:
            params["next_page_after"] = after
        body = (await vault.get("/item_templates", params=params, headers=user.headers)).json()
        assert len(body["item_templates"]) <= 4
        seen += [t["id"] for t in body["item_templates"]]
        after = body["meta"]["next_page_after"]
        assert body["next_page_after"] == after
        if after is None:
            break
    everything = (await vault.get("/item_templates", headers=user.headers)).json()
    assert seen == [t["id"] for t in everything["item_templates"]]
    assert len(set(seen)) == len(seen)
