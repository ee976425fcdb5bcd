"""Crashes during the account lifecycle: a real ``strongroom serve`` SIGKILLed while a passphrase changes
and while the KEK rotates.

README "Account lifecycle": each is one Keystore transaction, so after a crash at any moment exactly one
of the two passphrases opens the account (never neither), and every card, share and connection opens
under whichever KEK the Keystore holds. Kill moments are drawn across the length of an uncut run of the
same operation, measured first, so they land before, during and after its request.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from strongroom import crypto
from strongroom.client import Strongroom, StrongroomError, WrongPassphrase
from strongroom.kit.migrate import Service
from tests.faults.keypool import KeySupply
from tests.faults.process import ServiceProcess, free_port, strongroom_env

pytestmark = pytest.mark.e2e

KILLS = 3


@asynccontextmanager
async def _server(database_urls: dict[Service, str], tmp_path: Path) -> AsyncIterator[ServiceProcess]:
    env = strongroom_env(
        {
            "keystore_database_url": database_urls["keystore"],
            "vault_database_url": database_urls["vault"],
            "service_credential": "lifecycle-crash-service-credential",
            "log_json": True,
        }
    )
    server = ServiceProcess.serve(free_port(), tmp_path / "data", env, tmp_path / "serve.log")
    await asyncio.to_thread(server.start)
    try:
        yield server
    except BaseException:
        print(server.log_tail())
        raise
    finally:
        await asyncio.to_thread(server.stop)


async def _timed(action: Callable[[], Awaitable[object]]) -> float:
    began = time.monotonic()
    await action()
    return time.monotonic() - began


async def _cut(server: ServiceProcess, action: Awaitable[object], after: float) -> None:
    """Run ``action`` and SIGKILL the server ``after`` seconds in; then start it again."""
    task = asyncio.ensure_future(action)
    await asyncio.sleep(after)
    server.kill()
    # The request in flight fails with the server: the outcome is read back afterwards.
    with contextlib.suppress(StrongroomError):
        await asyncio.wait_for(task, timeout=60)
    await asyncio.to_thread(server.start)


async def _opens(url: str, secret_key: str, passphrase: str) -> bool:
    async with Strongroom(url) as client:
        try:
            await client.log_in(secret_key, passphrase)
        except WrongPassphrase:
            return False
        return True


async def test_a_crash_during_a_passphrase_change_leaves_exactly_one_passphrase_working(
    database_urls: dict[Service, str], tmp_path: Path, key_supply: KeySupply, rng: random.Random
) -> None:
    async with _server(database_urls, tmp_path) as server:
        async with Strongroom(server.url) as alice:
            credentials = await alice.sign_up("passphrase 0")
            card = await alice.create_card("note", "Diary", {"note": "dear diary"})
        current = "passphrase 0"

        async def change(old: str, new: str) -> None:
            async with Strongroom(server.url) as client:
                await client.log_in(credentials.secret_key, old)
                await client.change_passphrase(old, new)

        span = await _timed(lambda: change(current, "passphrase 1"))
        current = "passphrase 1"
        for round_number in range(2, KILLS + 2):
            new = f"passphrase {round_number}"
            await _cut(server, change(current, new), rng.uniform(0, span))
            works = [p for p in (current, new) if await _opens(server.url, credentials.secret_key, p)]
            assert len(works) == 1, f"round {round_number}: {works or 'neither'} opens the account"
            current = works[0]
        async with Strongroom(server.url) as later:
            await later.log_in(credentials.secret_key, current)
            assert (await later.card(card.id)).values["note"] == "dear diary"


async def _connect(inviter: Strongroom, invitee: Strongroom) -> str:
    invitation = await inviter.invite(nickname="friend")
    assert invitation.token is not None
    theirs = await invitee.accept_invitation(
        invitation.token, nickname="inviter", invitation_id=invitation.id
    )
    return theirs.id


async def test_a_crash_during_a_kek_rotation_leaves_every_card_share_and_connection_opening(
    database_urls: dict[Service, str], tmp_path: Path, key_supply: KeySupply, rng: random.Random
) -> None:
    passphrase, bobs_passphrase = "alice's rotation passphrase", "bob's rotation passphrase"
    async with _server(database_urls, tmp_path) as server:
        async with Strongroom(server.url) as alice, Strongroom(server.url) as bob:
            alice_creds = await alice.sign_up(passphrase)
            bob_creds = await bob.sign_up(bobs_passphrase)
            bobs_connection = await _connect(alice, bob)
            alices_connection = next(c.id for c in await alice.connections())
            cards = [await alice.create_card("note", f"Card {i}", {"note": f"value {i}"}) for i in range(3)]
            given = [await alice.share(c.id, alices_connection) for c in cards[:2]]
            received = await bob.share(
                (await bob.create_card("note", "Bob's", {"note": "from bob"})).id, bobs_connection
            )
            await alice.read_share(received.id)  # alice now holds her own copy of that space's key
            for share in given:
                await bob.read_share(share.id)

        async def rotate() -> None:
            async with Strongroom(server.url) as client:
                await client.log_in(alice_creds.secret_key, passphrase)
                await client.rotate_keys(passphrase)

        span = await _timed(rotate)
        for _ in range(KILLS):
            await _cut(server, rotate(), rng.uniform(0, span))
            async with Strongroom(server.url) as later:
                await later.log_in(alice_creds.secret_key, passphrase)
                kek = later._ring().kek
                for dek in await later.keystore.data_encryption_keys():
                    crypto.unwrap_key(kek, dek.serialized_data_encryption_key)
                for pair in await later.keystore.keypairs():
                    crypto.unwrap_private_key(kek, pair.encrypted_serialized_key)
                for copy in await later.keystore.encryption_spaces():
                    crypto.unwrap_key(kek, copy.serialized_data_encryption_key)
                for i, card in enumerate(cards):
                    assert (await later.card(card.id)).values["note"] == f"value {i}"
                assert (await later.read_share(received.id)).values["note"] == "from bob"
                assert [c.id for c in await later.connections()] == [alices_connection]
            async with Strongroom(server.url) as bobs:
                await bobs.log_in(bob_creds.secret_key, bobs_passphrase)
                for i, share in enumerate(given):
                    assert (await bobs.read_share(share.id)).values["note"] == f"value {i}"
        # The connection still carries a new share after all that.
        async with Strongroom(server.url) as later:
            await later.log_in(alice_creds.secret_key, passphrase)
            extra = await later.share(cards[2].id, alices_connection)
        async with Strongroom(server.url) as bobs:
            await bobs.log_in(bob_creds.secret_key, bobs_passphrase)
            assert (await bobs.read_share(extra.id)).values["note"] == "value 2"
