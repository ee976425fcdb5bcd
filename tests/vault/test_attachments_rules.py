"""The Vault's attachment rules over raw HTTP: limits with their stable codes, exact-length uploads, ranged
reads, linking to slots, and the collector (unlinked uploads, removed slots and cards, deleted accounts,
crash leftovers), on the disk store and on S3 (moto's server on loopback)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from strongroom.kit.clock import FrozenClock, isoformat
from strongroom.kit.settings import Settings
from strongroom.vault.attachments.garbage import collect_once
from strongroom.vault.blobs.store import BlobStore
from strongroom.vault.models import User
from tests.s3server import S3Endpoint, s3_settings
from tests.vault.factories import make_card, share_card
from tests.vault.helpers import KeyPool, VaultUser, connect, sign_up

MAX = 10_000
QUOTA = 25_000
LIFETIME = 3600


@pytest.fixture(params=["disk", "s3"])
def blob_backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def settings(settings: Settings, blob_backend: str, request: pytest.FixtureRequest) -> Settings:
    limits: dict[str, Any] = {
        "attachment_max_bytes": MAX,
        "blob_quota_bytes": QUOTA,
        "attachment_unlinked_lifetime": LIFETIME,
        "attachment_artefacts_max_bytes": 2048,
        "share_sweep_interval": 3600.0,
    }
    if blob_backend == "s3":
        endpoint: S3Endpoint = request.getfixturevalue("s3_endpoint")
        limits |= s3_settings(endpoint, endpoint.new_bucket())
    return settings.model_copy(update=limits)


async def announce(vault: httpx.AsyncClient, user: VaultUser, size: int) -> httpx.Response:
    return await vault.post(
        "/direct/attachments/upload_url", json={"blob": {"byte_size": size}}, headers=user.headers
    )


async def stored(vault: httpx.AsyncClient, user: VaultUser, data: bytes) -> str:
    made = await announce(vault, user, len(data))
    assert made.status_code == 201, made.text
    blob_id: str = made.json()["attachment_direct_upload_url"]["blob_id"]
    put = await vault.put(f"/direct/blobs/{blob_id}", content=data, headers=user.headers)
    assert put.status_code == 200, put.text
    assert put.json()["blob"]["state"] == "stored"
    return blob_id


async def attachment(vault: httpx.AsyncClient, user: VaultUser, data: bytes = b"cipher") -> str:
    body = {"blob": {"blob_id": await stored(vault, user, data), "encrypted_artifact_blob_id": ""}}
    body["blob"]["encrypted_artifact_blob_id"] = await stored(vault, user, b"{}")
    made = await vault.post("/direct/attachments", json=body, headers=user.headers)
    assert made.status_code == 201, made.text
    attachment_id: str = made.json()["attachment"]["id"]
    return attachment_id


async def link(
    vault: httpx.AsyncClient, user: VaultUser, item_id: str, attachment_id: str, **slot: Any
) -> httpx.Response:
    attrs = {"label": "Scan", "slot_type_name": "attachment", "attachment_id": attachment_id, **slot}
    return await vault.put(
        f"/items/{item_id}", json={"item": {"slots_attributes": [attrs]}}, headers=user.headers
    )


def code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["error"]


async def objects(store: BlobStore) -> list[str]:
    return [info.key async for info in store.list()]


async def test_limits_answer_with_stable_codes(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    assert code(await announce(vault, alice, MAX + 1)) == (413, "attachment_too_large")
    assert (await announce(vault, alice, MAX)).status_code == 201
    assert (await announce(vault, alice, MAX)).status_code == 201
    # Announced uploads count against the quota: a third would pass it.
    # One code, one status wherever a quota of stored bytes is met (slots and shares answer 413 too).
    assert code(await announce(vault, alice, QUOTA - 2 * MAX + 1)) == (413, "storage_quota_exceeded")
    assert code(await announce(vault, alice, -1))[0] == 422


async def test_an_upload_takes_exactly_its_bytes_once(
    vault: httpx.AsyncClient, vault_app: FastAPI, keys: KeyPool
) -> None:
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    blob_id = (await announce(vault, alice, 10)).json()["attachment_direct_upload_url"]["blob_id"]
    url = f"/direct/blobs/{blob_id}"

    async def chunks(data: bytes) -> Any:
        for i in range(0, len(data), 3):
            yield data[i : i + 3]

    # Streamed without a length: caught while it arrives.
    assert code(await vault.put(url, content=chunks(b"x" * 11), headers=alice.headers)) == (
        413,
        "upload_too_large",
    )
    assert code(await vault.put(url, content=chunks(b"x" * 9), headers=alice.headers)) == (
        422,
        "upload_incomplete",
    )
    assert code(await vault.put(url, content=b"x" * 12, headers=alice.headers)) == (413, "upload_too_large")
    # Never visible half-finished: nothing stored, the blob cannot be read or attached.
    assert await objects(vault_app.state.blob_store) == []
    assert (await vault.get(url, headers=alice.headers)).status_code == 404
    assert (await vault.put(url, content=b"0123456789", headers=bob.headers)).status_code == 404
    assert (await vault.put(url, content=b"0123456789", headers=alice.headers)).status_code == 200
    assert code(await vault.put(url, content=b"0123456789", headers=alice.headers)) == (
        409,
        "already_uploaded",
    )


async def test_ranges(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    blob_id = await stored(vault, alice, bytes(range(100)))
    url = f"/direct/blobs/{blob_id}"
    whole = await vault.get(url, headers=alice.headers)
    assert whole.status_code == 200
    assert whole.content == bytes(range(100))
    for header, expected in (
        ("bytes=10-19", range(10, 20)),
        ("bytes=95-", range(95, 100)),
        ("bytes=-3", range(97, 100)),
        ("bytes=90-500", range(90, 100)),
    ):
        part = await vault.get(url, headers={**alice.headers, "Range": header})
        assert part.status_code == 206, header
        assert part.content == bytes(expected)
        assert part.headers["content-range"] == f"bytes {expected[0]}-{expected[-1]}/100"
    for header in ("bytes=100-", "bytes=5-2", "items=0-1", "bytes=0-1,5-6", "bytes=-0"):
        refused = await vault.get(url, headers={**alice.headers, "Range": header})
        assert code(refused) == (416, "range_not_satisfiable"), header


async def test_attaching_needs_two_whole_blobs_of_ones_own(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    one, two = await stored(vault, alice, b"a"), await stored(vault, alice, b"b")
    pending = (await announce(vault, alice, 5)).json()["attachment_direct_upload_url"]["blob_id"]
    theirs = await stored(vault, bob, b"c")

    async def attach(binary: str, record: str) -> httpx.Response:
        body = {"blob": {"blob_id": binary, "encrypted_artifact_blob_id": record}}
        return await vault.post("/direct/attachments", json=body, headers=alice.headers)

    assert code(await attach(one, pending)) == (422, "blob_incomplete")
    assert code(await attach(one, one)) == (422, "invalid_blobs")
    assert (await attach(one, theirs)).status_code == 404
    assert (await attach(one, str(uuid.uuid4()))).status_code == 404
    big = await stored(vault, alice, b"{" * 3000)
    assert code(await attach(one, big)) == (422, "artefacts_too_large")
    assert (await attach(one, two)).status_code == 201
    assert code(await attach(one, await stored(vault, alice, b"d"))) == (409, "blob_in_use")


async def test_linking_to_slots(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    item, _ = await make_card(vault, alice)
    mine, theirs = await attachment(vault, alice), await attachment(vault, bob)
    assert code(await link(vault, alice, item["id"], theirs)) == (422, "unknown_attachment")
    assert code(await link(vault, alice, item["id"], mine, slot_type_name="key_value")) == (
        422,
        "not_an_attachment_slot",
    )
    linked = await link(vault, alice, item["id"], mine, encrypted_value=alice.encrypt("file key"))
    assert linked.status_code == 200, linked.text
    slot = next(s for s in linked.json()["slots"] if s["name"] == "scan")
    assert slot["attachment_id"] == mine
    assert code(await link(vault, alice, item["id"], mine, label="Other")) == (409, "attachment_in_use")
    # Meeco's spelling of the link works too.
    other = await attachment(vault, alice)
    meeco = await vault.put(
        f"/items/{item['id']}",
        json={
            "item": {
                "slots_attributes": [
                    {
                        "label": "Second",
                        "slot_type_name": "attachment",
                        "attachments_attributes": [{"id": other}],
                    }
                ]
            }
        },
        headers=alice.headers,
    )
    assert meeco.status_code == 200, meeco.text
    got = await vault.get(f"/direct/attachments/{other}", headers=alice.headers)
    assert got.json()["attachment"]["item_id"] == item["id"]


async def test_the_collector_removes_what_nothing_can_serve(
    vault: httpx.AsyncClient, vault_app: FastAPI, keys: KeyPool, clock: FrozenClock
) -> None:
    state = vault_app.state
    store: BlobStore = state.blob_store

    async def collect() -> None:
        await collect_once(state.sessions, store, clock, LIFETIME)

    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    item, _ = await make_card(vault, alice)
    kept = await attachment(vault, alice)
    assert (await link(vault, alice, item["id"], kept)).status_code == 200
    loose = await attachment(vault, alice)  # never linked
    await announce(vault, alice, 5)  # never uploaded
    gone_with_slot = await attachment(vault, alice)
    assert (await link(vault, alice, item["id"], gone_with_slot, label="Other")).status_code == 200
    await attachment(vault, bob)  # bob's account will go
    await collect()
    assert len(await objects(store)) == 8  # nothing is garbage yet

    slot_id = next(
        s["id"]
        for s in (await vault.get(f"/items/{item['id']}", headers=alice.headers)).json()["slots"]
        if s["name"] == "other"
    )
    assert (await vault.delete(f"/slots/{slot_id}", headers=alice.headers)).status_code == 204
    assert (
        await vault.get(f"/direct/attachments/{gone_with_slot}", headers=alice.headers)
    ).status_code == 404
    # An account's deletion (however it is asked for) cascades over its rows; its objects are then garbage.
    async with state.sessions() as session, session.begin():
        await session.execute(delete(User).where(User.id == uuid.UUID(bob.id)))
    await collect()
    assert len(await objects(store)) == 4

    clock.advance(LIFETIME + 1)
    await collect()
    assert (await vault.get(f"/direct/attachments/{loose}", headers=alice.headers)).status_code == 404
    assert (await vault.get(f"/direct/attachments/{kept}", headers=alice.headers)).status_code == 200
    assert len(await objects(store)) == 2

    # The card goes: its attachment goes with it.
    assert (await vault.delete(f"/items/{item['id']}", headers=alice.headers)).status_code == 204
    await collect()
    assert (await vault.get(f"/direct/attachments/{kept}", headers=alice.headers)).status_code == 404
    assert [k for k in await objects(store) if k.startswith(alice.id)] == []


async def test_an_expiring_share_stops_its_downloads_at_once(
    vault: httpx.AsyncClient, keys: KeyPool, clock: FrozenClock
) -> None:
    """Past ``expires_at`` the recipient gets neither the attachment nor its blobs, sweeper or not."""
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    to_bob, _ = await connect(vault, keys, alice, bob)
    item, _ = await make_card(vault, alice)
    attached = await attachment(vault, alice, b"encrypted blocks")
    linked = await link(vault, alice, item["id"], attached, encrypted_value=alice.encrypt("file key"))
    assert linked.status_code == 200, linked.text
    slots = {s["name"]: s for s in linked.json()["slots"]}
    plain = {"vin": "VIN-123", "make": "Saab", "scan": "file key"}
    deadline = clock.now() + timedelta(minutes=5)
    await share_card(vault, alice, to_bob["id"], item["id"], slots, plain, expires_at=isoformat(deadline))
    seen = await vault.get(f"/direct/attachments/{attached}", headers=bob.headers)
    assert seen.status_code == 200, seen.text
    main = seen.json()["attachment"]["main"]
    blob = await vault.get(f"/direct/blobs/{main['id']}", headers=bob.headers)
    assert (blob.status_code, blob.content) == (200, b"encrypted blocks")

    clock.advance(5 * 60 + 1)
    assert code(await vault.get(f"/direct/attachments/{attached}", headers=bob.headers))[0] == 404
    assert code(await vault.get(f"/direct/blobs/{main['id']}", headers=bob.headers))[0] == 404
    # The owner still has it.
    owned = await vault.get(f"/direct/blobs/{main['id']}", headers=alice.headers)
    assert (owned.status_code, owned.content) == (200, b"encrypted blocks")
