"""``make load``: sustained load on real server processes, then a report (var/load-report.md).

Dozens of simulated users (:mod:`tests.load.flow`) do the whole flow for a few minutes against

* the embedded default: one ``strongroom serve`` process on its SQLite files;
* PostgreSQL: several ``strongroom serve`` processes on one database pair (one port each; users are
  spread over them as a load balancer would), with the Redis rate-limit backend when Redis is there.

Everything listens on 127.0.0.1. The run stops by itself; it reports requests per second, p50/p95/p99
latency per endpoint and per flow step, errors (which must be zero: the command fails otherwise) and
each server process's peak memory (``VmHWM``).

RSA-4096 key generation (1–4 s of CPU per key) would dominate sign-ups and invitations, so the SDK draws
key pairs from the pre-generated pool of :mod:`tests.faults.keypool`: each user's login key is its own;
connection keys are reused round-robin (the services do not require them to be unique).

Settings (environment): ``LOAD_SECONDS`` (flow phase per backend, default 120), ``LOAD_USERS`` (30),
``LOAD_BACKENDS`` (``sqlite,postgres``), ``LOAD_PROCESSES`` (PostgreSQL server processes, 3),
``LOAD_POSTGRES_URL`` (else ``STRONGROOM_TEST_POSTGRES_URL``, else the local server),
``LOAD_REDIS_URL`` (else ``STRONGROOM_TEST_REDIS_URL``), ``LOAD_MAX_ITERATIONS`` (per user, 1000),
``LOAD_REPORT`` (``var/load-report.md``).
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from strongroom import crypto
from strongroom.client import Strongroom
from strongroom.kit.db import create_engine
from tests.faults.invariants import rows
from tests.faults.keypool import KeySupply, load_keypairs, patched_keygen
from tests.faults.process import ServiceProcess, free_port, strongroom_env
from tests.load.flow import VirtualUser, run_population
from tests.load.report import Outcome, render
from tests.load.stats import Recorder, TimedTransport, server_timings
from tests.support import admin_execute, create_database, drop_database, sqlalchemy_url

ROOT = Path(__file__).resolve().parents[2]
UNLIMITED = 1_000_000  # abuse limits are not what this run measures


@dataclass(frozen=True)
class Config:
    seconds: float
    users: int
    backends: tuple[str, ...]
    processes: int
    postgres_url: str
    redis_url: str | None
    max_iterations: int
    report: Path

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ
        users = int(env.get("LOAD_USERS") or 30)
        if users < 3:
            raise SystemExit("LOAD_USERS must be at least 3")
        return cls(
            seconds=float(env.get("LOAD_SECONDS") or 120),
            users=users,
            backends=tuple(
                b.strip() for b in (env.get("LOAD_BACKENDS") or "sqlite,postgres").split(",") if b.strip()
            ),
            processes=max(1, int(env.get("LOAD_PROCESSES") or 3)),
            postgres_url=env.get("LOAD_POSTGRES_URL")
            or env.get("STRONGROOM_TEST_POSTGRES_URL")
            or "postgresql://postgres@127.0.0.1:5432/postgres",
            redis_url=env.get("LOAD_REDIS_URL") or env.get("STRONGROOM_TEST_REDIS_URL") or None,
            max_iterations=int(env.get("LOAD_MAX_ITERATIONS") or 1000),
            report=Path(env.get("LOAD_REPORT") or ROOT / "var" / "load-report.md"),
        )


class CyclingSupply(KeySupply):
    """Unique keys for the first ``len(pairs)`` takes (the sign-ups), then the same keys round-robin."""

    def __init__(self, pairs: list[crypto.KeyPair]) -> None:
        super().__init__(pairs)
        self._all = list(pairs)
        self._taken = 0

    def take(self, bits: int = 4096) -> crypto.KeyPair:
        with self._lock:
            pair = self._all[self._taken % len(self._all)]
            self._taken += 1
            return pair


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _drive(urls: list[str], config: Config, keys: list[crypto.KeyPair]) -> Outcome:
    recorder = Recorder()
    # Idle connections are dropped after 2 s, before uvicorn's keep-alive timeout (5 s) closes them: with
    # equal timeouts (httpx's default is also 5 s) a request can be sent on a connection the server is
    # closing at that very moment, and fail with a ReadError that says nothing about the server.
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100, keepalive_expiry=2.0)
    transports = {url: TimedTransport(httpx.AsyncHTTPTransport(limits=limits), recorder) for url in urls}
    users = []
    for index in range(config.users):
        url = urls[index % len(urls)]
        connect = functools.partial(Strongroom, url, transport=transports[url], timeout=120)
        users.append(VirtualUser(index, connect, passphrase=f"load user {index}: a long passphrase"))
    try:
        with patched_keygen(CyclingSupply(keys)):
            signup_seconds, flow_seconds = await run_population(
                users, recorder, config.seconds, config.max_iterations
            )
    finally:
        for user in users:
            await user.client.aclose()
        for transport in transports.values():
            await transport.shutdown()
    return Outcome(
        title="",
        recorder=recorder,
        users=config.users,
        signup_seconds=signup_seconds,
        flow_seconds=flow_seconds,
        iterations=sum(u.iterations for u in users),
    )


async def _mail_states(vault_url: str) -> dict[str, int]:
    engine = create_engine(vault_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            found = await rows(conn, "SELECT state, COUNT(*) FROM outbox_mails GROUP BY state")
            await conn.rollback()
    finally:
        await engine.dispose()
    return {str(state): int(count) for state, count in found}


def _run(
    config: Config, keys: list[crypto.KeyPair], servers: list[ServiceProcess], title: str, vault_url: str
) -> Outcome:
    load_before = os.getloadavg()[0]
    cpu_before = time.process_time()
    outcome = asyncio.run(_drive([s.url for s in servers], config, keys))
    outcome.driver_cpu_seconds = time.process_time() - cpu_before
    outcome.load_average = (load_before, os.getloadavg()[0])
    outcome.title = title
    # The outbox is delivered asynchronously: give the workers a moment to catch up before counting.
    time.sleep(3)
    outcome.memory_kib = [s.peak_memory_kib() for s in servers]
    outcome.cpu_seconds = [_cpu_seconds(s.pid) if s.running else None for s in servers]
    outcome.server_timings = server_timings(s.log_path for s in servers)
    outcome.mails = asyncio.run(_mail_states(vault_url))
    return outcome


@dataclass
class Backend:
    config: Config
    run_dir: Path
    servers: list[ServiceProcess] = field(default_factory=list)

    def base_settings(self) -> dict[str, str | int | float | bool]:
        return {
            "service_credential": "load-run-service-credential",
            "invitations_per_user": UNLIMITED,
            "claims_per_user": UNLIMITED,
            "srp_challenges_per_username": UNLIMITED,
            "srp_challenges_backstop_per_username": UNLIMITED,
            # INFO: one access line per request with the server's own timing, for the report.
            "log_level": "INFO",
        }

    def sqlite(self, keys: list[crypto.KeyPair]) -> Outcome:
        folder = self.run_dir / "sqlite"
        server = ServiceProcess.serve(
            free_port(), folder / "data", strongroom_env(self.base_settings()), folder / "serve.log"
        )
        self.servers = [server]
        try:
            server.start()
            title = "SQLite, one process (the embedded default)"
            vault_url = f"sqlite+aiosqlite:///{folder / 'data' / 'vault.sqlite3'}"
            return _run(self.config, keys, self.servers, title, vault_url)
        finally:
            server.stop()

    def postgres(self, keys: list[crypto.KeyPair]) -> Outcome:
        admin = self.config.postgres_url
        title = f"PostgreSQL, {self.config.processes} server processes"
        try:
            admin_execute(admin, "SELECT 1")
        except Exception as exc:
            return Outcome(title=title, skipped=f"PostgreSQL at {admin} not reachable ({type(exc).__name__})")
        names = [create_database(admin) for _ in range(2)]
        redis = self.config.redis_url
        settings: dict[str, str | int | float | bool] = {
            **self.base_settings(),
            "keystore_database_url": sqlalchemy_url(admin, names[0]),
            "vault_database_url": sqlalchemy_url(admin, names[1]),
            # Several processes share PostgreSQL's connection limit.
            "database_pool_size": 5,
            "rate_limit_backend": "redis" if redis else "memory",
            "redis_url": redis or "",
        }
        env = strongroom_env(settings)
        folder = self.run_dir / "postgres"
        self.servers = [
            ServiceProcess.serve(free_port(), folder / f"data{i}", env, folder / f"serve{i}.log")
            for i in range(self.config.processes)
        ]
        try:
            self.servers[0].start()  # the first one runs the migrations
            with ThreadPoolExecutor(len(self.servers)) as starter:
                list(starter.map(lambda s: s.start(), self.servers[1:]))
            if redis:
                title += ", rate limits in Redis"
            return _run(self.config, keys, self.servers, title, sqlalchemy_url(admin, names[1]))
        finally:
            for server in self.servers:
                server.stop()
            for name in names:
                drop_database(admin, name)


def main() -> int:
    config = Config.from_env()
    run_dir = ROOT / "var" / "load" / time.strftime("%Y%m%d-%H%M%S")
    print(f"load: {config.users} users, {config.seconds:.0f} s per backend, backends {config.backends}")
    print("load: RSA-4096 key pairs come from the pre-generated pool (var/keypool); generating any missing")
    keys = load_keypairs(max(config.users, 40))
    outcomes: list[Outcome] = []
    for name in config.backends:
        backend = Backend(config, run_dir)
        print(f"load: running {name} ...", flush=True)
        if name == "sqlite":
            outcomes.append(backend.sqlite(keys))
        elif name == "postgres":
            outcomes.append(backend.postgres(keys))
        else:
            raise SystemExit(f"unknown backend {name!r} in LOAD_BACKENDS (sqlite, postgres)")
    text = render(config.users, config.seconds, outcomes, logs=run_dir)
    config.report.parent.mkdir(parents=True, exist_ok=True)
    config.report.write_text(text)
    print(text)
    print(f"load: report written to {config.report}")
    return 1 if any(o.errors for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
