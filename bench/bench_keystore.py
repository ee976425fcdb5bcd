"""Keystore requests per second, each beside a bare FastAPI endpoint doing the same database work.

Run with ``make bench`` (or ``pytest bench/bench_keystore.py --benchmark-only``). Embedded default: SQLite
file, in-process ASGI client (httpx), one event loop. Two groups:

- ``srp-login``: one whole SRP login (``POST /srp/challenges`` + ``POST /srp/session``), client arithmetic
  included. "bare" runs the same statements (Core, same engine, one transaction each) and the same server
  arithmetic inline; "client-math" is the client's own arithmetic alone, the floor under both.
- ``get-space``: ``GET /encryption_spaces/{id}`` with a session token. "bare" runs the same two SELECTs
  (session by token hash, the caller's copy joined to its space) on the same engine and returns the JSON.

The ratio ours/bare is our overhead: routing, validation, dependencies, the ORM, error handling, the
rate-limit checks. No timing assertions.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Header
from pydantic import BaseModel
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.support import with_loopback_limits

from strongroom.crypto import (
    SrpClient,
    create_verifier,
    encrypt_with_key,
    generate_key,
    server_challenge,
    server_verify,
)
from strongroom.keystore.app import create_app
from strongroom.keystore.models import EncryptionSpace, EncryptionSpaceKey, Session, SrpChallenge, User
from strongroom.kit.ids import new_id
from strongroom.kit.settings import Settings
from strongroom.kit.tokens import hash_token, new_token

T = TypeVar("T")
USERNAME = "bench-user"
PASSWORD = b"bench password bytes"
ROUNDS_LOGIN = 30
ROUNDS_GET = 300


@dataclass
class Bench:
    runner: asyncio.Runner
    ours: httpx.AsyncClient
    bare: httpx.AsyncClient
    token: str
    space_id: str

    def run(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        return self.runner.run(make())


class ChallengeIn(BaseModel):
    username: str
    srp_a: str


class SessionIn(BaseModel):
    username: str
    srp_a: str
    srp_m: str


def bare_app(engine: AsyncEngine, reader: AsyncEngine | None = None) -> FastAPI:
    """The same database work as the Keystore's routes, with nothing else around it (``reader``, default
    ``engine``, serves the reads)."""
    app = FastAPI()
    reads = reader or engine
    users, challenges = cast(Table, User.__table__), cast(Table, SrpChallenge.__table__)
    sessions, copies = cast(Table, Session.__table__), cast(Table, EncryptionSpaceKey.__table__)
    spaces = cast(Table, EncryptionSpace.__table__)

    # As the Keystore does it: the arithmetic between short transactions, never inside a write one.
    @app.post("/srp/challenges")
    async def challenge(body: ChallengeIn) -> dict[str, Any]:
        async with reads.begin() as conn:
            user = (await conn.execute(select(users).where(users.c.username == body.username))).one()
        b_secret, public_b = server_challenge(user.srp_verifier)
        async with engine.begin() as conn:
            await conn.execute(
                insert(challenges).values(
                    id=new_id(),
                    username=body.username,
                    a_hash=hashlib.sha256(bytes.fromhex(body.srp_a)).hexdigest(),
                    user_id=user.id,
                    b_secret=b_secret,
                    expires_at=datetime.now(UTC) + timedelta(seconds=120),
                )
            )
        return {"challenge": {"challenge_salt": user.srp_salt, "challenge_b": public_b}}

    @app.post("/srp/session")
    async def session(body: SessionIn) -> dict[str, Any]:
        now = datetime.now(UTC)
        async with engine.begin() as conn:
            found = (
                await conn.execute(
                    delete(challenges)
                    .where(
                        challenges.c.username == body.username,
                        challenges.c.a_hash == hashlib.sha256(bytes.fromhex(body.srp_a)).hexdigest(),
                        challenges.c.expires_at > now,
                    )
                    .returning(challenges.c.user_id, challenges.c.b_secret)
                )
            ).one()
        async with reads.begin() as conn:
            user = (await conn.execute(select(users).where(users.c.id == found.user_id))).one()
        m2 = server_verify(
            salt_hex=user.srp_salt,
            verifier_hex=user.srp_verifier,
            b_hex=found.b_secret,
            a_hex=body.srp_a,
            m1_hex=body.srp_m,
        )
        token = new_token("ks")
        async with engine.begin() as conn:
            await conn.execute(
                insert(sessions).values(
                    id=new_id(),
                    user_id=user.id,
                    token_hash=hash_token(token),
                    created_at=now,
                    expires_at=now + timedelta(hours=12),
                )
            )
        return {"session": {"session_authentication_string": token, "srp_m2": m2}}

    @app.get("/encryption_spaces/{space_id}")
    async def get_space(space_id: uuid.UUID, authorization: str = Header()) -> dict[str, Any]:
        async with reads.begin() as conn:
            principal = (
                await conn.execute(
                    select(sessions.c.id, sessions.c.user_id, sessions.c.expires_at).where(
                        sessions.c.token_hash == hash_token(authorization)
                    )
                )
            ).one()
            copy = (
                await conn.execute(
                    select(copies, spaces.c.creator_id)
                    .join(spaces, spaces.c.id == copies.c.encryption_space_id)
                    .where(copies.c.user_id == principal.user_id, copies.c.encryption_space_id == space_id)
                )
            ).one()
        return {
            "encryption_space_data_encryption_key": {
                "id": str(copy.id),
                "encryption_space_id": str(copy.encryption_space_id),
                "serialized_data_encryption_key": copy.serialized_key,
                "creator": copy.creator_id == principal.user_id,
            }
        }

    return app


async def srp_login(client: httpx.AsyncClient) -> str:
    srp = SrpClient(USERNAME, PASSWORD)
    r = await client.post("/srp/challenges", json={"username": USERNAME, "srp_a": srp.public_a_hex()})
    challenge = r.json()["challenge"]
    m1 = srp.process_challenge(challenge["challenge_salt"], challenge["challenge_b"])
    r = await client.post(
        "/srp/session", json={"username": USERNAME, "srp_a": srp.public_a_hex(), "srp_m": m1}
    )
    session = r.json()["session"]
    srp.verify_server_proof(session["srp_m2"])
    token: str = session["session_authentication_string"]
    return token


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    data_dir: Path = tmp_path_factory.mktemp("bench-keystore")
    settings = with_loopback_limits(
        Settings(
            data_dir=data_dir,
            srp_challenges_per_username=10**9,
            srp_failures_per_username=10**9,
            srp_failures_per_address=10**9,
            srp_challenges_backstop_per_username=10**9,
            srp_failures_backstop_per_username=10**9,
            log_level="WARNING",
        )
    )
    runner = asyncio.Runner()
    app = create_app(settings)

    async def start() -> LifespanManager:
        manager = LifespanManager(app, startup_timeout=60)
        await manager.__aenter__()
        return manager

    manager = runner.run(start())
    ours = httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://keystore")
    bare = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=bare_app(app.state.engine)), base_url="http://bare"
    )

    async def setup() -> tuple[str, str]:
        salt, verifier = create_verifier(USERNAME, PASSWORD, salt=secrets.token_bytes(32))
        r = await ours.post(
            "/srp/users", json={"username": USERNAME, "srp_salt": salt, "srp_verifier": verifier}
        )
        assert r.status_code == 201, r.text
        token = await srp_login(ours)
        wrapped = encrypt_with_key(generate_key(), generate_key())
        r = await ours.post(
            "/encryption_spaces", json={"encrypted_serialized_key": wrapped}, headers={"Authorization": token}
        )
        space_id: str = r.json()["encryption_space_data_encryption_key"]["encryption_space_id"]
        return token, space_id

    async def stop() -> None:
        await ours.aclose()
        await bare.aclose()
        await manager.__aexit__(None, None, None)

    token, space_id = runner.run(setup())
    try:
        yield Bench(runner=runner, ours=ours, bare=bare, token=token, space_id=space_id)
    finally:
        runner.run(stop())
        runner.close()


def pedantic(benchmark: BenchmarkFixture, target: Callable[[], T], rounds: int) -> T:
    result: T = benchmark.pedantic(target, rounds=rounds, iterations=1, warmup_rounds=2)  # type: ignore[no-untyped-call]
    return result


@pytest.mark.benchmark(group="srp-login")
def test_srp_login_ours(benchmark: BenchmarkFixture, bench: Bench) -> None:
    token = pedantic(benchmark, lambda: bench.run(lambda: srp_login(bench.ours)), ROUNDS_LOGIN)
    assert token.startswith("ks_")


@pytest.mark.benchmark(group="srp-login")
def test_srp_login_bare(benchmark: BenchmarkFixture, bench: Bench) -> None:
    token = pedantic(benchmark, lambda: bench.run(lambda: srp_login(bench.bare)), ROUNDS_LOGIN)
    assert token.startswith("ks_")


@pytest.mark.benchmark(group="srp-login")
def test_srp_login_client_math_only(benchmark: BenchmarkFixture) -> None:
    """The client's share of a login (A, then S and M1), for reading the two rows above."""
    salt, verifier = create_verifier(USERNAME, PASSWORD)
    _, public_b = server_challenge(verifier)

    def client_side() -> str:
        srp = SrpClient(USERNAME, PASSWORD)
        return srp.process_challenge(salt, public_b)

    assert len(pedantic(benchmark, client_side, ROUNDS_LOGIN)) == 64


@pytest.mark.benchmark(group="get-space")
def test_get_space_ours(benchmark: BenchmarkFixture, bench: Bench) -> None:
    headers = {"Authorization": bench.token}
    r = pedantic(
        benchmark,
        lambda: bench.run(lambda: bench.ours.get(f"/encryption_spaces/{bench.space_id}", headers=headers)),
        ROUNDS_GET,
    )
    assert r.status_code == 200


@pytest.mark.benchmark(group="get-space")
def test_get_space_bare(benchmark: BenchmarkFixture, bench: Bench) -> None:
    headers = {"Authorization": bench.token}
    r = pedantic(
        benchmark,
        lambda: bench.run(lambda: bench.bare.get(f"/encryption_spaces/{bench.space_id}", headers=headers)),
        ROUNDS_GET,
    )
    assert r.status_code == 200
