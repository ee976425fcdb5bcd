"""Two server processes, one PostgreSQL: races have one winner and nothing is lost (security.md, "Faults").

Two ``strongroom serve`` processes run on one database pair with one service credential; clients spread
their requests over both, as behind a load balancer. Each race is started only after every participant
is ready, so the competing requests reach the two processes together:

* racing sign-ups (``POST /me``) with one admission token: exactly one account;
* racing accepts of one invitation by two users: exactly one connection (two records);
* racing ``PUT /shares`` without preconditions: every change lands (no lost update, ``version`` counts
  each); with the same ``version`` precondition: exactly one wins, the other gets 409 ``stale_update``;
* an SRP login begun on one process (``POST /srp/challenges``) completes on the other;
* with the Redis rate-limit backend, the SRP failure limit counts failures on both processes together.

PostgreSQL is required (skipped visibly without ``STRONGROOM_TEST_POSTGRES_URL``, failed under CI);
the rate-limit test also needs ``STRONGROOM_TEST_REDIS_URL``.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from strongroom import crypto
from strongroom.client import Gone, RateLimited, Strongroom, Unauthorized
from strongroom.kit.auth import service_authorization
from strongroom.kit.db import create_engine
from strongroom.kit.migrate import Service
from tests.faults.invariants import check_all, rows
from tests.faults.keypool import KeySupply, patched_keygen
from tests.faults.pair import CREDENTIAL, REDIS_ENV, Pair, connection_key, redis_url, share_dek, signed_up
from tests.faults.process import ServiceProcess, free_port, strongroom_env
from tests.support import (
    POSTGRES_ENV,
    create_database,
    drop_database,
    in_ci,
    postgres_admin_url,
    sqlalchemy_url,
)

pytestmark = pytest.mark.e2e

SRP_FAILURE_LIMIT = 3
RACERS = 4  # concurrent sign-ups per admission token, spread over both processes


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_templates: dict[Service, str] | None,
    pool_keys: list[crypto.KeyPair],
) -> Iterator[Pair]:
    admin = postgres_admin_url()
    if admin is None or postgres_templates is None:
        if in_ci():
            pytest.fail(f"CI=true but {POSTGRES_ENV} is not set: the two-process tests cannot be skipped")
        pytest.skip(f"two server processes need PostgreSQL (set {POSTGRES_ENV})")
    names: dict[Service, str] = {}
    servers: list[ServiceProcess] = []
    try:
        for service in ("keystore", "vault"):
            names[service] = create_database(admin, template=postgres_templates[service])
        urls = {service: sqlalchemy_url(admin, name) for service, name in names.items()}
        redis = redis_url()
        env = strongroom_env(
            {
                "keystore_database_url": urls["keystore"],
                "vault_database_url": urls["vault"],
                "service_credential": CREDENTIAL,
                "rate_limit_backend": "redis" if redis else "memory",
                "redis_url": redis or "",
                "srp_failures_per_username": SRP_FAILURE_LIMIT,
                # Every test client comes from 127.0.0.1: keep the per-address limit out of the way.
                "srp_failures_per_address": 100_000,
            }
        )
        folder = tmp_path_factory.mktemp("two-processes")
        for i in (0, 1):
            servers.append(ServiceProcess.serve(free_port(), folder / f"d{i}", env, folder / f"serve{i}.log"))
        with ThreadPoolExecutor(2) as starter:
            list(starter.map(lambda server: server.start(), servers))
        with patched_keygen(KeySupply(pool_keys)) as supply:
            yield Pair((servers[0], servers[1]), urls["keystore"], urls["vault"], redis is not None, supply)
    finally:
        with ThreadPoolExecutor(2) as stopper:
            list(stopper.map(lambda server: server.stop(), servers))
        for name in names.values():
            drop_database(admin, name)


@pytest.fixture
async def users(pair: Pair) -> AsyncIterator[contextlib.AsyncExitStack]:
    """Closes the SDK clients a test makes."""
    async with contextlib.AsyncExitStack() as stack:
        yield stack


async def _user(pair: Pair, stack: contextlib.AsyncExitStack, process: int, name: str) -> Strongroom:
    client = await signed_up(pair, process, name)
    stack.push_async_callback(client.aclose)
    return client


async def _consistent(pair: Pair) -> None:
    problems = await check_all(pair.keystore_url, pair.vault_url)
    assert not problems, "\n".join(problems)


async def _scalar(pair: Pair, sql: str, **params: Any) -> Any:
    engine = create_engine(pair.vault_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return (await rows(conn, sql, **params))[0][0]
    finally:
        await engine.dispose()


async def test_srp_login_begun_on_one_process_completes_on_the_other(
    pair: Pair, users: contextlib.AsyncExitStack
) -> None:
    alice = await _user(pair, users, 0, "Alice")
    creds = alice.credentials
    passphrase = pair.passphrases[creds.username]
    password = crypto.derive_srp_password(passphrase, creds.secret_key)
    pdk = crypto.derive_pdk(passphrase, creds.secret_key)
    for begin, finish in ((0, 1), (1, 0)):
        srp = crypto.SrpClient(creds.username, password)
        srp_a = srp.public_a_hex()
        async with Strongroom(pair.urls[begin]) as first, Strongroom(pair.urls[finish]) as second:
            challenge = await first.keystore.srp_challenge(creds.username, srp_a)
            proof = srp.process_challenge(challenge.challenge_salt, challenge.challenge_b)
            session = await second.keystore.srp_session(creds.username, srp_a, proof)
            for client in (first, second):
                client.keystore.use_token(session.session_authentication_string)
                record = await client.keystore.key_encryption_key()
                assert len(crypto.unwrap_key(pdk, record.serialized_key_encryption_key)) == 32
            # The challenge was used up on the other process: the same proof fails on the first.
            with pytest.raises(Unauthorized):
                await first.keystore.srp_session(creds.username, srp_a, proof)


async def test_racing_sign_ups_with_one_admission_token_make_exactly_one_account(pair: Pair) -> None:
    # A login key may belong to one account only; the losers' keys were never stored, so they race again.
    spare: list[crypto.KeyPair] = []
    async with httpx.AsyncClient(timeout=60) as http:
        for round_number in range(3):
            issued = await http.post(
                f"{pair.urls[round_number % 2]}/vault/admission_tokens",
                headers=service_authorization(CREDENTIAL),
            )
            assert issued.status_code == 201, issued.text
            token = issued.json()["admission_token"]
            keys = spare + [pair.keys.take() for _ in range(RACERS - len(spare))]
            racers = [(pair.urls[i % 2], key) for i, key in enumerate(keys)]
            answers = await asyncio.gather(
                *(
                    http.post(
                        f"{url}/vault/me",
                        json={"public_key": key.public_pem, "admission_token": token["token_value"]},
                    )
                    for url, key in racers
                )
            )
            statuses = [a.status_code for a in answers]
            assert sorted(statuses) == [201] + [409] * (RACERS - 1), statuses
            codes = {a.json()["errors"][0]["error"] for a in answers if a.is_error}
            assert codes == {"admission_token_used"}
            winner = statuses.index(201)
            spare = [key for i, key in enumerate(keys) if i != winner]
            body = answers[winner].json()
            vault_token = crypto.decrypt_with_private_key(
                racers[winner][1].private_pem, body["encrypted_session_authentication_string"]
            ).decode()
            for url in pair.urls:
                me = await http.get(f"{url}/vault/me", headers={"Authorization": vault_token})
                assert me.status_code == 200
                assert me.json()["user"]["id"] == body["user"]["id"]
            accounts = await _scalar(
                pair,
                "SELECT COUNT(*) FROM users WHERE admission_token_id = :id",
                id=uuid.UUID(token["id"]),
            )
            assert accounts == 1
    await _consistent(pair)


async def test_racing_accepts_of_one_invitation_make_exactly_one_connection(
    pair: Pair, users: contextlib.AsyncExitStack
) -> None:
    alice = await _user(pair, users, 0, "Inviter")
    for round_number in range(2):
        invitation = await alice.invite(nickname=f"whoever comes first {round_number}")
        assert invitation.token is not None
        racers = [await _user(pair, users, i, f"Racer{round_number}{i}") for i in (0, 1)]
        key_ids = [await connection_key(pair, racer) for racer in racers]
        nickname = crypto.encrypt_text(crypto.generate_key(), "Inviter")
        assert nickname is not None
        outcomes = await asyncio.gather(
            *(
                racer.vault.create_connection(key_id, nickname, invitation.token, invitation_id=invitation.id)
                for racer, key_id in zip(racers, key_ids, strict=True)
            ),
            return_exceptions=True,
        )
        won = [i for i, outcome in enumerate(outcomes) if not isinstance(outcome, BaseException)]
        assert len(won) == 1, outcomes
        lost = outcomes[1 - won[0]]
        assert isinstance(lost, Gone), lost
        assert lost.code == "invitation_used"
        winner_id = racers[won[0]].credentials.vault_user_id
        loser_id = racers[1 - won[0]].credentials.vault_user_id
        connected = {c.user_id for c in await alice.connections()}
        assert winner_id in connected
        assert loser_id not in connected
        records = await _scalar(
            pair, "SELECT COUNT(*) FROM connections WHERE invitation_id = :id", id=uuid.UUID(invitation.id)
        )
        assert records == 2
    await _consistent(pair)


async def test_racing_share_updates_lose_nothing_and_one_precondition_wins(
    pair: Pair, users: contextlib.AsyncExitStack
) -> None:
    alice = await _user(pair, users, 0, "Sharer")
    bob = await _user(pair, users, 1, "Reader")
    invitation = await alice.invite(nickname="Reader")
    assert invitation.token is not None
    await bob.accept_invitation(invitation.token, nickname="Sharer", invitation_id=invitation.id)
    [connection] = [c for c in await alice.connections() if c.user_id == bob.credentials.vault_user_id]
    card = await alice.create_card("vehicle", "Raced car", {"make": "make-0", "vin": "VIN-0"})
    share = await alice.share(card.id, connection.id)
    assert share.encryption_space_id is not None
    dek = await share_dek(pair, alice, share.encryption_space_id)
    make_id, vin_id = card.slot("make").id, card.slot("vin").id
    headers = {"Authorization": alice.credentials.vault_token}

    def values(n: int) -> dict[str, str | None]:
        return {make_id: crypto.encrypt_text(dek, f"make-{n}"), vin_id: crypto.encrypt_text(dek, f"VIN-{n}")}

    async with httpx.AsyncClient(timeout=60) as http:

        async def put(process: int, change: dict[str, Any]) -> httpx.Response:
            body = {"shares": [{"id": share.id, **change}]}
            return await http.put(f"{pair.urls[process]}/vault/shares", json=body, headers=headers)

        async def current() -> dict[str, Any]:
            got = await http.get(f"{pair.urls[0]}/vault/shares/{share.id}", headers=headers)
            assert got.status_code == 200, got.text
            found: dict[str, Any] = got.json()["share"]
            return found

        async def bob_reads() -> tuple[str | None, str | None]:
            read = await bob.read_share(share.id)
            return read.values["make"], read.values["vin"]

        assert await bob_reads() == ("make-0", "VIN-0")
        before = (await current())["version"]
        expires_at = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
        changes: list[tuple[int, dict[str, Any]]] = [
            (0, {"encrypted_values": values(1)}),
            (1, {"encrypted_values": values(2)}),
            (0, {"expires_at": expires_at.isoformat().replace("+00:00", "Z")}),
            (1, {"distributable": True}),
        ]
        answers = await asyncio.gather(*(put(process, change) for process, change in changes))
        assert [a.status_code for a in answers] == [200] * len(changes), [a.text for a in answers]
        after = await current()
        assert after["version"] == before + len(changes)
        assert after["distributable"] is True
        assert datetime.fromisoformat(after["expires_at"].replace("Z", "+00:00")) == expires_at
        assert await bob_reads() in {("make-1", "VIN-1"), ("make-2", "VIN-2")}

        for round_number in range(3):
            version = (await current())["version"]
            attempts = [10 * round_number + 10 + i for i in (0, 1)]
            answers = await asyncio.gather(
                *(put(i, {"version": version, "encrypted_values": values(n)}) for i, n in enumerate(attempts))
            )
            statuses = [a.status_code for a in answers]
            assert sorted(statuses) == [200, 409], [a.text for a in answers]
            loser = answers[statuses.index(409)]
            assert loser.json()["errors"][0]["error"] == "stale_update"
            won = attempts[statuses.index(200)]
            assert (await current())["version"] == version + 1
            assert await bob_reads() == (f"make-{won}", f"VIN-{won}")
    await _consistent(pair)


async def test_srp_failure_limit_counts_failures_on_both_processes(
    pair: Pair, users: contextlib.AsyncExitStack
) -> None:
    if not pair.redis:
        if in_ci():
            pytest.fail(f"CI=true but {REDIS_ENV} is not set: the shared rate limit cannot be skipped")
        pytest.skip(f"the shared rate limit needs Redis (set {REDIS_ENV})")
    dave = await _user(pair, users, 0, "Dave")
    creds = dave.credentials
    right = crypto.derive_srp_password(pair.passphrases[creds.username], creds.secret_key)
    wrong = crypto.derive_srp_password("not Dave's passphrase", creds.secret_key)
    async with Strongroom(pair.urls[0]) as first, Strongroom(pair.urls[1]) as second:
        clients = (first, second)

        async def log_in(process: int, password: bytes) -> None:
            srp = crypto.SrpClient(creds.username, password)
            srp_a = srp.public_a_hex()
            challenge = await clients[process].keystore.srp_challenge(creds.username, srp_a)
            proof = srp.process_challenge(challenge.challenge_salt, challenge.challenge_b)
            await clients[process].keystore.srp_session(creds.username, srp_a, proof)

        # Failures alternate between the processes: neither alone reaches the limit.
        for attempt in range(SRP_FAILURE_LIMIT):
            with pytest.raises(Unauthorized):
                await log_in(attempt % 2, wrong)
        with pytest.raises(RateLimited):
            await log_in(SRP_FAILURE_LIMIT % 2, wrong)
        for process in (0, 1):
            with pytest.raises(RateLimited):
                await log_in(process, right)
