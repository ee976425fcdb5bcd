"""Who read a share: the recipient's reads of the values are recorded (share, reader, time only); the
card's owner and the share's sender list them, nobody else; the owner also sees the on-shares made from
it; the records go when the share goes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from strongroom.kit.clock import FrozenClock
from strongroom.vault.models import ShareReadEvent
from tests.vault.factories import big_key_pool, build_world
from tests.vault.helpers import VaultUser, error_code


async def _events(vault: httpx.AsyncClient, user: VaultUser, share_id: str) -> httpx.Response:
    return await vault.get(f"/shares/{share_id}/events", headers=user.headers)


async def test_reads_are_recorded_and_listed_to_owner_and_sender_only(
    vault: httpx.AsyncClient, vault_app: Any, clock: FrozenClock
) -> None:
    w = await build_world(vault, big_key_pool())
    empty = await _events(vault, w.alice, w.share.id)
    assert empty.status_code == 200, empty.text
    assert empty.json()["share_events"] == []

    first = clock.now()
    assert (await vault.get(f"/shares/{w.share.id}", headers=w.bob.headers)).status_code == 200
    clock.advance(60)
    assert (await vault.get(f"/shares/{w.share.id}", headers=w.bob.headers)).status_code == 200
    # The sender's own reads and lists are not reads of a share's values by its recipient.
    assert (await vault.get(f"/shares/{w.share.id}", headers=w.alice.headers)).status_code == 200
    assert (await vault.get("/shares", headers=w.bob.headers)).status_code == 200
    assert (await vault.get(f"/shares/{w.on_share.id}", headers=w.carol.headers)).status_code == 200

    listed = await _events(vault, w.alice, w.share.id)
    body = listed.json()
    assert [(e["reader_id"], e["share_id"]) for e in body["share_events"]] == [(w.bob.id, w.share.id)] * 2
    assert [e["read_at"][:19] for e in body["share_events"]] == [
        first.isoformat()[:19],
        clock.now().isoformat()[:19],
    ]
    assert set(body["share_events"][0]) == {"id", "share_id", "reader_id", "read_at"}
    # The owner sees the on-share Bob made, and who read it.
    assert [(o["id"], o["sender_id"], o["recipient_id"]) for o in body["on_shares"]] == [
        (w.on_share.id, w.bob.id, w.carol.id)
    ]
    on = (await _events(vault, w.alice, w.on_share.id)).json()
    assert [e["reader_id"] for e in on["share_events"]] == [w.carol.id]
    # Bob sent the on-share: he sees its reads, not the on-shares of Alice's card; Carol sees nothing.
    assert [e["reader_id"] for e in (await _events(vault, w.bob, w.on_share.id)).json()["share_events"]] == [
        w.carol.id
    ]
    for user, share_id in (
        (w.bob, w.share.id),
        (w.carol, w.on_share.id),
        (w.dave, w.share.id),
        (w.eve, w.share.id),
    ):
        refused = await _events(vault, user, share_id)
        assert (refused.status_code, error_code(refused)) == (404, "not_found")
    assert (await vault.get(f"/shares/{w.share.id}/events")).status_code == 401

    # Revoking the share takes its events (and its on-share's) with it.
    assert (await vault.delete(f"/shares/{w.share.id}", headers=w.alice.headers)).status_code == 204
    assert (await _events(vault, w.alice, w.share.id)).status_code == 404
    async with vault_app.state.sessions() as session:
        left = (await session.execute(select(func.count()).select_from(ShareReadEvent))).scalar_one()
    assert left == 0


async def test_a_readers_reads_within_the_window_are_one_event(
    vault: httpx.AsyncClient, vault_app: Any, clock: FrozenClock
) -> None:
    vault_app.state.settings.share_read_event_window = 60
    w = await build_world(vault, big_key_pool())

    async def read_at_offsets(offsets: list[int]) -> None:
        start = clock.now()
        for offset in offsets:
            clock.set(start + timedelta(seconds=offset))
            assert (await vault.get(f"/shares/{w.share.id}", headers=w.bob.headers)).status_code == 200

    first = clock.now()
    # Recorded at 0 and at 60 (a full window after the last recorded read), not at 10, 59 or 61.
    await read_at_offsets([0, 10, 59, 60, 61])
    carol_reads = (await vault.get(f"/shares/{w.on_share.id}", headers=w.carol.headers)).status_code
    assert carol_reads == 200
    events = (await _events(vault, w.alice, w.share.id)).json()["share_events"]
    assert [e["read_at"][:19] for e in events] == [
        first.isoformat()[:19],
        (first + timedelta(seconds=60)).isoformat()[:19],
    ]
    # Another reader (of another share) is recorded on its own.
    assert [e["reader_id"] for e in (await _events(vault, w.bob, w.on_share.id)).json()["share_events"]] == [
        w.carol.id
    ]

    # Window 0: every read is an event.
    vault_app.state.settings.share_read_event_window = 0
    await read_at_offsets([1, 1])
    assert len((await _events(vault, w.alice, w.share.id)).json()["share_events"]) == 4
