"""Strongroom Web in Chromium against a real ``strongroom serve``, beside the crypto the page cannot avoid.

Run with ``make bench`` (or ``pytest bench/bench_web.py --benchmark-only -s``). Group ``web``:

- ``sign_up``: from the click on "Create account" to the emergency kit on screen (steps 1–8 in the page:
  RSA-4096 generation, both PBKDF2 derivations, SRP, wraps, the Vault token), against ``signUpCrypto`` of
  web/test/bench.ts: exactly that crypto with the same overlap, in the same browser, interleaved by round.
- ``first_share_read``: from opening a share the recipient never read to its values on screen (the claim with
  its signature and RSA-OAEP, joining the space, decryption), against ``shareReadCrypto``; and against the
  Python SDK doing the same first read of a twin share over the same server (its HTTP round trips are the
  unavoidable rest: the claim protocol needs six requests).
- ``first_load``: a fresh browser context loading ``/`` until the first form is usable; and the gzip size of
  every built asset.

RSA-4096 generation time varies by a factor of two or more with the luck of the prime search, so medians over
interleaved rounds are quoted. The aim is sign-up and first-read ratios under 1.3. No timing assertions.
"""

from __future__ import annotations

import asyncio
import gzip
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_benchmark.fixture import BenchmarkFixture
from tests.web.browser import CHROMIUM_ARGS, bundle_script, chromium_path
from tests.web.pages import SLOW, Person, accept_invitation, sign_up
from tests.web.server import WebServer, start_server

from strongroom.client import Strongroom
from strongroom.web import STATIC_DIR

ROUNDS = 5
# Start the clock, submit a form (or change the hash), resolve with the seconds until an element shows a text.
WAIT_FOR = """([start, selector, text]) => new Promise((resolve) => {
    const t = performance.now();
    if (start.startsWith("#")) location.hash = start; else document.querySelector(start).requestSubmit();
    const check = () => {
        const found = [...document.querySelectorAll(selector)].some((e) => e.textContent.includes(text));
        if (found) resolve((performance.now() - t) / 1000); else requestAnimationFrame(check);
    };
    check();
})"""
BOB = Person("Bob Bench", "bob@bench.test", "bob's bench passphrase")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    base = tmp_path_factory.mktemp("web-bench")
    running = start_server(base / "data", base / "server.log", STRONGROOM_LOG_LEVEL="WARNING")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def harness(browser: Browser, server: WebServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    script = bundle_script("test/bench.ts", tmp_path_factory.mktemp("bench"))
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.url}/")  # the same origin and browser as the page measured
    page.add_script_tag(content=script)
    try:
        yield page
    finally:
        context.close()


def _sign_up_once(browser: Browser, url: str) -> float:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{url}/")
        page.get_by_role("tab", name="Create account").click()
        form = page.get_by_role("form", name="Create account")
        form.get_by_label("Passphrase", exact=True).fill("a bench passphrase")
        form.get_by_label("Repeat passphrase").fill("a bench passphrase")
        # Timed in the page (Playwright's polling adds intervals of its own): submit, then the kit's heading.
        seconds: float = page.evaluate(
            WAIT_FOR, ["form[aria-label='Create account']", "h1", "Your emergency kit"]
        )
        expect(page.get_by_label("Your secret key")).to_be_visible()
        return seconds
    finally:
        context.close()


def test_sign_up(benchmark: BenchmarkFixture, browser: Browser, server: WebServer, harness: Page) -> None:
    benchmark.group = "web"
    page_times: list[float] = []
    crypto_times: list[float] = []

    def one_round() -> None:
        page_times.append(_sign_up_once(browser, server.url))
        crypto_times.append(harness.evaluate("strongroomBench.signUpCrypto()") / 1000)

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1, warmup_rounds=1)  # type: ignore[no-untyped-call]
    page_median, crypto_median = statistics.median(page_times), statistics.median(crypto_times)
    benchmark.extra_info.update(
        page_seconds=[round(t, 3) for t in page_times],
        crypto_seconds=[round(t, 3) for t in crypto_times],
        ratio_of_medians=round(page_median / crypto_median, 3),
    )
    print(
        f"\nweb sign-up: page median {page_median:.2f} s, its crypto alone {crypto_median:.2f} s, "
        f"ratio {page_median / crypto_median:.2f}"
    )


def _sdk(coro: Any) -> Any:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _alice_shares(url: str, token_holder: dict[str, Any], count: int) -> dict[str, Any]:
    """Alice (SDK) signs up, invites Bob (browser) and a second SDK user Carol, and shares ``count`` twin
    cards with each; returns the ids and Carol's credentials."""
    async with Strongroom(url) as alice, Strongroom(url) as carol:
        await alice.sign_up("alice's bench passphrase", full_name="Alice Bench")
        await carol.sign_up("carol's bench passphrase", full_name="Carol Bench")
        invitation = await alice.invite(nickname="Bob")
        token_holder["link"] = f"{url}/#/accept?invitation={invitation.id}&token={invitation.token}"
        to_carol = await alice.invite(nickname="Carol")
        assert to_carol.token is not None
        await carol.accept_invitation(to_carol.token, nickname="Alice")
        return {"alice": alice.credentials, "carol": carol.credentials}


async def _make_shares(url: str, alice_credentials: Any, count: int) -> dict[str, list[str]]:
    async with Strongroom(url) as alice:
        await alice.resume(alice_credentials, "alice's bench passphrase")
        connections = {c.nickname: c.id for c in await alice.connections()}
        made: dict[str, list[str]] = {"Bob": [], "Carol": []}
        for i in range(count):
            card = await alice.create_card(
                "note", f"Bench card {i}", {"note": f"bench value {i} " * 4 + f"#{i}#"}
            )
            for who in made:
                made[who].append((await alice.share(card.id, connections[who])).id)
        return made


async def _sdk_read(url: str, credentials: Any, share_id: str) -> float:
    async with Strongroom(url) as carol:
        await carol.resume(credentials, "carol's bench passphrase")
        started = time.perf_counter()
        await carol.read_share(share_id)
        return time.perf_counter() - started


def test_first_share_read(
    benchmark: BenchmarkFixture, browser: Browser, server: WebServer, harness: Page
) -> None:
    benchmark.group = "web"
    holder: dict[str, Any] = {}
    people = _sdk(_alice_shares(server.url, holder, ROUNDS + 1))
    context = browser.new_context()
    page = context.new_page()
    page.goto(holder["link"])
    sign_up(page, BOB, then="Accept an invitation")
    accept_invitation(page, "Alice")
    expect(page.get_by_role("heading", name="Alice")).to_be_visible(timeout=SLOW)
    shares = _sdk(_make_shares(server.url, people["alice"], ROUNDS + 1))
    harness.evaluate("strongroomBench.prepareShareRead()")
    page_times: list[float] = []
    crypto_times: list[float] = []
    sdk_times: list[float] = []
    pending = iter(enumerate(zip(shares["Bob"], shares["Carol"], strict=True)))

    def one_round() -> None:
        index, (bob_share, carol_share) = next(pending)
        page_times.append(page.evaluate(WAIT_FOR, [f"#/shared-with-me/{bob_share}", "dd", f"#{index}#"]))
        crypto_times.append(harness.evaluate("strongroomBench.shareReadCrypto()") / 1000)
        sdk_times.append(_sdk(_sdk_read(server.url, people["carol"], carol_share)))

    try:
        benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1, warmup_rounds=1)  # type: ignore[no-untyped-call]
    finally:
        context.close()
    page_m, crypto_m, sdk_m = (statistics.median(x) for x in (page_times, crypto_times, sdk_times))
    benchmark.extra_info.update(
        page_seconds=[round(t, 4) for t in page_times],
        crypto_seconds=[round(t, 4) for t in crypto_times],
        sdk_seconds=[round(t, 4) for t in sdk_times],
        ratio_page_over_crypto=round(page_m / crypto_m, 2),
        ratio_page_over_sdk=round(page_m / sdk_m, 2),
    )
    print(
        f"\nweb first share read: page median {page_m * 1000:.0f} ms, "
        f"its crypto alone {crypto_m * 1000:.0f} ms "
        f"(ratio {page_m / crypto_m:.2f}), the Python SDK's same read {sdk_m * 1000:.0f} ms "
        f"(ratio {page_m / sdk_m:.2f})"
    )


def test_first_load_and_bundle_size(benchmark: BenchmarkFixture, browser: Browser, server: WebServer) -> None:
    benchmark.group = "web"

    loads: list[float] = []

    def load() -> None:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"{server.url}/")
            expect(page.get_by_role("tab", name="Create account")).to_be_visible()
            # From the navigation's start to the load event: HTML, script, style, first render.
            loads.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
        finally:
            context.close()

    benchmark.pedantic(load, rounds=ROUNDS * 2, iterations=1, warmup_rounds=1)  # type: ignore[no-untyped-call]
    load_median = statistics.median(loads)
    sizes = {
        str(p.relative_to(STATIC_DIR)): (p.stat().st_size, len(gzip.compress(p.read_bytes(), 9)))
        for p in sorted(Path(STATIC_DIR).rglob("*"))
        if p.is_file()
    }
    total = sum(z for _, z in sizes.values())
    benchmark.extra_info.update(bytes_and_gzip=sizes, gzip_total=total, first_load_median=load_median)
    print(f"\nweb first load (fresh context, / to the first usable form): median {load_median * 1000:.0f} ms")
    print(
        f"\nweb bundle: {total} bytes gzip in all; "
        + ", ".join(f"{k} {r}→{z}" for k, (r, z) in sizes.items())
    )


def test_primitives_in_the_page(benchmark: BenchmarkFixture, harness: Page) -> None:
    """RSA-4096 generation, PBKDF2 100,000 and SRP in the page (WebCrypto + BigInt), for the comparison with
    the reference libraries (tools/interop/measure-reference.mjs runs those in pure JavaScript)."""
    benchmark.group = "web-primitives"
    results: list[dict[str, float]] = []
    benchmark.pedantic(
        lambda: results.append(harness.evaluate("strongroomBench.primitives()")), rounds=ROUNDS, iterations=1
    )  # type: ignore[no-untyped-call]
    medians = {k: round(statistics.median(r[k] for r in results), 1) for k in results[0]}
    benchmark.extra_info.update(medians_ms=medians)
    print(f"\nweb primitives (median ms): {medians}")
