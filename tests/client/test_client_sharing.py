"""Shares through the SDK: create (23–31), read with a claim on first read (33–43), terms, expiry, one slot,
owner edits carried by client tasks, on-sharing and revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from strongroom.client import (
    AcceptanceRequired,
    Forbidden,
    NotFound,
    ShareUnavailable,
    SlotInput,
    Step,
    Strongroom,
    ValidationFailed,
)
from strongroom.kit.clock import FrozenClock
from tests.client.conftest import PASSPHRASES, ClientFactory
from tests.client.test_client_connections import connect


async def vehicle(owner: Strongroom) -> str:
    card = await owner.create_card(
        "vehicle",
        "My car",
        [SlotInput(label="Secret note", value="under the mat"), SlotInput(name="vin", value="V1")],
    )
    return card.id


async def test_share_and_read_claims_once_then_uses_the_own_copy(
    alice: Strongroom, bob: Strongroom, make_client: ClientFactory
) -> None:
    mine, theirs = await connect(alice, bob)
    card_id = await vehicle(alice)
    steps: list[Step] = []
    alice.progress = steps.append
    share = await alice.share(card_id, mine.id)
    assert [s.number for s in steps if s.flow == "share"] == ["23", "24–25", "26–27", "28–29", "30–31"]
    assert share.outgoing
    assert share.card_id == card_id

    incoming = await bob.shares(outgoing=False)
    assert [s.id for s in incoming] == [share.id]
    assert incoming[0].card_label == "My car"
    assert incoming[0].connection_id == theirs.id
    assert [s.id for s in await alice.shares(outgoing=True)] == [share.id]

    bob.progress = steps.append
    read = await bob.read_share(share.id)
    assert read.values["secret_note"] == "under the mat"
    assert read.values["vin"] == "V1"
    assert read.label == "My car"
    numbers = [s.number for s in steps if s.flow == "read_share"]
    assert "37–38" in numbers
    assert "40–42" in numbers

    # Bob now holds his own KEK-wrapped copy: a new session reads without claiming again.
    async with make_client() as later:
        await later.resume(bob.credentials, PASSPHRASES["bob"])
        steps.clear()
        later.progress = steps.append
        assert (await later.read_share(share.id)).values == read.values
        assert "37–38" not in [s.number for s in steps]
        own = await later.keystore.encryption_space(share.encryption_space_id or "")
        assert own.encryption_space_id == share.encryption_space_id


async def test_one_slot_share_carries_only_that_slot(alice: Strongroom, bob: Strongroom) -> None:
    mine, _ = await connect(alice, bob)
    card_id = await vehicle(alice)
    share = await alice.share(card_id, mine.id, slot="secret_note")
    assert share.slot_id is not None
    read = await bob.read_share(share.id)
    assert read.values == {"secret_note": "under the mat"}


async def test_terms_hide_the_values_until_accepted(alice: Strongroom, bob: Strongroom) -> None:
    mine, _ = await connect(alice, bob)
    card_id = await vehicle(alice)
    share = await alice.share(card_id, mine.id, terms="Do not forward.")
    pending = await bob.get_share(share.id)
    assert pending.awaiting_acceptance
    assert pending.terms == "Do not forward."
    with pytest.raises(AcceptanceRequired) as caught:
        await bob.read_share(share.id)
    assert caught.value.terms == "Do not forward."
    accepted = await bob.accept_share(share.id)
    assert accepted.acceptance == "accepted"
    assert (await bob.read_share(share.id)).values["secret_note"] == "under the mat"


async def test_an_expired_share_is_never_served(
    alice: Strongroom, bob: Strongroom, clock: FrozenClock
) -> None:
    mine, _ = await connect(alice, bob)
    card_id = await vehicle(alice)
    share = await alice.share(card_id, mine.id, expires_at=clock.now() + timedelta(hours=1))
    assert (await bob.read_share(share.id)).values["vin"] == "V1"
    clock.advance(2 * 3600)
    with pytest.raises(ShareUnavailable):
        await bob.read_share(share.id)


async def test_update_share_changes_expiry(alice: Strongroom, bob: Strongroom, clock: FrozenClock) -> None:
    mine, _ = await connect(alice, bob)
    share = await alice.share(await vehicle(alice), mine.id)
    later = clock.now() + timedelta(days=1)
    updated = await alice.update_share(share.id, expires_at=later)
    assert updated.expires_at == later
    cleared = await alice.update_share(share.id, expires_at=None)
    assert cleared.expires_at is None
    with pytest.raises((Forbidden, NotFound)):
        await bob.update_share(share.id, expires_at=later)


async def test_owner_edit_reaches_the_recipients_through_client_tasks(
    alice: Strongroom, bob: Strongroom, carol: Strongroom
) -> None:
    to_bob, _ = await connect(alice, bob)
    to_carol, _ = await connect(alice, carol)
    card_id = await vehicle(alice)
    whole = await alice.share(card_id, to_bob.id)
    slot = await alice.share(card_id, to_carol.id, slot="secret_note")
    assert (await bob.read_share(whole.id)).values["secret_note"] == "under the mat"

    await alice.update_card(card_id, slots={"secret_note": "in the glovebox", "vin": "V2"})
    tasks = await alice.client_tasks(state="todo")
    assert [(t.work_type, t.target_id) for t in tasks] == [("update_shares", card_id)]
    # Until the task runs the recipients still see the old values.
    assert (await bob.read_share(whole.id)).values["secret_note"] == "under the mat"

    runs = await alice.run_client_tasks()
    assert [(r.state, r.updated_shares) for r in runs] == [("done", 2)]
    assert await alice.client_tasks(state="todo") == []
    assert (await bob.read_share(whole.id)).values == {"secret_note": "in the glovebox", "vin": "V2"}
    assert (await carol.read_share(slot.id)).values == {"secret_note": "in the glovebox"}


async def test_revocation_by_the_owner_removes_the_share_and_its_keys(
    alice: Strongroom, bob: Strongroom
) -> None:
    mine, _ = await connect(alice, bob)
    share = await alice.share(await vehicle(alice), mine.id)
    space = share.encryption_space_id or ""
    await bob.read_share(share.id)
    await alice.revoke_share(share.id)
    with pytest.raises(ShareUnavailable):
        await bob.read_share(share.id)
    assert await bob.shares() == []
    with pytest.raises(NotFound):
        await alice.keystore.encryption_space(space)
    with pytest.raises(NotFound):
        await bob.keystore.encryption_space(space)


async def test_revocation_by_the_recipient(alice: Strongroom, bob: Strongroom) -> None:
    mine, _ = await connect(alice, bob)
    share = await alice.share(await vehicle(alice), mine.id)
    await bob.read_share(share.id)
    await bob.revoke_share(share.id)
    assert await alice.shares(outgoing=True) == []
    with pytest.raises(NotFound):
        await bob.keystore.encryption_space(share.encryption_space_id or "")


async def test_on_sharing_and_its_limits(
    alice: Strongroom, bob: Strongroom, carol: Strongroom, clock: FrozenClock
) -> None:
    alice_bob, _ = await connect(alice, bob)
    bob_carol, _ = await connect(bob, carol)
    card_id = await vehicle(alice)
    closed = await alice.share(card_id, alice_bob.id)
    with pytest.raises(Forbidden):
        await bob.reshare(closed.id, bob_carol.id)
    await alice.revoke_share(closed.id)

    parent_end = clock.now() + timedelta(days=2)
    parent = await alice.share(card_id, alice_bob.id, distributable=True, expires_at=parent_end)
    with pytest.raises(ValidationFailed):
        await bob.reshare(parent.id, bob_carol.id, expires_at=parent_end + timedelta(days=1))
    onward = await bob.reshare(parent.id, bob_carol.id)
    assert not onward.distributable
    assert onward.expires_at == parent_end
    assert (await carol.read_share(onward.id)).values["secret_note"] == "under the mat"

    # The owner's edit reaches Bob, then Bob's own task carries it on to Carol.
    await alice.update_card(card_id, slots={"secret_note": "moved"})
    # (Revoking ``closed`` above also left each of them a task deleting its keys: done without work.)
    runs = await alice.run_client_tasks()
    assert [r.state for r in runs] == ["done"] * len(runs)
    assert [r.work_type for r in runs].count("update_shares") == 1
    assert (await bob.read_share(parent.id)).values["secret_note"] == "moved"
    runs = await bob.run_client_tasks()
    assert [r.updated_shares for r in runs if r.work_type == "update_shares"] == [1]
    assert (await carol.read_share(onward.id)).values["secret_note"] == "moved"

    # Revoking the parent takes the on-share with it.
    await alice.revoke_share(parent.id)
    with pytest.raises(ShareUnavailable):
        await carol.read_share(onward.id)


async def test_a_stranger_cannot_read_a_share(alice: Strongroom, bob: Strongroom, carol: Strongroom) -> None:
    mine, _ = await connect(alice, bob)
    share = await alice.share(await vehicle(alice), mine.id)
    with pytest.raises(ShareUnavailable):
        await carol.read_share(share.id)
    with pytest.raises(NotFound):
        await carol.keystore.encryption_space(share.encryption_space_id or "")
