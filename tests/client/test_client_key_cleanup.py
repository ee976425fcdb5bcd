"""Key material left behind: however a share ends, both users' KEK-wrapped copies of its DEK and the
recipient's RSA-wrapped copy leave the Keystore once the users' clients run their tasks; a deleted
connection also takes both connection keypairs. (An explicit revoke through the SDK deletes at once.)"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.client import Connection, Share, Strongroom
from strongroom.keystore.models import EncryptionSpace, EncryptionSpaceKey, Keypair, SharedKey
from strongroom.kit.clock import FrozenClock
from strongroom.kit.db import create_engine, session_factory
from strongroom.kit.settings import Settings
from strongroom.vault.sweeper import sweep_once
from strongroom.vault.tasks import repository as tasks
from tests.client.conftest import PASSPHRASES, ClientFactory
from tests.client.test_client_connections import connect


@dataclass
class Trio:
    alice: Strongroom
    bob: Strongroom
    carol: Strongroom
    alice_bob: Connection
    bob_alice: Connection
    bob_carol: Connection
    keystore: AsyncEngine
    settings: Settings
    clock: FrozenClock

    async def copies(self, space_id: str) -> int:
        """Rows of the space in the Keystore: the space, every member's copy, every pending shared key."""
        space = uuid.UUID(space_id)
        async with session_factory(self.keystore)() as session:
            total = 0
            for model, column in (
                (EncryptionSpace, EncryptionSpace.id),
                (EncryptionSpaceKey, EncryptionSpaceKey.encryption_space_id),
                (SharedKey, SharedKey.encryption_space_id),
            ):
                stmt = select(func.count()).select_from(model).where(column == space)
                total += int((await session.execute(stmt)).scalar_one())
            return total

    async def keypairs(self, *ids: str | None) -> int:
        wanted = [uuid.UUID(i) for i in ids if i]
        async with session_factory(self.keystore)() as session:
            stmt = select(func.count()).select_from(Keypair).where(Keypair.id.in_(wanted))
            return int((await session.execute(stmt)).scalar_one())

    async def run_tasks(self, *clients: Strongroom) -> None:
        for client in clients:
            runs = await client.run_client_tasks()
            assert all(r.state == "done" for r in runs), runs

    async def card(self) -> str:
        card = await self.alice.create_card("note", "Secret", {"note": "the value"})
        return card.id

    async def read_share(self, share: Share, reader: Strongroom) -> None:
        """The recipient claims the key (the Keystore then holds both KEK-wrapped copies)."""
        assert (await reader.read_share(share.id)).values


@pytest.fixture
async def trio(make_client: ClientFactory, settings: Settings, clock: FrozenClock) -> AsyncIterator[Trio]:
    engine = create_engine(settings.keystore_database_url, pool_size=1)
    async with make_client() as alice, make_client() as bob, make_client() as carol:
        for name, client in (("alice", alice), ("bob", bob), ("carol", carol)):
            await client.sign_up(PASSPHRASES[name])
        alice_bob, bob_alice = await connect(alice, bob)
        bob_carol, _ = await connect(bob, carol)
        yield Trio(alice, bob, carol, alice_bob, bob_alice, bob_carol, engine, settings, clock)
    await engine.dispose()


async def shared(trio: Trio, **options: object) -> Share:
    share = await trio.alice.share(await trio.card(), trio.alice_bob.id, **options)  # type: ignore[arg-type]
    await trio.read_share(share, trio.bob)
    assert share.encryption_space_id is not None
    assert await trio.copies(share.encryption_space_id) == 4  # space, two member copies, the shared key
    return share


async def gone_after_tasks(trio: Trio, share: Share, *clients: Strongroom) -> None:
    assert share.encryption_space_id is not None
    await trio.run_tasks(*(clients or (trio.alice, trio.bob)))
    assert await trio.copies(share.encryption_space_id) == 0


async def test_expiry_and_the_sweeper(trio: Trio) -> None:
    share = await shared(trio, expires_at=trio.clock.now() + timedelta(hours=1))
    trio.clock.advance(3601)
    engine = create_engine(trio.settings.vault_database_url, pool_size=1)
    try:
        result = await sweep_once(session_factory(engine), trio.clock, trio.settings.client_task_stuck_after)
    finally:
        await engine.dispose()
    assert result.shares_deleted == 1
    await gone_after_tasks(trio, share)


async def test_deleting_the_card(trio: Trio) -> None:
    share = await shared(trio)
    await trio.alice.delete_card(share.card_id)
    await gone_after_tasks(trio, share)


async def test_deleting_the_shared_slot(trio: Trio) -> None:
    share = await shared(trio, slot="note")
    card = await trio.alice.card(share.card_id)
    await trio.alice.remove_slot(card.slot("note").id)
    await gone_after_tasks(trio, share)


async def test_the_recipient_revoking(trio: Trio) -> None:
    share = await shared(trio)
    await trio.bob.revoke_share(share.id)  # bob's client drops only bob's copy; alice's goes by her task
    assert share.encryption_space_id is not None
    assert await trio.copies(share.encryption_space_id) > 0
    await gone_after_tasks(trio, share, trio.alice)


async def test_deleting_the_connection_takes_the_keypairs_too(trio: Trio) -> None:
    share = await shared(trio)
    await trio.bob.delete_connection(trio.bob_alice.id)
    await gone_after_tasks(trio, share)
    assert await trio.keypairs(trio.alice_bob.keypair_id, trio.bob_alice.keypair_id) == 0
    # Bob's other connection keeps its key, and his login key stays.
    assert await trio.keypairs(trio.bob_carol.keypair_id) == 1
    await trio.bob.me()
    assert [c.id for c in await trio.bob.connections()] == [trio.bob_carol.id]


async def with_onshare(trio: Trio) -> tuple[Share, Share]:
    parent = await shared(trio, distributable=True)
    onshare = await trio.bob.reshare(parent.id, trio.bob_carol.id)
    await trio.read_share(onshare, trio.carol)
    assert onshare.encryption_space_id is not None
    assert await trio.copies(onshare.encryption_space_id) == 4
    return parent, onshare


async def test_the_parent_share_revoked(trio: Trio) -> None:
    parent, onshare = await with_onshare(trio)
    await trio.alice.revoke_share(parent.id)
    await gone_after_tasks(trio, onshare, trio.bob, trio.carol)


async def test_distribution_turned_off(trio: Trio) -> None:
    parent, onshare = await with_onshare(trio)
    await trio.alice.update_share(parent.id, distributable=False)
    await gone_after_tasks(trio, onshare, trio.bob, trio.carol)
    assert parent.encryption_space_id is not None
    assert await trio.copies(parent.encryption_space_id) == 4  # the parent share lives on


async def test_the_other_account_deleted(trio: Trio) -> None:
    share = await shared(trio)
    await trio.bob.delete_account(PASSPHRASES["bob"])
    await trio.run_tasks(trio.alice)
    assert share.encryption_space_id is not None
    assert await trio.copies(share.encryption_space_id) == 0  # alice deleted the whole space
    assert await trio.keypairs(trio.alice_bob.keypair_id) == 0


async def test_a_task_never_deletes_what_is_still_in_use(trio: Trio) -> None:
    """The Vault is not trusted with key deletion either: a task naming a live share's space, a live
    connection's keypair or the login keypair changes nothing."""
    share = await shared(trio)
    assert share.encryption_space_id is not None
    login = await trio.alice.keystore.keypair_by_external_id("auth")
    engine = create_engine(trio.settings.vault_database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session, session.begin():
            user = uuid.UUID(trio.alice.credentials.vault_user_id)
            now = trio.clock.now()
            await tasks.queue(
                session, user, tasks.DELETE_ENCRYPTION_SPACE, uuid.UUID(share.encryption_space_id), now
            )
            for keypair_id in (login.id, trio.alice_bob.keypair_id):
                assert keypair_id is not None
                await tasks.queue(session, user, tasks.DELETE_KEYPAIR, uuid.UUID(keypair_id), now)
    finally:
        await engine.dispose()
    runs = await trio.alice.run_client_tasks()
    assert [(r.state, r.error) for r in runs] == [("done", None)] * 3
    assert await trio.copies(share.encryption_space_id) == 4
    assert await trio.keypairs(login.id, trio.alice_bob.keypair_id) == 2
    assert (await trio.bob.read_share(share.id)).values
