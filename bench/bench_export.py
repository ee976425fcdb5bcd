"""Encrypted export and restore of a large vault: time and peak client memory, against baselines run in the
same session.

Run with ``make bench`` (or ``pytest bench/bench_export.py --benchmark-only -s``); ``BENCH_EXPORT_CARDS``
sets the vault's size (default 10,000 cards of three slots). The server is a real ``strongroom serve``
process on SQLite, so the client's peak memory (``tracemalloc``, Python allocations of this process) is the
client's alone. Printed, for the same cards:

- ``list``: every card fetched and decrypted into memory at once (``Strongroom.cards()``), the baseline of
  what an export must at least do; ``export``: the same cards streamed into an encrypted export file.
  The export's time should be close to the list's, its peak memory far below (bounded by a page, not the
  vault).
- ``create``: the cards created one by one through the SDK (the baseline of any restore); ``import``: the
  export file verified whole, then restored into a second account.

No timing assertions: medians and ratios are printed.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from tests.faults.keypool import KeySupply, load_keypairs, patched_keygen
from tests.faults.process import ServiceProcess, free_port, strongroom_env

from strongroom.client import Strongroom

T = TypeVar("T")
CARDS = int(os.environ.get("BENCH_EXPORT_CARDS", "10000"))
PARALLEL = 4  # SQLite serialises writes: more in parallel only queues (and busy-waits) longer
PASSPHRASE = "bench export passphrase"


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="strongroom-bench-export-") as folder:
        env = strongroom_env({"service_credential": "bench-export-credential", "log_json": True})
        server = ServiceProcess.serve(free_port(), Path(folder) / "data", env, Path(folder) / "serve.log")
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


async def _measured(action: Callable[[], Awaitable[T]]) -> tuple[T, float, int]:
    """``action``'s result, seconds, and peak traced bytes while it ran."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    began = time.perf_counter()
    try:
        result = await action()
        seconds = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, seconds, peak


async def _fill(client: Strongroom, count: int) -> None:
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            await client.create_card(
                "password",
                f"Account {i}",
                {
                    "username": f"user{i}@example.test",
                    "password": f"pw-{i}-{'x' * 24}",
                    "url": f"https://{i}.test",
                },
            )

    await asyncio.gather(*(worker() for _ in range(PARALLEL)))


def _mib(value: int) -> str:
    return f"{value / 2**20:.1f} MiB"


def test_export_and_import_of_a_large_vault(benchmark: BenchmarkFixture, server_url: str) -> None:
    async def scenario() -> dict[str, Any]:
        with patched_keygen(KeySupply(load_keypairs(2))):
            async with (
                Strongroom(server_url, timeout=120) as owner,
                Strongroom(server_url, timeout=120) as other,
            ):
                await owner.sign_up(PASSPHRASE)
                await other.sign_up(PASSPHRASE)
                _, create_s, _ = await _measured(lambda: _fill(owner, CARDS))
                cards, list_s, list_peak = await _measured(owner.cards)
                assert len(cards) == CARDS
                del cards
                with tempfile.TemporaryFile() as out:
                    counts, export_s, export_peak = await _measured(
                        lambda: owner.export(out, "export passphrase")
                    )
                    size = out.tell()
                    out.seek(0)
                    summary, import_s, import_peak = await _measured(
                        lambda: other.import_export(out, "export passphrase")
                    )
                assert counts["cards"] == CARDS
                assert summary.cards == CARDS
                return {
                    "cards": CARDS,
                    "file_bytes": size,
                    "create_s": create_s,
                    "list_s": list_s,
                    "list_peak": list_peak,
                    "export_s": export_s,
                    "export_peak": export_peak,
                    "import_s": import_s,
                    "import_peak": import_peak,
                }

    result: dict[str, Any] = benchmark.pedantic(  # type: ignore[no-untyped-call]
        lambda: asyncio.run(scenario()), rounds=1, iterations=1
    )
    benchmark.extra_info.update(result)
    export_ratio = result["export_s"] / result["list_s"], result["export_peak"] / result["list_peak"]
    import_ratio = result["import_s"] / result["create_s"]
    print(
        f"\n{result['cards']} cards, export file {result['file_bytes'] / 2**20:.1f} MiB\n"
        f"  list (baseline)   {result['list_s']:7.1f} s   peak {_mib(result['list_peak'])}\n"
        f"  export            {result['export_s']:7.1f} s   peak {_mib(result['export_peak'])}"
        f"   time x{export_ratio[0]:.2f}, memory x{export_ratio[1]:.2f}\n"
        f"  create (baseline) {result['create_s']:7.1f} s   ({PARALLEL} in parallel)\n"
        f"  import            {result['import_s']:7.1f} s   peak {_mib(result['import_peak'])}"
        f"   time x{import_ratio:.2f} (4 at a time, after a full verification pass)"
    )
