"""Account lifecycle through the SDK: a new passphrase or secret key, KEK rotation (with a key added while
it runs), and deleting the account from both services with no row of it left."""

from __future__ import annotations

from typing import Any

import pytest

from strongroom import crypto
from strongroom.client import NotFound, ShareUnavailable, Strongroom, Unauthorized, WrongPassphrase
from strongroom.kit.settings import Settings
from tests.client.conftest import PASSPHRASES, ClientFactory
from tests.client.test_client_connections import connect
from tests.client.test_client_sharing import vehicle
from tests.security.dump import DatabaseReader, cell_bytes

NEW = "a brand new passphrase"


async def _logs_in(make_client: ClientFactory, secret_key: str, passphrase: str) -> bool:
    async with make_client() as client:
        try:
            await client.log_in(secret_key, passphrase)
        except WrongPassphrase:
            return False
        return True


async def test_change_passphrase_swaps_which_passphrase_opens_the_account(
    alice: Strongroom, make_client: ClientFactory
) -> None:
    card_id = await vehicle(alice)
    secret_key = alice.credentials.secret_key
    with pytest.raises(WrongPassphrase):
        await alice.change_passphrase("not the passphrase", NEW)
    assert await _logs_in(make_client, secret_key, PASSPHRASES["alice"])  # a refusal changed nothing

    async with make_client() as other_device:
        await other_device.log_in(secret_key, PASSPHRASES["alice"])
        await alice.change_passphrase(PASSPHRASES["alice"], NEW, end_other_sessions=True)
        with pytest.raises(Unauthorized):
            await other_device.keystore.key_encryption_key()
        with pytest.raises(Unauthorized):  # logged out of both services, not only the Keystore
            await other_device.vault.me()

    assert not await _logs_in(make_client, secret_key, PASSPHRASES["alice"])
    async with make_client() as later:
        await later.log_in(secret_key, NEW)
        assert (await later.card(card_id)).values["vin"] == "V1"
    # The session that changed it goes on.
    assert (await alice.card(card_id)).label == "My car"


async def test_rotate_secret_key(alice: Strongroom, make_client: ClientFactory) -> None:
    card_id = await vehicle(alice)
    old = alice.credentials.secret_key
    new = alice.new_secret_key()
    assert new != old
    assert crypto.parse_secret_key(new).username == alice.credentials.username
    await alice.rotate_secret_key(PASSPHRASES["alice"], new)
    assert alice.credentials.secret_key == new
    assert not await _logs_in(make_client, old, PASSPHRASES["alice"])
    async with make_client() as later:
        await later.log_in(new, PASSPHRASES["alice"])
        assert (await later.card(card_id)).values["vin"] == "V1"


async def test_rotate_keys_keeps_every_card_share_and_connection_and_a_key_added_meanwhile(
    alice: Strongroom, bob: Strongroom, make_client: ClientFactory
) -> None:
    mine, theirs = await connect(alice, bob)
    own_card = await vehicle(alice)
    given = await alice.share(own_card, mine.id)
    received = await bob.share(await vehicle(bob), theirs.id)
    assert (await alice.read_share(received.id)).values["vin"] == "V1"  # alice holds a space copy now
    assert (await bob.read_share(given.id)).values["vin"] == "V1"
    before = alice._ring().kek

    # Another device of alice's stores a DEK after the rotation has read the keys but before it swaps
    # them: the Keystore refuses the stale set, the SDK reads again, and the new DEK is re-wrapped too.
    added: list[str] = []
    reads = alice.keystore.encryption_spaces

    async def read_then_add() -> list[Any]:
        copies = await reads()
        if not added:
            async with make_client() as device:
                await device.log_in(alice.credentials.secret_key, PASSPHRASES["alice"])
                dek = crypto.generate_key()
                record = await device.keystore.create_data_encryption_key(
                    crypto.wrap_key(device._ring().kek, dek)
                )
                added.append(record.id)
        return copies

    alice.keystore.encryption_spaces = read_then_add  # type: ignore[method-assign]
    async with make_client() as stale:
        await stale.log_in(alice.credentials.secret_key, PASSPHRASES["alice"])
        count = await alice.rotate_keys(PASSPHRASES["alice"])
        # The rotation ended every other session: a device still holding the old KEK cannot store keys.
        with pytest.raises(Unauthorized):
            await stale.keystore.create_data_encryption_key(crypto.wrap_key(before, crypto.generate_key()))
    assert len(added) == 1
    assert alice._ring().kek != before

    async with make_client() as later:
        await later.log_in(alice.credentials.secret_key, PASSPHRASES["alice"])
        kek = later._ring().kek
        assert kek != before
        deks = await later.keystore.data_encryption_keys()
        pairs = await later.keystore.keypairs()
        copies = await later.keystore.encryption_spaces()
        assert count == len(deks) + len(pairs) + len(copies)
        assert added[0] in {d.id for d in deks}
        crypto.unwrap_key(
            kek, (await later.keystore.data_encryption_key(added[0])).serialized_data_encryption_key
        )
        for pair in await later.keystore.keypairs():
            crypto.unwrap_private_key(kek, pair.encrypted_serialized_key)
        assert (await later.card(own_card)).values["vin"] == "V1"
        assert (await later.read_share(received.id)).values["vin"] == "V1"
        await later.update_card(own_card, slots={"vin": "V2"})
        await later.run_client_tasks()
    async with make_client() as bobs:
        await bobs.resume(bob.credentials, PASSPHRASES["bob"])
        assert (await bobs.read_share(given.id)).values["vin"] == "V2"
        # The connection still carries new shares both ways.
        again = await bobs.share(await vehicle(bobs), theirs.id)
    async with make_client() as later:
        await later.log_in(alice.credentials.secret_key, PASSPHRASES["alice"])
        assert (await later.read_share(again.id)).values["vin"] == "V1"


async def test_a_wrong_passphrase_rotates_nothing(alice: Strongroom, make_client: ClientFactory) -> None:
    with pytest.raises(WrongPassphrase):
        await alice.rotate_keys("not the passphrase")
    assert await _logs_in(make_client, alice.credentials.secret_key, PASSPHRASES["alice"])


async def test_delete_account_leaves_no_row_of_the_user_in_either_database(
    alice: Strongroom, bob: Strongroom, carol: Strongroom, make_client: ClientFactory, settings: Settings
) -> None:
    mine, theirs = await connect(alice, bob)
    await connect(alice, carol)
    given = await alice.share(await vehicle(alice), mine.id)
    received = await bob.share(await vehicle(bob), theirs.id)
    await alice.read_share(received.id)
    await bob.read_share(given.id)
    await alice.invite(nickname="Someone", email="someone@example.test")
    me = await alice.me()
    ks_user = (await alice.keystore.key_encryption_key()).id  # any of her Keystore ids; user id below
    secret_key = alice.credentials.secret_key
    readers = {s: DatabaseReader(str(getattr(settings, f"{s}_database_url"))) for s in ("keystore", "vault")}
    try:
        before = {s: await r.dump() for s, r in readers.items()}
        ks_id = next(
            row[0]
            for row in before["keystore"].rows["users"]
            if cell_bytes(row[1]) == alice.credentials.username.encode()
        )
        marks = [str(ks_id).encode(), str(ks_id).replace("-", "").encode(), me.id.encode()]
        marks += [me.id.replace("-", "").encode(), alice.credentials.username.encode(), ks_user.encode()]
        assert any(m in cell for m in marks for _, _, cell in before["vault"].cells())

        with pytest.raises(WrongPassphrase):
            await alice.delete_account("not the passphrase")
        assert not (await readers["vault"].dump()).differences(before["vault"])
        assert not (await readers["keystore"].dump()).differences(before["keystore"])

        await alice.delete_account(PASSPHRASES["alice"])
        after = {s: await r.dump() for s, r in readers.items()}
    finally:
        for reader in readers.values():
            await reader.aclose()
    left = [
        (service, table, column)
        for service, dump in after.items()
        for table, column, cell in dump.cells()
        if any(m in cell for m in marks)
    ]
    assert left == []
    counts = {s: {t: len(r) for t, r in after[s].rows.items()} for s in after}
    assert counts["keystore"]["users"] == len(before["keystore"].rows["users"]) - 1
    assert counts["vault"]["users"] == len(before["vault"].rows["users"]) - 1
    assert not await _logs_in(make_client, secret_key, PASSPHRASES["alice"])
    # Bob's side: the share from alice is gone, his own card and account are fine.
    with pytest.raises(ShareUnavailable):
        await bob.read_share(given.id)
    assert (await bob.me()).id


async def test_share_events_show_the_owner_who_read_and_who_passed_it_on(
    alice: Strongroom, bob: Strongroom, carol: Strongroom
) -> None:
    mine, _ = await connect(alice, bob)
    _, bobs_to_carol = await connect(carol, bob)
    card_id = await vehicle(alice)
    share = await alice.share(card_id, mine.id, distributable=True)
    await bob.read_share(share.id)
    on_share = await bob.reshare(share.id, bobs_to_carol.id)
    await carol.read_share(on_share.id)
    activity = await alice.share_events(share.id)
    bob_id, carol_id = (await bob.me()).id, (await carol.me()).id
    # Bob read the values twice, to look and to re-encrypt them for Carol when passing the card on: within
    # share_read_event_window (60 s) of each other, so one event.
    assert [e.reader_id for e in activity.events] == [bob_id]
    assert [(o.id, o.sender_id, o.recipient_id) for o in activity.on_shares] == [
        (on_share.id, bob_id, carol_id)
    ]
    assert [e.reader_id for e in (await alice.share_events(on_share.id)).events] == [carol_id]
    with pytest.raises(NotFound):
        await bob.share_events(share.id)
