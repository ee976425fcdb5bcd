"""``make bench-http``: concurrency over real HTTP, ``strongroom serve`` beside its bare twin, driven by wrk.

For each backend (SQLite with one process; PostgreSQL with ``--workers 2``) this starts ``strongroom serve``
and :mod:`bench.http_twin` (same framework, server, workers and SQL statements; plain JSON) on the same
databases, seeds them over HTTP (two Vault users connected, a card shared, 60 more shares, a Keystore
account and encryption space, spaces for new shares), then runs ``wrk`` (C, its own process, one thread:
it does not saturate before the servers do) at 1, 4, 16 and 64 connections on each endpoint, ours and the
twin's taking turns. Each figure is the median of ``BENCH_HTTP_REPEATS`` runs (default 3) of
``BENCH_HTTP_SECONDS`` (default 3) each. Server CPU per request is the servers' own CPU time (all their
processes, from /proc) over the requests answered.

Reported in ``var/bench-http.md``: req/s, p50, p99, CPU ms per request, and ours/twin throughput. Machines
are shared and noisy: read ratios of the same run, not absolute figures. ``BENCH_HTTP_BACKENDS``
(``sqlite,postgres``), ``BENCH_HTTP_CONNECTIONS`` (``1,4,16,64``), ``BENCH_HTTP_POSTGRES_URL`` (else
``STRONGROOM_TEST_POSTGRES_URL``, else the local server), ``BENCH_HTTP_OURS_PYTHONPATH`` (run "ours" from
another tree's ``src``, for before/after figures), ``BENCH_HTTP_ENDPOINTS`` (only the endpoints whose names
contain one of these comma-separated texts, e.g. ``srp``), ``BENCH_HTTP_REPORT``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.faults.process import ServiceProcess, free_port, strongroom_env
from tests.support import create_database, drop_database, sqlalchemy_url

from bench.bench_keystore import PASSWORD, USERNAME, srp_login
from bench.vault_harness import SERVICE, Person, _bulk_shares, _card, _connect, _link_spaces, _person
from strongroom.crypto import SrpClient, create_verifier, encrypt_with_key, generate_key, generate_keypair
from strongroom.kit.db import create_engine

ROOT = Path(__file__).resolve().parents[1]
UNLIMITED = 10**9
SPACES_PER_RUN = 4000
# Pre-made login proofs per run of the session step (more requests than this come back refused).
SRP_LOGINS_PER_RUN = int(os.environ.get("BENCH_HTTP_SRP_LOGINS") or 600)


@dataclass
class Seed:
    share_id: str
    alice: Person
    bob: Person
    ks_token: str
    space_id: str
    share_body: dict[str, object]
    spaces: list[str]
    srp_a: str


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    token: str
    body: str | None = None
    # Requests that can be made only once (a new share needs a new space; a login proof answers one
    # challenge): a fresh list of bodies for each run, sent in turn.
    bodies: Callable[[Target], list[str]] | None = None


@dataclass
class Figures:
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    errors: int = 0


# ---------------------------------------------------------------------------------------------- processes


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and all its descendants, alive now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
        todo += children.get(current, [])
    return total


def _wait_http(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=5)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


# --------------------------------------------------------------------------------------------------- seed


async def _seed(base: str, vault_url: str, keystore_url: str) -> Seed:
    async with (
        httpx.AsyncClient(base_url=f"{base}/vault", timeout=60) as vault,
        httpx.AsyncClient(base_url=f"{base}/keystore", timeout=60) as keystore,
    ):
        keys = [generate_keypair(2048) for _ in range(4)]
        alice, bob = await _person(vault, keys[0]), await _person(vault, keys[1])
        ab, ba = await _connect(vault, alice, bob, keys[2:4])
        item_id, slot_ids = await _card(vault, alice, "Bench car")
        engine = create_engine(vault_url, pool_size=1)
        try:
            await _bulk_shares(engine, 60, alice.id, bob.id, (ab, ba), [item_id])
            spaces = await _link_spaces(engine, alice.id, ab, SPACES_PER_RUN * 40)
        finally:
            await engine.dispose()
        dek = generate_key()
        body: dict[str, object] = {
            "shares": [
                {
                    "shareable_type": "Item",
                    "shareable_id": item_id,
                    "connection_id": ab,
                    "encryption_space_id": spaces.pop(),
                    "encrypted_values": {slot: encrypt_with_key(dek, b"value") for slot in slot_ids},
                }
            ]
        }
        created = await vault.post("/shares", json=body, headers=alice.headers)
        assert created.status_code == 201, created.text
        share_id = created.json()["shares"][0]["id"]

        salt, verifier = create_verifier(USERNAME, PASSWORD, salt=secrets.token_bytes(32))
        r = await keystore.post(
            "/srp/users", json={"username": USERNAME, "srp_salt": salt, "srp_verifier": verifier}
        )
        assert r.status_code == 201, r.text
        token = await srp_login(keystore)
        wrapped = encrypt_with_key(generate_key(), generate_key())
        r = await keystore.post(
            "/encryption_spaces", json={"encrypted_serialized_key": wrapped}, headers={"Authorization": token}
        )
        assert r.status_code == 201, r.text
        space_id = r.json()["encryption_space_data_encryption_key"]["encryption_space_id"]
    return Seed(
        share_id=share_id,
        alice=alice,
        bob=bob,
        ks_token=token,
        space_id=space_id,
        share_body=body,
        spaces=spaces,
        srp_a=SrpClient(USERNAME, PASSWORD).public_a_hex(),
    )


def _share_bodies(seed: Seed) -> Callable[[Target], list[str]]:
    def make(_: Target) -> list[str]:
        bodies = []
        for _n in range(min(SPACES_PER_RUN, len(seed.spaces))):
            body = json.loads(json.dumps(seed.share_body))
            body["shares"][0]["encryption_space_id"] = seed.spaces.pop()
            bodies.append(json.dumps(body))
        return bodies

    return make


CHALLENGES = "/keystore/srp/challenges"


def _login_proofs(target: Target) -> list[str]:
    """Session bodies for fresh challenges of ``target`` (each proof answers one challenge, once)."""

    def one(client: httpx.Client) -> str:
        srp = SrpClient(USERNAME, PASSWORD)
        a = srp.public_a_hex()
        r = client.post(CHALLENGES, json={"username": USERNAME, "srp_a": a})
        r.raise_for_status()
        challenge = r.json()["challenge"]
        m1 = srp.process_challenge(challenge["challenge_salt"], challenge["challenge_b"])
        return json.dumps({"username": USERNAME, "srp_a": a, "srp_m": m1})

    with httpx.Client(base_url=target.url, timeout=60) as client, ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda _: one(client), range(SRP_LOGINS_PER_RUN)))


def _endpoints(seed: Seed) -> list[Endpoint]:
    challenge = json.dumps({"username": USERNAME, "srp_a": seed.srp_a})
    return [
        Endpoint("GET /vault/shares/{id}", "GET", f"/vault/shares/{seed.share_id}", seed.bob.token),
        Endpoint("GET /vault/shares", "GET", "/vault/shares?per_page=50", seed.bob.token),
        Endpoint("GET /vault/items", "GET", "/vault/items?per_page=50", seed.alice.token),
        Endpoint(
            "GET /keystore/encryption_spaces/{id}",
            "GET",
            f"/keystore/encryption_spaces/{seed.space_id}",
            seed.ks_token,
        ),
        Endpoint("POST /vault/shares", "POST", "/vault/shares", seed.alice.token, bodies=_share_bodies(seed)),
        Endpoint(
            "SRP log-in 1/2: POST /keystore/srp/challenges", "POST", "/keystore/srp/challenges", "", challenge
        ),
        Endpoint(
            "SRP log-in 2/2: POST /keystore/srp/session",
            "POST",
            "/keystore/srp/session",
            "",
            bodies=_login_proofs,
        ),
    ]


def _selected(endpoints: list[Endpoint]) -> list[Endpoint]:
    """The endpoints whose names contain one of ``BENCH_HTTP_ENDPOINTS`` (comma-separated; default all)."""
    wanted = [w.strip() for w in (os.environ.get("BENCH_HTTP_ENDPOINTS") or "").split(",") if w.strip()]
    return [e for e in endpoints if not wanted or any(w in e.name for w in wanted)]


# ---------------------------------------------------------------------------------------------------- wrk

LUA = """
local method, path, token, body = %s, %s, %s, %s
local bodies = {}
local bodies_file = %s
if bodies_file ~= "" then for line in io.lines(bodies_file) do bodies[#bodies + 1] = line end end
local n = 0
local headers = {["Content-Type"] = "application/json"}
if token ~= "" then headers["Authorization"] = token end
request = function()
  local b = body
  if #bodies > 0 then
    -- Past the end, the bodies come round again and are refused (counted as errors).
    n = n %% #bodies + 1
    b = bodies[n]
  end
  return wrk.format(method, path, headers, b)
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for this text


def _wrk(
    url: str, endpoint: Endpoint, connections: int, seconds: float, work: Path, bodies: list[str]
) -> dict[str, float]:
    bodies_file = ""
    if bodies:
        bodies_file = str(work / "bodies.txt")
        Path(bodies_file).write_text("\n".join(bodies) + "\n")
    script = work / "request.lua"
    values = (endpoint.method, endpoint.path, endpoint.token, endpoint.body or "", bodies_file)
    script.write_text(LUA % tuple(_lua_string(v) for v in values))
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return _parse_wrk(out)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _parse_wrk(out: str) -> dict[str, float]:
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "errors": (int(errors.group(1)) if errors else 0)
        + (sum(int(g) for g in socket_errors.groups()) if socket_errors else 0),
    }


# --------------------------------------------------------------------------------------------------- runs


@dataclass
class Target:
    name: str
    url: str
    pid: int


def _measure(
    targets: list[Target], seed: Seed, connections: list[int], repeats: int, seconds: float, work: Path
) -> dict[tuple[str, int, str], Figures]:
    results: dict[tuple[str, int, str], Figures] = {}
    for _ in range(repeats):
        for endpoint in _selected(_endpoints(seed)):
            for conns in connections:
                for target in targets:
                    bodies = endpoint.bodies(target) if endpoint.bodies is not None else []
                    cpu = _tree_cpu(target.pid)
                    figures = _wrk(target.url, endpoint, conns, seconds, work, bodies)
                    cpu = _tree_cpu(target.pid) - cpu
                    entry = results.setdefault((endpoint.name, conns, target.name), Figures())
                    entry.rps.append(figures["rps"])
                    entry.p50.append(figures["p50"])
                    entry.p99.append(figures["p99"])
                    entry.cpu_ms.append(1000 * cpu / max(1, figures["requests"]))
                    entry.errors += int(figures["errors"])
                    print(
                        f"  {endpoint.name} c={conns} {target.name}: {figures['rps']:.0f} req/s", flush=True
                    )
    return results


def _render(title: str, results: dict[tuple[str, int, str], Figures], connections: list[int]) -> str:
    lines = [
        f"### {title}",
        "",
        "| endpoint | conns | ours req/s | twin req/s | ours/twin | ours p50 ms | ours p99 ms | twin p99 ms "
        "| ours CPU ms/req | twin CPU ms/req | errors (ours/twin) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    names = list(dict.fromkeys(name for name, _, _ in results))
    for name in names:
        for conns in connections:
            ours, twin = results[(name, conns, "ours")], results[(name, conns, "twin")]
            med = statistics.median
            lines.append(
                f"| {name} | {conns} | {med(ours.rps):.0f} | {med(twin.rps):.0f} "
                f"| {med(ours.rps) / med(twin.rps):.2f} "
                f"| {med(ours.p50):.1f} | {med(ours.p99):.1f} | {med(twin.p99):.1f} | {med(ours.cpu_ms):.2f} "
                f"| {med(twin.cpu_ms):.2f} | {ours.errors}/{twin.errors} |"
            )
    return "\n".join(lines) + "\n"


def _backend(name: str, work: Path, connections: list[int], repeats: int, seconds: float) -> str:
    work.mkdir(parents=True, exist_ok=True)
    databases: list[str] = []
    admin = (
        os.environ.get("BENCH_HTTP_POSTGRES_URL")
        or os.environ.get("STRONGROOM_TEST_POSTGRES_URL")
        or ("postgresql://postgres@127.0.0.1:5432/postgres")
    )
    if name == "sqlite":
        data = work / "data"
        shutil.rmtree(data, ignore_errors=True)
        urls = {s: f"sqlite+aiosqlite:///{data / f'{s}.sqlite3'}" for s in ("vault", "keystore")}
        workers = 1
    else:
        data = work / "data"
        databases = [create_database(admin), create_database(admin)]
        urls = {"vault": sqlalchemy_url(admin, databases[0]), "keystore": sqlalchemy_url(admin, databases[1])}
        workers = 2
    settings: dict[str, str | int | float | bool] = {
        "service_credential": SERVICE,
        "vault_database_url": urls["vault"],
        "keystore_database_url": urls["keystore"],
        "srp_challenges_per_username": UNLIMITED,
        "srp_failures_per_username": UNLIMITED,
        "srp_failures_per_address": UNLIMITED,
        # One username from one address: past these backstops every answer is held back by
        # srp_backstop_delay (a defence against guessing), which would be measured instead of the server.
        "srp_challenges_backstop_per_username": UNLIMITED,
        "srp_failures_backstop_per_username": UNLIMITED,
        "claims_per_user": UNLIMITED,
        "invitations_per_user": UNLIMITED,
        "run_mail_worker": False,
        "log_level": "WARNING",
    }
    env = strongroom_env(settings)
    ours_env = dict(env)
    if os.environ.get("BENCH_HTTP_OURS_PYTHONPATH"):
        # Another tree's sources for "ours" (e.g. an older commit, for before/after figures).
        ours_env["PYTHONPATH"] = os.environ["BENCH_HTTP_OURS_PYTHONPATH"]
    ours_port, twin_port = free_port(), free_port()
    args = ["serve", "--host", "127.0.0.1", "--port", str(ours_port), "--data-dir", str(data)]
    if workers > 1:
        args += ["--workers", str(workers)]
    ours = ServiceProcess(
        args,
        env,
        work / "serve.log",
        ready_line="Vault:",
        health_url=f"http://127.0.0.1:{ours_port}/vault/health",
    )
    twin: subprocess.Popen[bytes] | None = None
    try:
        ours.start()
        base = f"http://127.0.0.1:{ours_port}"
        seed = asyncio.run(_seed(base, urls["vault"], urls["keystore"]))
        with (work / "twin.log").open("wb") as log:
            twin = subprocess.Popen(
                # Not ``-m``: worker processes spawned from a ``-m`` main module died at start.
                [sys.executable, "-c", f"from bench.http_twin import main; main({twin_port}, {workers})"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        _wait_http(f"http://127.0.0.1:{twin_port}/vault/items", twin)
        targets = [Target("ours", base, ours.pid), Target("twin", f"http://127.0.0.1:{twin_port}", twin.pid)]
        results = _measure(targets, seed, connections, repeats, seconds, work)
    finally:
        if twin is not None:
            twin.terminate()
            twin.wait(30)
        ours.stop()
        for database in databases:
            drop_database(admin, database)
    title = "SQLite, one process" if name == "sqlite" else f"PostgreSQL, --workers {workers}"
    return _render(title, results, connections)


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (Debian/Ubuntu: apt-get install wrk)")
    env = os.environ
    backends = [
        b.strip() for b in (env.get("BENCH_HTTP_BACKENDS") or "sqlite,postgres").split(",") if b.strip()
    ]
    connections = [int(c) for c in (env.get("BENCH_HTTP_CONNECTIONS") or "1,4,16,64").split(",")]
    repeats = int(env.get("BENCH_HTTP_REPEATS") or 3)
    seconds = float(env.get("BENCH_HTTP_SECONDS") or 3)
    out = Path(env.get("BENCH_HTTP_REPORT") or ROOT / "var" / "bench-http.md")
    sections = [
        "# HTTP concurrency benchmark",
        "",
        f"wrk, one thread, {seconds:g} s per run, median of {repeats} runs; load average at start "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs. Ours/twin is throughput; CPU is the "
        "servers' own.",
        "",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    for backend in backends:
        print(f"{backend}:", flush=True)
        sections.append(
            _backend(backend, ROOT / "var" / "bench-http" / backend, connections, repeats, seconds)
        )
        out.write_text("\n".join(sections))  # each backend's table as soon as it is measured
    print(out.read_text())


if __name__ == "__main__":
    main()
