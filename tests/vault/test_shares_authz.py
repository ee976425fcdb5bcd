"""The authorization matrix of the shares, encryption-space and client-task endpoints.

Every route of those routers × every kind of caller has an expected status; the test fails if a route has
no rows (so a new endpoint cannot slip in unchecked). Where a call is refused, the database must be exactly
as it was before the call.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select

from strongroom.crypto import generate_key
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from strongroom.vault.models import ClientTask, Connection, EncryptionSpace, Share
from strongroom.vault.shares.router import router as shares_router
from strongroom.vault.spaces.router import router as spaces_router
from strongroom.vault.tasks.router import router as tasks_router
from tests.vault.factories import (
    World,
    big_key_pool,
    build_world,
    encrypt_values,
    link_space,
    log_in,
    share_card,
)
from tests.vault.helpers import VaultUser, sign_up

OWNER = "owner"
RECIPIENT = "recipient"
ON_RECIPIENT = "on-share recipient"
CONNECTED = "connected stranger"
UNCONNECTED = "unconnected stranger"
NO_TOKEN = "no token"
EXPIRED = "expired token"
REVOKED = "revoked token"
ACTORS = (OWNER, RECIPIENT, ON_RECIPIENT, CONNECTED, UNCONNECTED, NO_TOKEN, EXPIRED, REVOKED)
UNAUTHENTICATED = (NO_TOKEN, EXPIRED, REVOKED)


@dataclass
class Scene:
    world: World
    users: dict[str, VaultUser | None]
    targets: dict[str, str] = field(default_factory=dict)
    """Ids by name: shares ("S" Alice→Bob, "O" Bob→Carol, "S-del-*" spares), connections, Alice's task."""
    spaces: dict[str, str] = field(default_factory=dict)
    """Per actor: (their own connection for a new share, a space linked to it)."""
    own_connection: dict[str, str] = field(default_factory=dict)


Body = Callable[[Scene, str], dict[str, Any] | None]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    actor: str
    expected: int
    target: str | None = None
    body: Body | None = None
    check: Callable[[Scene, str, httpx.Response], None] | None = None


def new_space(_: Scene, __: str) -> dict[str, Any]:
    return {"encryption_space_id": str(uuid.uuid4())}


def share_alices_card(scene: Scene, actor: str) -> dict[str, Any]:
    """The actor shares Alice's card over a connection of their own (a random id for Eve, who has none)."""
    world = scene.world
    return {
        "shares": [
            {
                "shareable_id": world.item["id"],
                "connection_id": scene.own_connection.get(actor, str(uuid.uuid4())),
                "encryption_space_id": scene.spaces.get(actor, str(uuid.uuid4())),
                "encrypted_values": encrypt_values(generate_key(), world.slots, {"vin": "x"}),
            }
        ]
    }


def change_share(scene: Scene, _: str) -> dict[str, Any]:
    return {"shares": [{"id": scene.targets["S"], "expires_at": "2999-01-01T00:00:00Z"}]}


def start_task(scene: Scene, _: str) -> dict[str, Any]:
    return {"client_tasks": [{"id": scene.targets["task"], "state": "in_progress"}]}


def sees(*names: str) -> Callable[[Scene, str, httpx.Response], None]:
    """The list answer holds exactly the shares ``names`` (by target name)."""

    def check(scene: Scene, actor: str, response: httpx.Response) -> None:
        ids = {share["id"] for share in response.json()["shares"]}
        assert ids == {scene.targets[name] for name in names}, actor

    return check


def sees_items(count: int) -> Callable[[Scene, str, httpx.Response], None]:
    def check(_: Scene, actor: str, response: httpx.Response) -> None:
        assert len(response.json()["items"]) == count, actor

    return check


def sees_tasks(count: int) -> Callable[[Scene, str, httpx.Response], None]:
    def check(_: Scene, actor: str, response: httpx.Response) -> None:
        assert len(response.json()["client_tasks"]) == count, actor

    return check


def rows() -> list[Row]:
    table: list[Row] = []

    def route(method: str, path: str, outcomes: dict[str, int], **kwargs: Any) -> None:
        for actor, status in outcomes.items():
            table.append(Row(method, path, actor, status, **kwargs))

    def everyone(status: int, **overrides: int) -> dict[str, int]:
        outcome = {actor: (401 if actor in UNAUTHENTICATED else status) for actor in ACTORS}
        outcome.update({k.replace("_", " "): v for k, v in overrides.items()})
        return outcome

    route("GET", "/shares", {a: 401 for a in UNAUTHENTICATED})
    for actor, visible in (
        (OWNER, ("S", "S-del-owner", "S-del-recipient")),
        (RECIPIENT, ("S", "O", "S-del-owner", "S-del-recipient")),
        (ON_RECIPIENT, ("O",)),
        (CONNECTED, ()),
        (UNCONNECTED, ()),
    ):
        table.append(Row("GET", "/shares", actor, 200, check=sees(*visible)))
    route("PUT", "/shares", everyone(404, owner=200, recipient=403), body=change_share)
    one = "/shares/{share_id}"
    route("GET", one, everyone(404, owner=200, recipient=200), target="S")
    route("GET", one, everyone(404, recipient=200, **{"on-share_recipient": 200}), target="O")
    accept = "/shares/{share_id}/accept"
    route("PUT", accept, everyone(404, owner=403, recipient=200), target="S")
    route("PUT", accept, everyone(404, recipient=403, **{"on-share_recipient": 200}), target="O")
    route("GET", "/items/incoming", {a: 401 for a in UNAUTHENTICATED})
    for actor in (OWNER, RECIPIENT, ON_RECIPIENT, CONNECTED, UNCONNECTED):
        items = 1 if actor in (RECIPIENT, ON_RECIPIENT) else 0
        table.append(Row("GET", "/items/incoming", actor, 200, check=sees_items(items)))
    route("GET", "/client_task_queue", {a: 401 for a in UNAUTHENTICATED})
    for actor in (OWNER, RECIPIENT, ON_RECIPIENT, CONNECTED, UNCONNECTED):
        table.append(
            Row("GET", "/client_task_queue", actor, 200, check=sees_tasks(1 if actor == OWNER else 0))
        )
    route("PUT", "/client_task_queue", everyone(404, owner=200), body=start_task)
    # Who read a share: its card's owner and its sender only (here one person), never the recipient.
    route("GET", "/shares/{share_id}/events", everyone(404, owner=200), target="S")
    # Creations late (they change what later rows would see), deletions last.
    space_path = "/connections/{connection_id}/encryption_space"
    route("POST", space_path, everyone(404, owner=201), target="ab", body=new_space)
    route(
        "POST",
        "/shares",
        everyone(404, owner=201, recipient=201, **{"on-share_recipient": 403}),
        body=share_alices_card,
    )
    # Deletions: refusals first, then each party revokes a share of their own.
    route("DELETE", one, {a: s for a, s in everyone(404).items() if a not in (OWNER, RECIPIENT)}, target="S")
    route("DELETE", one, {OWNER: 404}, target="O")
    route("DELETE", one, {OWNER: 204}, target="S-del-owner")
    route("DELETE", one, {RECIPIENT: 204}, target="S-del-recipient")
    route("DELETE", one, {ON_RECIPIENT: 204}, target="O")
    return table


def my_routes() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for router in (shares_router, spaces_router, tasks_router):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            found |= {(method, route.path) for method in route.methods or ()}
    return found


async def snapshot(app: FastAPI) -> list[list[tuple[Any, ...]]]:
    """Every row of the tables these endpoints write, in a stable order."""
    tables: list[list[tuple[Any, ...]]] = []
    async with app.state.sessions() as session:
        for model in (Share, EncryptionSpace, ClientTask, Connection):
            columns = list(model.__table__.columns)
            result = await session.execute(select(*columns))
            tables.append(sorted((tuple(str(v) for v in row) for row in result), key=str))
    return tables


async def build_scene(vault: httpx.AsyncClient, clock: FrozenClock, settings: Settings) -> Scene:
    keys = big_key_pool()
    world = await build_world(vault, keys)
    frank = await sign_up(vault, keys)
    clock.advance(settings.session_lifetime + 1)  # Frank's token expires; everyone else logs in again
    for user in (world.alice, world.bob, world.carol, world.dave, world.eve):
        await log_in(vault, user)
    gina = await sign_up(vault, keys)
    assert (await vault.delete("/session", headers=gina.headers)).status_code == 204
    users: dict[str, VaultUser | None] = {
        OWNER: world.alice,
        RECIPIENT: world.bob,
        ON_RECIPIENT: world.carol,
        CONNECTED: world.dave,
        UNCONNECTED: world.eve,
        NO_TOKEN: None,
        EXPIRED: frank,
        REVOKED: gina,
    }
    scene = Scene(world=world, users=users)
    scene.targets.update({"S": world.share.id, "O": world.on_share.id, "ab": world.conns["ab"]["id"]})
    for name in ("S-del-owner", "S-del-recipient"):
        extra = await share_card(vault, world.alice, world.conns["ab"]["id"], world.item["id"], world.slots)
        scene.targets[name] = extra.id
    for actor, user, conn in (
        (OWNER, world.alice, "ab"),
        (RECIPIENT, world.bob, "bc"),
        (ON_RECIPIENT, world.carol, "cb"),
        (CONNECTED, world.dave, "da"),
    ):
        scene.own_connection[actor] = world.conns[conn]["id"]
        scene.spaces[actor] = await link_space(vault, user, world.conns[conn]["id"])
    edit = await vault.put(
        f"/items/{world.item['id']}",
        json={"item": {"slots_attributes": [{"name": "vin", "encrypted_value": world.alice.encrypt("2")}]}},
        headers=world.alice.headers,
    )
    assert edit.status_code == 200, edit.text
    tasks = (await vault.get("/client_task_queue", headers=world.alice.headers)).json()["client_tasks"]
    scene.targets["task"] = tasks[0]["id"]
    return scene


def test_every_route_has_a_row_for_every_caller() -> None:
    table = rows()
    assert {(row.method, row.path) for row in table} == my_routes()
    for method, path in my_routes():
        covered = {row.actor for row in table if (row.method, row.path) == (method, path)}
        assert covered == set(ACTORS), (method, path, set(ACTORS) - covered)


async def test_authorization_matrix(
    vault_app: FastAPI, vault: httpx.AsyncClient, clock: FrozenClock, settings: Settings
) -> None:
    scene = await build_scene(vault, clock, settings)
    for row in rows():
        user = scene.users[row.actor]
        headers = user.headers if user is not None else {}
        path = row.path
        if row.target is not None:
            target = scene.targets[row.target]
            path = path.replace("{share_id}", target).replace("{connection_id}", target)
        body = row.body(scene, row.actor) if row.body is not None else None
        before = await snapshot(vault_app)

        response = await vault.request(row.method, path, json=body, headers=headers)

        where = f"{row.method} {row.path} [{row.target}] as {row.actor}"
        assert response.status_code == row.expected, f"{where}: {response.status_code} {response.text}"
        if response.status_code >= 400:
            assert response.json()["errors"][0]["error"], where
            assert await snapshot(vault_app) == before, f"{where} changed something"
        if row.check is not None:
            row.check(scene, row.actor, response)
