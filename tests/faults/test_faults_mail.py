"""Mail outage and a mail worker killed mid-delivery: no invitation mail is lost, none is doubled.

security.md, "Faults and load": mail server down when invitations are made → the mails are delivered after
it comes back, none lost, none doubled. vault-api.md, "Mail": the outbox row is written in the
invitation's transaction; a worker leases it, sends, then marks it sent.

Real processes: ``strongroom serve`` (its own worker off) and ``strongroom worker`` on the same databases;
the SMTP server is aiosmtpd on a port where, at first, nothing listens. Three phases:

1. Outage: invitations made while nothing listens stay pending, their attempts fail and are retried; once
   the SMTP server starts, each is delivered exactly once.
2. The worker is SIGKILLed while the SMTP server stalls at RCPT (no content has arrived): a new worker
   sends it after the lease ran out — exactly one copy arrives.
3. The worker is SIGKILLed after the SMTP server received the content but before it answered (a crash
   between send and mark, as seen from the outbox). The design is at-least-once delivery with a stable
   Message-ID (``<outbox-<row id>@...>``, the same on every attempt): the new worker sends it again, and
   the receiver sees the same Message-ID twice, which mail systems deduplicate. Asserted: one distinct
   Message-ID per invitation, at most two copies of that one mail, exactly one of every other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from strongroom.client import Invitation, Strongroom
from strongroom.kit.db import create_engine
from strongroom.kit.migrate import Service
from tests.faults.invariants import rows
from tests.faults.keypool import KeySupply
from tests.faults.process import ServiceProcess, free_port, strongroom_env
from tests.faults.smtp import Receiver

pytestmark = pytest.mark.e2e

LEASE = 4  # seconds a killed worker's mail stays leased before another worker may retry it
WAIT = 90.0  # the longest any condition below may take to come true


async def _outbox(vault_url: str) -> dict[str, dict[str, Any]]:
    """Outbox rows by invitation id."""
    engine = create_engine(vault_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            found = await rows(
                conn,
                "SELECT invitation_id, state, attempts, last_error, message_id, body FROM outbox_mails",
            )
            await conn.rollback()
    finally:
        await engine.dispose()
    keys = ("state", "attempts", "last_error", "message_id", "body")
    return {str(r[0]).replace("-", ""): dict(zip(keys, r[1:], strict=True)) for r in found}


def _key(invitation_id: str) -> str:
    return invitation_id.replace("-", "")


async def _eventually(what: str, check: Callable[[], Awaitable[bool]]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not await check():
        assert loop.time() < deadline, f"not within {WAIT}s: {what}"
        await asyncio.sleep(0.1)


async def test_invitation_mail_survives_an_smtp_outage_and_worker_kills_exactly_once_by_message_id(
    database_urls: dict[Service, str], tmp_path: Path, key_supply: KeySupply
) -> None:
    smtp_port = free_port()
    data = tmp_path / "data"
    env = strongroom_env(
        {
            "keystore_database_url": database_urls["keystore"],
            "vault_database_url": database_urls["vault"],
            "service_credential": "mail-test-service-credential",
            "run_mail_worker": False,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_timeout": 2,
            "mail_poll_interval": 0.2,
            "mail_backoff_base": 0.2,
            "mail_backoff_max": 1.0,
            "mail_max_attempts": 1000,
            "mail_lease": LEASE,
        }
    )
    server = ServiceProcess.serve(free_port(), data, env, tmp_path / "serve.log")
    # The server runs the migrations; the worker starts beside it and waits for the tables.
    worker_env = {**env, "STRONGROOM_MIGRATE_ON_START": "false"}
    worker = ServiceProcess(
        ["worker", "--data-dir", str(data)], worker_env, tmp_path / "worker.log", ready_line="Mail worker:"
    )
    receiver = Receiver(smtp_port)
    vault_url = database_urls["vault"]
    invitations: list[Invitation] = []

    async def outbox() -> dict[str, dict[str, Any]]:
        return await _outbox(vault_url)

    async def invite(label: str) -> Invitation:
        made = await alice.invite(nickname=label, email=f"{label}@example.test")
        invitations.append(made)
        return made

    async def sent(*made: Invitation) -> bool:
        box = await outbox()
        return all(box[_key(i.id)]["state"] == "sent" for i in made)

    try:
        await asyncio.gather(asyncio.to_thread(server.start), asyncio.to_thread(worker.start))
        async with Strongroom(server.url, timeout=30) as alice:
            await alice.sign_up("mail test passphrase", full_name="Alice")

            # 1. Outage: nothing listens on the SMTP port.
            outage = [await invite(f"outage{n}") for n in range(3)]

            async def retried() -> bool:
                box = await outbox()
                return all(box[_key(i.id)]["attempts"] >= 2 and box[_key(i.id)]["last_error"] for i in outage)

            await _eventually("every mail tried and failed twice during the outage", retried)
            box = await outbox()
            assert all(box[_key(i.id)]["state"] == "pending" for i in outage), box
            receiver.start()
            await _eventually("the outage mails delivered", lambda: sent(*outage))

            # 2. Killed while the SMTP server stalls before any content arrived.
            receiver.stall_at = "RCPT"
            early = await invite("killed-before-content")
            await asyncio.to_thread(receiver.stalled.wait, WAIT)
            assert receiver.stalled.is_set(), "the worker never reached RCPT"
            worker.kill()
            receiver.stalled.clear()
            receiver.release()
            assert (await outbox())[_key(early.id)]["state"] == "pending"
            await asyncio.to_thread(worker.start)
            await _eventually("the mail of the killed delivery sent by the new worker", lambda: sent(early))

            # 3. Killed after the content arrived, before the SMTP server answered.
            receiver.stall_at = "DATA"
            late = await invite("killed-after-content")
            await asyncio.to_thread(receiver.stalled.wait, WAIT)
            assert receiver.stalled.is_set(), "the worker never reached DATA"
            worker.kill()
            receiver.stalled.clear()
            receiver.release()
            assert (await outbox())[_key(late.id)]["state"] == "pending"
            await asyncio.to_thread(worker.start)
            await _eventually("the mail of the second killed delivery sent", lambda: sent(late))
    except BaseException:
        print(server.log_tail(), worker.log_tail(), sep="\n")
        raise
    finally:
        worker.stop()
        server.stop()
        receiver.stop()

    # Every mail is marked sent, its token-bearing body gone, so no worker will ever send it again:
    # what the receiver holds now is final.
    box = await outbox()
    assert {k: (v["state"], v["body"]) for k, v in box.items()} == {
        _key(i.id): ("sent", None) for i in invitations
    }
    copies = receiver.copies_by_message_id()
    for made in invitations:
        mails = [m for m in receiver.messages if m.invitation_id and _key(m.invitation_id) == _key(made.id)]
        ids = {m.message_id for m in mails}
        assert ids == {box[_key(made.id)]["message_id"]}, f"invitation {made.id}: Message-IDs {ids}"
        assert made.token is not None
        assert all(made.token in m.body for m in mails)
        assert all(m.recipients == (f"{made.nickname}@example.test",) for m in mails)
        allowed = 2 if made is late else 1
        assert 1 <= copies[ids.pop()] <= allowed, f"invitation {made.id}: {len(mails)} copies"
    assert len(copies) == len(invitations)
    print(f"copies: {sorted(copies.values())}; starts (s): {server.start_seconds} {worker.start_seconds}")
