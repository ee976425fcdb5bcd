"""Crash consistency: a real ``strongroom serve`` SIGKILLed again and again while a client shares.

security.md, "Faults and load": every state change is one transaction, so a crash at any point leaves the
old state or the new, never half of it; every share the client was told succeeded is readable and decrypts
after a restart.

The server runs as its own process on the test's databases (SQLite files, or a fresh PostgreSQL pair).
Alice shares cards with Bob and with contacts who sign up and accept her invitations during the run; she
updates cards (the client task then carries the new values to the shares over ``PUT /shares``) and
revokes shares. At a random moment of each round the server is SIGKILLed; the databases are checked for
half-written state while it is down (:mod:`tests.faults.invariants`); it is restarted on the same port;
then every party logs in afresh and every card and share is read back and compared with the ledger of
what the client was told (:mod:`tests.faults.share_work`). A last round without kills shows the service
still works normally afterwards.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from strongroom.kit.migrate import Service
from tests.faults.invariants import check_all
from tests.faults.keypool import KeySupply
from tests.faults.process import ServiceProcess, free_port, strongroom_env
from tests.faults.share_work import ShareWork

pytestmark = pytest.mark.e2e

KILLS = 3
# Seconds of client work before each kill, drawn uniformly.
WORK_BEFORE_KILL = (0.3, 2.5)


async def _consistent(urls: dict[Service, str], when: str) -> None:
    problems = await check_all(urls["keystore"], urls["vault"])
    assert not problems, f"half-written state {when}:\n" + "\n".join(problems)


async def test_sigkill_loses_no_acknowledged_change_and_leaves_nothing_half_written(
    database_urls: dict[Service, str], tmp_path: Path, key_supply: KeySupply, rng: random.Random
) -> None:
    env = strongroom_env(
        {
            "keystore_database_url": database_urls["keystore"],
            "vault_database_url": database_urls["vault"],
            "service_credential": "crash-test-service-credential",
            "log_json": True,
            # A task left in progress by a killed client run goes back to the queue soon.
            "client_task_stuck_after": 10,
        }
    )
    server = ServiceProcess.serve(free_port(), tmp_path / "data", env, tmp_path / "serve.log")
    await asyncio.to_thread(server.start)
    work = ShareWork(server.url, rng, key_supply)
    try:
        await work.setup()
        for round_number in range(1, KILLS + 1):
            worker = asyncio.create_task(work.run_until_cut_off())
            await asyncio.sleep(rng.uniform(*WORK_BEFORE_KILL))
            if worker.done():
                await worker  # an assertion of the ledger failed: let it speak
                pytest.fail(f"the client was cut off before kill #{round_number}, with the server up")
            server.kill()
            # The client's request in flight fails with a transport error and the round ends there.
            await asyncio.wait_for(worker, timeout=60)
            await _consistent(database_urls, f"after kill #{round_number}")
            await asyncio.to_thread(server.start)
            await work.verify()
            await _consistent(database_urls, f"after restart #{round_number}")
        # Quiet round: the service works normally after all those crashes.
        for _ in range(12):
            await work.step()
        await work.verify()
        await _consistent(database_urls, "at the end")
    except BaseException:
        print(server.log_tail())
        raise
    finally:
        await work.aclose()
        server.stop()
    print(f"kills={server.kills} start seconds={server.start_seconds} {dict(work.stats)}")
    assert server.kills == KILLS
    assert work.stats["operations cut off"] == KILLS
    assert work.stats["shares"] > 0
    assert work.stats["verifications"] == KILLS + 1
