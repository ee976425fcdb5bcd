"""The ``strongroom`` command's start-up and its own overhead, as a person feels them.

Run with ``make bench`` (or ``pytest bench/bench_cli.py --benchmark-only``). Each group has a baseline
measured in the same run:

- ``startup``: ``strongroom --help`` and ``--version`` beside a bare ``python -c pass`` (the interpreter's own
  start, which no CLI avoids). Budget: 0.3 s each.
- ``command``: ``strongroom items get NAME --field vin`` (an unlocked session, so no passphrase derivation)
  against a real server, beside the same SDK calls made in a warm process (the network and crypto part of
  the command). The difference of the medians is the command's own overhead: interpreter, imports, option
  parsing, reading the auth file and the session. Budget: 0.5 s.

The figures are printed at the end of the run: wall-clock medians, and the child process's CPU time
(user + system), which a loaded machine inflates far less; the budgets are checked on the CPU medians
(on a quiet machine the two agree within a few milliseconds for these single-threaded runs).

The commands run as installed: with compiled bytecode cached (a ``PYTHONDONTWRITEBYTECODE`` of the
calling environment is dropped; the warm-up round writes the caches), as pip leaves an installation.
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from statistics import median

import pytest
from pydantic import SecretStr
from pytest_benchmark.fixture import BenchmarkFixture
from tests.client.live import live_server

from strongroom.cli._auth import AuthFile, write_auth
from strongroom.cli._session import open_session
from strongroom.client import SlotInput, Strongroom
from strongroom.kit.settings import Settings

ROUNDS = 15
COMMAND = str(Path(sys.executable).parent / "strongroom")
# As installed: bytecode cached (without it every run compiles every module it imports, ~1 s).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
FIGURES: dict[str, float] = {}
CPU: dict[str, float] = {}
_cpu_samples: list[float] = []


@dataclass(frozen=True)
class Account:
    url: str
    env: dict[str, str]
    auth: AuthFile
    kek: bytes


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    """A real server (SQLite, in a thread), an account with one card, its auth file, an unlocked session."""
    folder = tmp_path_factory.mktemp("bench-cli")
    settings = Settings(
        data_dir=folder / "data", service_credential=SecretStr("bench-credential"), run_mail_worker=False
    )
    with live_server(settings) as url:

        async def sign_up() -> tuple[AuthFile, bytes]:
            async with Strongroom(url) as client:
                credentials = await client.sign_up("bench passphrase, long enough")
                await client.create_card("vehicle", "My car", [SlotInput(name="vin", value="WVW-1234")])
                auth = AuthFile.from_credentials(
                    credentials, keystore_url=f"{url}/keystore", vault_url=f"{url}/vault"
                )
                return auth, client.unlock_key

        auth, kek = asyncio.run(sign_up())
        env = {k: v for k, v in CHILD_ENV.items() if not k.startswith(("STRONGROOM_", "XDG_"))}
        env.update(XDG_CONFIG_HOME=str(folder / "config"), XDG_STATE_HOME=str(folder / "state"))
        os.environ["XDG_STATE_HOME"] = env["XDG_STATE_HOME"]  # where open_session writes
        os.environ.pop("XDG_RUNTIME_DIR", None)
        path = folder / "config" / "strongroom" / "default.yaml"
        write_auth(auth, path)
        env["STRONGROOM_SESSION"] = open_session(auth.username, kek, timedelta(hours=1))
        yield Account(url, env, auth, kek)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], env: dict[str, str] | None = None) -> None:
    before = _children_cpu()
    done = subprocess.run(args, env=env or CHILD_ENV, capture_output=True, check=False, timeout=60)
    _cpu_samples.append(_children_cpu() - before)
    assert done.returncode == 0, done.stderr


def _timed(benchmark: BenchmarkFixture, name: str, target: object) -> None:
    _cpu_samples.clear()
    benchmark.pedantic(target, rounds=ROUNDS, iterations=1, warmup_rounds=1)  # type: ignore[no-untyped-call]
    FIGURES[name] = median(benchmark.stats.stats.data)  # type: ignore[union-attr]
    if _cpu_samples:
        CPU[name] = median(_cpu_samples)


@pytest.mark.benchmark(group="startup")
def test_python_bare(benchmark: BenchmarkFixture) -> None:
    _timed(benchmark, "python -c pass", lambda: _run([sys.executable, "-c", "pass"]))


@pytest.mark.benchmark(group="startup")
def test_strongroom_help(benchmark: BenchmarkFixture) -> None:
    _timed(benchmark, "strongroom --help", lambda: _run([COMMAND, "--help"]))
    assert CPU["strongroom --help"] <= 0.3


@pytest.mark.benchmark(group="startup")
def test_strongroom_version(benchmark: BenchmarkFixture) -> None:
    _timed(benchmark, "strongroom --version", lambda: _run([COMMAND, "--version"]))
    assert CPU["strongroom --version"] <= 0.3


@pytest.mark.benchmark(group="command")
def test_sdk_same_calls_in_a_warm_process(benchmark: BenchmarkFixture, account: Account) -> None:
    """What `items get` does on the wire and in crypto, without the process around it."""

    async def calls() -> None:
        async with Strongroom(account.url) as client:
            assert account.auth.credentials is not None
            await client.resume_unlocked(account.auth.credentials, account.kek)
            cards = await client.cards()
            assert cards[0].values["vin"] == "WVW-1234"

    _timed(benchmark, "sdk: resume + cards (warm)", lambda: asyncio.run(calls()))


@pytest.mark.benchmark(group="command")
def test_strongroom_items_get_field(benchmark: BenchmarkFixture, account: Account) -> None:
    _timed(
        benchmark,
        "strongroom items get --field",
        lambda: _run([COMMAND, "items", "get", "My car", "--field", "vin"], env=account.env),
    )
    assert CPU["strongroom items get --field"] <= 0.5


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    """Print the medians and the budgets' figures once the module's benchmarks ran."""
    yield
    lines = [f"  {'':<34} {'wall':>10} {'cpu':>10}"]
    for name, seconds in FIGURES.items():
        shown = f"{CPU[name] * 1000:7.1f} ms" if name in CPU else f"{'—':>10}"
        lines.append(f"  {name:<34} {seconds * 1000:7.1f} ms {shown}")
    if {"strongroom items get --field", "sdk: resume + cards (warm)"} <= FIGURES.keys():
        wall = FIGURES["strongroom items get --field"] - FIGURES["sdk: resume + cards (warm)"]
        lines.append(f"  {'command overhead (wall difference)':<34} {wall * 1000:7.1f} ms  (budget 500 ms)")
        # All the command's CPU (its own work and its share of crypto): an upper bound of its overhead.
        spent = CPU["strongroom items get --field"]
        lines.append(f"  {'command CPU (all of it)':<34} {spent * 1000:7.1f} ms  (budget 500 ms)")
    if "python -c pass" in FIGURES and "strongroom --help" in FIGURES:
        ratio = FIGURES["strongroom --help"] / FIGURES["python -c pass"]
        lines.append(f"  {'--help / bare python (wall)':<34} {ratio:7.1f} x")
    sys.stderr.write("\nCLI medians:\n" + "\n".join(lines) + "\n")
