"""The sweeper: ``sweep_expired`` deletes expired shares, stuck tasks return to ``todo``, and the Vault's
lifespan runs both periodically."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from strongroom.kit.clock import FrozenClock, isoformat
from strongroom.kit.settings import Settings
from strongroom.vault.app import create_app
from strongroom.vault.models import ClientTask, Share
from strongroom.vault.sweeper import release_stuck_tasks, sweep_expired, sweep_once
from tests.support import app_client
from tests.vault.factories import big_key_pool, build_world, share_card
from tests.vault.helpers import error_code


async def count_shares(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Share))).scalar_one())


async def expire_share_in(
    vault: httpx.AsyncClient, alice_headers: dict[str, str], share_id: str, when: str | None
) -> None:
    response = await vault.put(
        "/shares", json={"shares": [{"id": share_id, "expires_at": when}]}, headers=alice_headers
    )
    assert response.status_code == 200, response.text


async def test_sweep_expired_deletes_only_expired_shares(
    vault_app: FastAPI, vault: httpx.AsyncClient, clock: FrozenClock
) -> None:
    world = await build_world(vault, big_key_pool())
    kept = await share_card(vault, world.alice, world.conns["ad"]["id"], world.item["id"], world.slots)
    await expire_share_in(
        vault, world.alice.headers, world.share.id, isoformat(clock.now() + timedelta(minutes=1))
    )
    assert await count_shares(vault_app) == 3
    async with vault_app.state.sessions() as session, session.begin():
        assert await sweep_expired(session, clock.now()) == 0
    clock.advance(60)

    async with vault_app.state.sessions() as session, session.begin():
        deleted = await sweep_expired(session, clock.now())

    assert deleted == 2  # the share and its on-share
    assert await count_shares(vault_app) == 1
    assert (await vault.get(f"/shares/{kept.id}", headers=world.dave.headers)).status_code == 200
    async with vault_app.state.sessions() as session, session.begin():
        assert await sweep_expired(session, clock.now()) == 0


async def test_sweep_expired_works_in_batches(
    vault_app: FastAPI, vault: httpx.AsyncClient, clock: FrozenClock
) -> None:
    world = await build_world(vault, big_key_pool())
    await expire_share_in(
        vault, world.alice.headers, world.share.id, isoformat(clock.now() + timedelta(seconds=1))
    )
    clock.advance(1)
    async with vault_app.state.sessions() as session, session.begin():
        assert await sweep_expired(session, clock.now(), batch=1) == 2
    assert await count_shares(vault_app) == 0


async def test_the_sweeper_releases_stuck_tasks(
    vault_app: FastAPI, vault: httpx.AsyncClient, clock: FrozenClock, settings: Settings
) -> None:
    world = await build_world(vault, big_key_pool())
    edit = await vault.put(
        f"/items/{world.item['id']}",
        json={"item": {"slots_attributes": [{"name": "vin", "encrypted_value": world.alice.encrypt("2")}]}},
        headers=world.alice.headers,
    )
    assert edit.status_code == 200
    async with vault_app.state.sessions() as session:
        task = (await session.execute(select(ClientTask))).scalar_one()
    started = await vault.put(
        "/client_task_queue",
        json={"client_tasks": [{"id": str(task.id), "state": "in_progress"}]},
        headers=world.alice.headers,
    )
    assert started.status_code == 200
    async with vault_app.state.sessions() as session, session.begin():
        assert await release_stuck_tasks(session, clock.now(), settings.client_task_stuck_after) == 0
    clock.advance(settings.client_task_stuck_after + 1)
    result = await sweep_once(vault_app.state.sessions, clock, settings.client_task_stuck_after)
    assert (result.shares_deleted, result.tasks_released) == (0, 1)
    async with vault_app.state.sessions() as session:
        assert (await session.execute(select(ClientTask.state))).scalar_one() == "todo"


async def test_the_lifespan_sweeps_periodically(settings: Settings, clock: FrozenClock) -> None:
    fast = settings.model_copy(update={"share_sweep_interval": 0.05})
    app = create_app(fast, clock=clock)
    async with app_client(app) as vault:
        world = await build_world(vault, big_key_pool())
        await expire_share_in(
            vault, world.alice.headers, world.share.id, isoformat(clock.now() + timedelta(seconds=1))
        )
        assert await count_shares(app) == 2
        clock.advance(1)
        gone = await vault.get(f"/shares/{world.share.id}", headers=world.bob.headers)
        assert (gone.status_code, error_code(gone)) == (404, "not_found")  # on read, before any sweep
        for _ in range(400):  # the sweeper runs every 50 ms; wait for it, however long the machine takes
            if await count_shares(app) == 0:
                break
            await asyncio.sleep(0.05)
        assert await count_shares(app) == 0
