"""Client tasks: ``update_shares`` queued by card and share changes; ``GET``/``PUT /client_task_queue``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from strongroom.kit.clock import FrozenClock, isoformat
from strongroom.kit.settings import Settings
from tests.vault.factories import World, big_key_pool, build_world, encrypt_values, make_card, share_card
from tests.vault.helpers import VaultUser, connect, error_code, sign_up


async def tasks_of(vault: httpx.AsyncClient, user: VaultUser, query: str = "") -> list[dict[str, Any]]:
    response = await vault.get(f"/client_task_queue{query}", headers=user.headers)
    assert response.status_code == 200, response.text
    tasks: list[dict[str, Any]] = response.json()["client_tasks"]
    return tasks


async def update_tasks_of(vault: httpx.AsyncClient, user: VaultUser) -> list[dict[str, Any]]:
    """The user's ``update_shares`` tasks (ended shares also queue key-deletion tasks)."""
    return [t for t in await tasks_of(vault, user) if t["work_type"] == "update_shares"]


async def edit_card(vault: httpx.AsyncClient, world: World, text: str) -> None:
    response = await vault.put(
        f"/items/{world.item['id']}",
        json={"item": {"slots_attributes": [{"name": "vin", "encrypted_value": world.alice.encrypt(text)}]}},
        headers=world.alice.headers,
    )
    assert response.status_code == 200, response.text


async def set_states(vault: httpx.AsyncClient, user: VaultUser, *changes: dict[str, Any]) -> httpx.Response:
    return await vault.put("/client_task_queue", json={"client_tasks": list(changes)}, headers=user.headers)


async def test_editing_a_shared_card_queues_one_task_for_the_owner(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    assert await tasks_of(vault, world.alice) == []

    await edit_card(vault, world, "VIN-2")
    await edit_card(vault, world, "VIN-3")

    [task] = await tasks_of(vault, world.alice)
    assert task["work_type"] == "update_shares"
    assert task["target_id"] == world.item["id"]
    assert task["state"] == "todo"
    assert task["report"] is None
    # The on-sharer is asked only once the owner's new values reach the share he received.
    for user in (world.bob, world.carol, world.dave, world.eve):
        assert await tasks_of(vault, user) == []


async def test_an_unshared_card_queues_nothing(vault: httpx.AsyncClient) -> None:
    keys = big_key_pool()
    alice = await sign_up(vault, keys)
    item, _ = await make_card(vault, alice)
    response = await vault.put(
        f"/items/{item['id']}", json={"item": {"label": "Renamed"}}, headers=alice.headers
    )
    assert response.status_code == 200
    assert await tasks_of(vault, alice) == []


async def test_new_parent_values_ask_the_on_sharer(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    values = encrypt_values(world.share.dek, world.slots, {"vin": "VIN-2"})
    response = await vault.put(
        "/shares",
        json={"shares": [{"id": world.share.id, "encrypted_values": values}]},
        headers=world.alice.headers,
    )
    assert response.status_code == 200, response.text
    [task] = await tasks_of(vault, world.bob)
    assert (task["work_type"], task["target_id"], task["state"]) == (
        "update_shares",
        world.item["id"],
        "todo",
    )
    # Changing only the expiry does not ask for new values.
    await set_states(vault, world.bob, {"id": task["id"], "state": "done"})
    expiry = await vault.put(
        "/shares",
        json={"shares": [{"id": world.share.id, "expires_at": "2999-01-01T00:00:00Z"}]},
        headers=world.alice.headers,
    )
    assert expiry.status_code == 200
    assert [t["state"] for t in await tasks_of(vault, world.bob)] == ["done"]


async def test_task_states_move_forward(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    await edit_card(vault, world, "VIN-2")
    [task] = await tasks_of(vault, world.alice)

    started = await set_states(vault, world.alice, {"id": task["id"], "state": "in_progress"})
    assert started.status_code == 200, started.text
    assert started.json()["client_tasks"][0]["state"] == "in_progress"
    assert [t["id"] for t in await tasks_of(vault, world.alice, "?state=in_progress")] == [task["id"]]
    assert await tasks_of(vault, world.alice, "?state=todo") == []
    # A change while the task runs needs another run: a new waiting task.
    await edit_card(vault, world, "VIN-3")
    [waiting] = await tasks_of(vault, world.alice, "?state=todo")
    assert waiting["id"] != task["id"]
    back = await set_states(vault, world.alice, {"id": task["id"], "state": "todo"})
    assert (back.status_code, error_code(back)) == (409, "task_already_queued")

    done = await set_states(vault, world.alice, {"id": task["id"], "state": "done", "report": {"updated": 1}})
    assert done.status_code == 200
    assert done.json()["client_tasks"][0]["report"] == {"updated": 1}
    final = await set_states(vault, world.alice, {"id": task["id"], "state": "todo"})
    assert (final.status_code, error_code(final)) == (409, "task_finished")
    states = {t["id"]: t["state"] for t in await tasks_of(vault, world.alice)}
    assert states == {task["id"]: "done", waiting["id"]: "todo"}
    both = await tasks_of(vault, world.alice, "?state=done&state=todo")
    assert len(both) == 2
    by_target = await tasks_of(vault, world.alice, f"?target_id={world.item['id']}")
    assert len(by_target) == 2
    failed = await set_states(
        vault, world.alice, {"id": waiting["id"], "state": "failed", "report": "no key"}
    )
    assert failed.json()["client_tasks"][0]["report"] == "no key"
    retried = await set_states(vault, world.alice, {"id": waiting["id"], "state": "todo"})
    assert retried.json()["client_tasks"][0]["state"] == "todo"


async def test_only_own_tasks_change(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    await edit_card(vault, world, "VIN-2")
    [task] = await tasks_of(vault, world.alice)
    for user in (world.bob, world.carol, world.dave, world.eve):
        response = await set_states(vault, user, {"id": task["id"], "state": "done"})
        assert (response.status_code, error_code(response)) == (404, "not_found")
        assert await tasks_of(vault, user) == []
    # All or nothing: a foreign id in the batch refuses the whole batch.
    mixed = await set_states(
        vault, world.alice, {"id": task["id"], "state": "done"}, {"id": world.share.id, "state": "done"}
    )
    assert mixed.status_code == 404
    assert (await tasks_of(vault, world.alice))[0]["state"] == "todo"
    assert (await vault.get("/client_task_queue")).status_code == 401
    assert (await vault.put("/client_task_queue", json={"client_tasks": []})).status_code == 401


async def test_task_request_errors(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    await edit_card(vault, world, "VIN-2")
    [task] = await tasks_of(vault, world.alice)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"client_tasks": []}, "validation_failed"),
        ({"client_tasks": [{"id": task["id"], "state": "finished"}]}, "validation_failed"),
        ({"client_tasks": [{"id": "x", "state": "done"}]}, "validation_failed"),
        (
            {"client_tasks": [{"id": task["id"], "state": "done", "report": {"x": "y" * 20_000}}]},
            "report_too_large",
        ),
        (
            {"client_tasks": [{"id": task["id"], "state": "done"}, {"id": task["id"], "state": "done"}]},
            "duplicate_task",
        ),
    ]
    for body, code in cases:
        response = await vault.put("/client_task_queue", json=body, headers=world.alice.headers)
        assert (response.status_code, error_code(response)) == (422, code), body
    bad_state = await vault.get("/client_task_queue?state=later", headers=world.alice.headers)
    assert (bad_state.status_code, error_code(bad_state)) == (422, "validation_failed")
    assert (await tasks_of(vault, world.alice))[0]["state"] == "todo"


async def test_a_stuck_task_returns_to_todo(
    vault: httpx.AsyncClient, clock: FrozenClock, settings: Settings
) -> None:
    world = await build_world(vault, big_key_pool())
    await edit_card(vault, world, "VIN-2")
    [task] = await tasks_of(vault, world.alice)
    await set_states(vault, world.alice, {"id": task["id"], "state": "in_progress"})
    clock.advance(settings.client_task_stuck_after)
    assert (await tasks_of(vault, world.alice))[0]["state"] == "in_progress"
    clock.advance(1)
    [released] = await tasks_of(vault, world.alice)
    assert (released["id"], released["state"]) == (task["id"], "todo")


async def test_a_stuck_task_with_a_waiting_twin_is_dropped(
    vault: httpx.AsyncClient, clock: FrozenClock, settings: Settings
) -> None:
    world = await build_world(vault, big_key_pool())
    await edit_card(vault, world, "VIN-2")
    [task] = await tasks_of(vault, world.alice)
    await set_states(vault, world.alice, {"id": task["id"], "state": "in_progress"})
    await edit_card(vault, world, "VIN-3")
    clock.advance(settings.client_task_stuck_after + 1)
    tasks = await tasks_of(vault, world.alice)
    assert [t["state"] for t in tasks] == ["todo"]
    assert tasks[0]["id"] != task["id"]


async def test_revoking_the_last_share_drops_the_waiting_task(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    await edit_card(vault, world, "VIN-2")
    assert len(await tasks_of(vault, world.alice)) == 1
    assert (await vault.delete(f"/shares/{world.share.id}", headers=world.bob.headers)).status_code == 204
    assert await update_tasks_of(vault, world.alice) == []
    [cleanup] = await tasks_of(vault, world.alice)
    assert cleanup["work_type"] == "delete_encryption_space"


async def test_a_task_stays_while_another_share_needs_it(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    await share_card(vault, world.alice, world.conns["ad"]["id"], world.item["id"], world.slots)
    await edit_card(vault, world, "VIN-2")
    assert (await vault.delete(f"/shares/{world.share.id}", headers=world.alice.headers)).status_code == 204
    assert len(await update_tasks_of(vault, world.alice)) == 1


async def test_deleting_the_card_drops_its_tasks(vault: httpx.AsyncClient) -> None:
    world = await build_world(vault, big_key_pool())
    values = encrypt_values(world.share.dek, world.slots, {"vin": "VIN-2"})
    await vault.put(
        "/shares",
        json={"shares": [{"id": world.share.id, "encrypted_values": values}]},
        headers=world.alice.headers,
    )
    await edit_card(vault, world, "VIN-3")
    assert len(await tasks_of(vault, world.alice)) == 1
    assert len(await tasks_of(vault, world.bob)) == 1
    assert (await vault.delete(f"/items/{world.item['id']}", headers=world.alice.headers)).status_code == 204
    assert await update_tasks_of(vault, world.alice) == []
    assert await update_tasks_of(vault, world.bob) == []


async def test_expired_shares_queue_nothing(vault: httpx.AsyncClient, clock: FrozenClock) -> None:
    keys = big_key_pool()
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    ab, _ = await connect(vault, keys, alice, bob)
    item, slots = await make_card(vault, alice)
    await share_card(
        vault, alice, ab["id"], item["id"], slots, expires_at=isoformat(clock.now() + timedelta(seconds=5))
    )
    clock.advance(5)
    response = await vault.put(
        f"/items/{item['id']}",
        json={"item": {"slots_attributes": [{"name": "vin", "encrypted_value": alice.encrypt("2")}]}},
        headers=alice.headers,
    )
    assert response.status_code == 200
    assert await tasks_of(vault, alice) == []
