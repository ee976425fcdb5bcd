"""The Vault's share endpoints beside a bare FastAPI endpoint doing the same database work, and the cost of
the first page of ``GET /shares`` with 100 and with 100,000 shares stored.

Run with ``pytest bench/bench_vault.py --benchmark-only``, or ``python -m bench.bench_vault [rounds]`` for a
short table with the ratios (there the calls take turns, so that background load hits them alike).
Everything runs on the embedded default (SQLite, in a temporary folder), in process (httpx's ASGI
transport: no sockets), one request at a time; the ``ops`` column is requests per second.

- ``api``: the real endpoint (authentication, validation, rules, response models).
- ``bare``: a FastAPI endpoint on the same engine issuing the same statements with SQLAlchemy Core
  (session lookup, the reads, the insert, the sideload reads) and returning plain JSON: the floor.
- ``scale``: ``GET /shares?per_page=50`` with 100 and with 100,000 shares stored (bulk SQL inserts, half of
  them the caller's). Keyset pages read the (user, id) indexes, so the two should cost about the same.

No timing is asserted anywhere; the figures are for reading.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from bench.vault_harness import PER_PAGE, Harness, first_page, get_share, harness, post_share

T = TypeVar("T")


# ------------------------------------------------------------------------------------------ pytest side


@dataclass
class Running:
    """A harness on its own event loop, driven from pytest-benchmark's synchronous rounds."""

    loop: asyncio.AbstractEventLoop
    h: Harness

    def run(self, call: Callable[[], Awaitable[T]]) -> T:
        return self.loop.run_until_complete(call())


def _running(stored: int) -> Iterator[Running]:
    loop = asyncio.new_event_loop()
    folder = tempfile.TemporaryDirectory(prefix="bench-vault-")
    context = harness(Path(folder.name), stored=stored)
    h = loop.run_until_complete(context.__aenter__())
    try:
        h.shares.append(loop.run_until_complete(post_share(h.api, h)))
        yield Running(loop, h)
    finally:
        loop.run_until_complete(context.__aexit__(None, None, None))
        loop.close()
        folder.cleanup()


@pytest.fixture(scope="module")
def plain() -> Iterator[Running]:
    yield from _running(0)


@pytest.fixture(scope="module", params=[100, 100_000], ids=["100-stored", "100000-stored"])
def stored(request: pytest.FixtureRequest) -> Iterator[Running]:
    yield from _running(request.param)


def _bench(benchmark: Any, target: Callable[[], object], rounds: int) -> None:
    benchmark.pedantic(target, rounds=rounds, iterations=1, warmup_rounds=min(20, rounds // 10))


def _client(running: Running, side: str) -> httpx.AsyncClient:
    return running.h.api if side == "api" else running.h.bare


@pytest.mark.parametrize("side", ["api", "bare"])
def test_post_shares(benchmark: Any, plain: Running, side: str) -> None:
    benchmark.group = "POST /shares"
    client = _client(plain, side)
    _bench(benchmark, lambda: plain.run(lambda: post_share(client, plain.h)), 300)


@pytest.mark.parametrize("side", ["api", "bare"])
def test_get_share(benchmark: Any, plain: Running, side: str) -> None:
    benchmark.group = "GET /shares/{id}"
    client = _client(plain, side)
    _bench(benchmark, lambda: plain.run(lambda: get_share(client, plain.h, plain.h.shares[0])), 500)


@pytest.mark.parametrize("side", ["api", "bare"])
def test_list_first_page(benchmark: Any, plain: Running, side: str) -> None:
    benchmark.group = "GET /shares (first page)"
    client = _client(plain, side)
    _bench(benchmark, lambda: plain.run(lambda: first_page(client, plain.h)), 300)


def test_list_first_page_by_shares_stored(benchmark: Any, stored: Running) -> None:
    benchmark.group = "GET /shares (first page) with 100 / 100,000 shares stored"
    assert stored.run(lambda: first_page(stored.h.api, stored.h)) == PER_PAGE
    _bench(benchmark, lambda: stored.run(lambda: first_page(stored.h.api, stored.h)), 300)


# ------------------------------------------------------------------------------------------- script side


async def _medians(calls: dict[str, Callable[[], Awaitable[object]]], rounds: int) -> dict[str, float]:
    """Median seconds of each call, the calls taking turns round by round (so that a machine busy with
    something else slows them alike)."""
    for _ in range(min(20, rounds // 10)):
        for call in calls.values():
            await call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            await call()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def _calls(
    h: Harness, client: httpx.AsyncClient, share_id: str, side: str
) -> dict[str, Callable[[], Awaitable[object]]]:
    async def post() -> None:
        await post_share(client, h)

    async def get() -> None:
        await get_share(client, h, share_id)

    async def page() -> None:
        await first_page(client, h)

    return {
        f"POST /shares [{side}]": post,
        f"GET /shares/{{id}} [{side}]": get,
        f"GET /shares first page [{side}]": page,
    }


async def main(rounds: int = 300) -> None:
    """Print medians, requests per second and the ratios."""
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-vault-") as folder:
        async with harness(Path(folder)) as h:
            first = await post_share(h.api, h)
            api, bare = _calls(h, h.api, first, "api"), _calls(h, h.bare, first, "bare")
            for (api_name, api_call), (bare_name, bare_call) in zip(api.items(), bare.items(), strict=True):
                results.update(await _medians({api_name: api_call, bare_name: bare_call}, rounds))
    with (
        tempfile.TemporaryDirectory(prefix="bench-vault-") as small,
        tempfile.TemporaryDirectory(prefix="bench-vault-") as large,
    ):
        async with harness(Path(small), stored=100) as h100, harness(Path(large), stored=100_000) as h100k:
            assert await first_page(h100.api, h100) == PER_PAGE
            assert await first_page(h100k.api, h100k) == PER_PAGE

            async def page_100() -> None:
                await first_page(h100.api, h100)

            async def page_100k() -> None:
                await first_page(h100k.api, h100k)

            results.update(
                await _medians(
                    {
                        "GET /shares first page, 100 stored": page_100,
                        "GET /shares first page, 100000 stored": page_100k,
                    },
                    rounds,
                )
            )
    width = max(len(name) for name in results)
    print(f"{'endpoint':<{width}}  median ms   req/s")
    for name, seconds in results.items():
        print(f"{name:<{width}}  {seconds * 1000:9.3f}  {1 / seconds:7.0f}")
    for what in ("POST /shares", "GET /shares/{id}", "GET /shares first page"):
        ratio = results[f"{what} [api]"] / results[f"{what} [bare]"]
        print(f"{what}: api / bare = {ratio:.2f}")
    scale = results["GET /shares first page, 100000 stored"] / results["GET /shares first page, 100 stored"]
    print(f"GET /shares first page: 100,000 / 100 stored = {scale:.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
