"""SRP accounts and sessions: usernames, registration, challenges, logins, logouts."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import ColumnElement, func, select

from strongroom.crypto import SrpClient, create_verifier, derive_srp_password, generate_secret_key
from strongroom.keystore.app import create_app
from strongroom.keystore.models import Base, Session, SrpChallenge, UsernameReservation
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from tests.keystore.helpers import login, register, sign_up
from tests.support import app_client, auth


async def count(app: FastAPI, model: type[Base], *where: ColumnElement[bool]) -> int:
    async with app.state.sessions() as session:
        statement = select(func.count()).select_from(model).where(*where)
        return int((await session.execute(statement)).scalar_one())


async def test_username_is_fresh_and_reserved(
    client: httpx.AsyncClient, app: FastAPI, clock: FrozenClock
) -> None:
    first = (await client.post("/srp/username", json={"captcha_token": "ignored"})).json()
    second = (await client.post("/srp/username")).json()
    assert first["username"] != second["username"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", first["username"])
    assert first["expires_at"].endswith("Z")
    assert await count(app, UsernameReservation, UsernameReservation.username == first["username"]) == 1


async def test_registration_answers_the_user(client: httpx.AsyncClient) -> None:
    username = (await client.post("/srp/username", json={})).json()["username"]
    salt, verifier = create_verifier(username, b"pw")
    r = await client.post(
        "/srp/users", json={"username": username, "srp_salt": salt, "srp_verifier": verifier}
    )
    assert r.status_code == 201
    assert r.json()["user"]["username"] == username
    assert re.fullmatch(r"[0-9a-f-]{36}", r.json()["user"]["id"])


async def test_registration_of_an_unreserved_username_is_allowed_by_default(
    client: httpx.AsyncClient,
) -> None:
    # Meeco's CLI registers the username of a given secret key without asking for one first.
    username, password = await register(client, "given-by-secret-key")
    assert (await login(client, username, password)).status_code == 200


async def test_registration_requires_a_reservation_when_configured(
    settings: Settings, clock: FrozenClock
) -> None:
    settings.srp_require_username_reservation = True
    async with app_client(create_app(settings, clock=clock)) as client:
        salt, verifier = create_verifier("never-reserved", b"pw")
        body = {"username": "never-reserved", "srp_salt": salt, "srp_verifier": verifier}
        r = await client.post("/srp/users", json=body)
        assert r.status_code == 422
        assert r.json()["errors"][0]["error"] == "username_not_reserved"
        reserved = (await client.post("/srp/username")).json()["username"]
        clock.advance(settings.username_reservation_lifetime + 1)
        salt, verifier = create_verifier(reserved, b"pw")
        late = {"username": reserved, "srp_salt": salt, "srp_verifier": verifier}
        assert (await client.post("/srp/users", json=late)).json()["errors"][0][
            "error"
        ] == "username_not_reserved"
        fresh = (await client.post("/srp/username")).json()["username"]
        salt, verifier = create_verifier(fresh, b"pw")
        ok = {"username": fresh, "srp_salt": salt, "srp_verifier": verifier}
        assert (await client.post("/srp/users", json=ok)).status_code == 201


async def test_a_taken_username_answers_409(client: httpx.AsyncClient) -> None:
    username, _ = await register(client)
    salt, verifier = create_verifier(username, b"other")
    r = await client.post(
        "/srp/users", json={"username": username, "srp_salt": salt, "srp_verifier": verifier}
    )
    assert r.status_code == 409
    assert r.json()["errors"][0]["error"] == "username_taken"


async def test_racing_registrations_of_one_username_have_one_winner(client: httpx.AsyncClient) -> None:
    bodies = []
    for password in (b"one", b"two", b"three"):
        salt, verifier = create_verifier("racer", password)
        bodies.append({"username": "racer", "srp_salt": salt, "srp_verifier": verifier})
    results = await asyncio.gather(*(client.post("/srp/users", json=b) for b in bodies))
    assert sorted(r.status_code for r in results) == [201, 409, 409]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("srp_salt", "zz", "validation_failed"),
        ("srp_verifier", "abc", "validation_failed"),  # odd length is caught by the SRP check
        ("srp_verifier", "00", "invalid_srp_value"),  # v = 0 is out of range
        ("srp_verifier", "ff" * 257, "validation_failed"),  # longer than N
        ("srp_salt", "00", "invalid_srp_value"),  # a salt of one byte
        ("srp_salt", "00" * 32, "invalid_srp_value"),  # no random salt is all zeros
        ("srp_verifier", "02", "invalid_srp_value"),  # g^1: outside the group's proper range
        ("username", "has.dot", "validation_failed"),
        ("username", "x" * 65, "validation_failed"),
    ],
)
async def test_registration_refuses_bad_values(
    client: httpx.AsyncClient, field: str, value: str, code: str
) -> None:
    salt, verifier = create_verifier("someone", b"pw")
    body = {"username": "someone", "srp_salt": salt, "srp_verifier": verifier, field: value}
    r = await client.post("/srp/users", json=body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["error"] in {code, "invalid_srp_value"}
    if code == "validation_failed" and field != "srp_verifier":
        assert r.json()["errors"][0]["error"] == code


async def test_login_with_the_meeco_derivation_of_the_password(client: httpx.AsyncClient) -> None:
    username = (await client.post("/srp/username")).json()["username"]
    secret_key = generate_secret_key(username)
    password = derive_srp_password("correct horse battery staple", secret_key)
    salt, verifier = create_verifier(username, password)
    r = await client.post(
        "/srp/users", json={"username": username, "srp_salt": salt, "srp_verifier": verifier}
    )
    assert r.status_code == 201
    r = await login(client, username, password)
    assert r.status_code == 200
    session = r.json()["session"]
    assert session["username"] == username
    assert session["session_authentication_string"].startswith("ks_")
    assert session["valid_from"].endswith("Z")
    assert session["valid_till"] > session["valid_from"]


async def test_the_server_proof_verifies(client: httpx.AsyncClient) -> None:
    username, password = await register(client)
    srp = SrpClient(username, password)
    challenge = (
        await client.post("/srp/challenges", json={"username": username, "srp_a": srp.public_a_hex()})
    ).json()["challenge"]
    m1 = srp.process_challenge(challenge["challenge_salt"], challenge["challenge_b"])
    r = await client.post(
        "/srp/session", json={"username": username, "srp_a": srp.public_a_hex(), "srp_m": m1}
    )
    srp.verify_server_proof(r.json()["session"]["srp_m2"])


async def test_the_token_opens_the_users_records(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    assert (await client.get("/key_encryption_key", headers=account.headers)).status_code == 404
    bearer = {"Authorization": f"Bearer {account.token}", "Meeco-Subscription-Key": "anything"}
    assert (await client.get("/key_encryption_key", headers=bearer)).status_code == 404
    r = await client.get("/key_encryption_key", headers={"Meeco-Subscription-Key": account.token})
    assert r.status_code == 401


async def test_wrong_password_fails_with_login_failed(client: httpx.AsyncClient) -> None:
    username, _ = await register(client)
    r = await login(client, username, b"wrong")
    assert r.status_code == 401
    assert r.json()["errors"][0]["error"] == "login_failed"


async def test_unknown_username_gets_a_stable_decoy_challenge(client: httpx.AsyncClient) -> None:
    real, _ = await register(client)
    answers: dict[str, list[dict[str, str]]] = {}
    for username in (real, "nobody-here", real, "nobody-here"):
        a = SrpClient(username, b"x").public_a_hex()
        r = await client.post("/srp/challenges", json={"username": username, "srp_a": a})
        assert r.status_code == 200
        challenge = r.json()["challenge"]
        assert re.fullmatch(r"[0-9a-f]{64}", challenge["challenge_salt"])
        assert re.fullmatch(r"[0-9a-f]{512}", challenge["challenge_b"])
        answers.setdefault(username, []).append(challenge)
    assert answers["nobody-here"][0]["challenge_salt"] == answers["nobody-here"][1]["challenge_salt"]
    assert answers["nobody-here"][0]["challenge_b"] != answers["nobody-here"][1]["challenge_b"]
    assert answers["nobody-here"][0]["challenge_salt"] != answers[real][0]["challenge_salt"]
    r = await login(client, "nobody-here", b"x")
    assert r.status_code == 401
    assert r.json()["errors"][0]["error"] == "login_failed"


async def test_decoy_salt_survives_a_restart(settings: Settings, clock: FrozenClock) -> None:
    salts = []
    for _ in range(2):
        async with app_client(create_app(settings, clock=clock)) as client:
            a = SrpClient("ghost", b"x").public_a_hex()
            r = await client.post("/srp/challenges", json={"username": "ghost", "srp_a": a})
            salts.append(r.json()["challenge"]["challenge_salt"])
    assert salts[0] == salts[1]


async def test_a_zero_a_is_refused(client: httpx.AsyncClient) -> None:
    from strongroom.crypto import N

    for value in ("00" * 256, format(N, "0512x")):
        r = await client.post("/srp/challenges", json={"username": "anyone", "srp_a": value})
        assert r.status_code == 422
        assert r.json()["errors"][0]["error"] == "invalid_srp_value"


async def test_a_challenge_is_single_use_even_after_a_wrong_proof(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    username, password = await register(client)
    srp = SrpClient(username, password)
    challenge = (
        await client.post("/srp/challenges", json={"username": username, "srp_a": srp.public_a_hex()})
    ).json()["challenge"]
    good = srp.process_challenge(challenge["challenge_salt"], challenge["challenge_b"])
    bad = "00" * 32
    body = {"username": username, "srp_a": srp.public_a_hex()}
    assert (await client.post("/srp/session", json={**body, "srp_m": bad})).status_code == 401
    # The wrong guess burnt the challenge: the right proof for it no longer works.
    assert (await client.post("/srp/session", json={**body, "srp_m": good})).status_code == 401
    assert await count(app, SrpChallenge, SrpChallenge.username == username) == 0


async def test_a_used_challenge_cannot_open_a_second_session(client: httpx.AsyncClient, app: FastAPI) -> None:
    username, password = await register(client)
    srp = SrpClient(username, password)
    challenge = (
        await client.post("/srp/challenges", json={"username": username, "srp_a": srp.public_a_hex()})
    ).json()["challenge"]
    body = {
        "username": username,
        "srp_a": srp.public_a_hex(),
        "srp_m": srp.process_challenge(challenge["challenge_salt"], challenge["challenge_b"]),
    }
    assert (await client.post("/srp/session", json=body)).status_code == 200
    assert (await client.post("/srp/session", json=body)).status_code == 401
    assert await count(app, Session) == 1


async def test_racing_proofs_for_one_challenge_open_one_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    username, password = await register(client)
    srp = SrpClient(username, password)
    challenge = (
        await client.post("/srp/challenges", json={"username": username, "srp_a": srp.public_a_hex()})
    ).json()["challenge"]
    body = {
        "username": username,
        "srp_a": srp.public_a_hex(),
        "srp_m": srp.process_challenge(challenge["challenge_salt"], challenge["challenge_b"]),
    }
    results = await asyncio.gather(*(client.post("/srp/session", json=body) for _ in range(3)))
    assert sorted(r.status_code for r in results) == [200, 401, 401]
    assert await count(app, Session) == 1


async def test_an_expired_challenge_fails(
    client: httpx.AsyncClient, clock: FrozenClock, settings: Settings
) -> None:
    username, password = await register(client)
    srp = SrpClient(username, password)
    challenge = (
        await client.post("/srp/challenges", json={"username": username, "srp_a": srp.public_a_hex()})
    ).json()["challenge"]
    m1 = srp.process_challenge(challenge["challenge_salt"], challenge["challenge_b"])
    clock.advance(settings.srp_challenge_lifetime + 1)
    r = await client.post(
        "/srp/session", json={"username": username, "srp_a": srp.public_a_hex(), "srp_m": m1}
    )
    assert r.status_code == 401


async def test_a_proof_without_any_challenge_fails(client: httpx.AsyncClient) -> None:
    username, password = await register(client)
    srp = SrpClient(username, password)
    r = await client.post(
        "/srp/session", json={"username": username, "srp_a": srp.public_a_hex(), "srp_m": "ab" * 32}
    )
    assert r.status_code == 401
    assert r.json()["errors"][0]["error"] == "login_failed"


async def test_session_expires_after_its_lifetime(
    client: httpx.AsyncClient, clock: FrozenClock, settings: Settings
) -> None:
    account = await sign_up(client)
    clock.advance(settings.session_lifetime - 1)
    assert (await client.get("/keypairs", headers=account.headers)).status_code == 200
    clock.advance(2)
    r = await client.get("/keypairs", headers=account.headers)
    assert r.status_code == 401
    assert r.json()["errors"][0]["error"] == "unauthorized"


async def test_logout_ends_only_the_current_session(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    other = (await login(client, account.username, account.password)).json()["session"]
    r = await client.delete("/session", headers=account.headers)
    assert r.status_code == 204
    assert (await client.get("/keypairs", headers=account.headers)).status_code == 401
    assert (await client.delete("/session", headers=account.headers)).status_code == 401
    assert (
        await client.get("/keypairs", headers=auth(other["session_authentication_string"]))
    ).status_code == 200


async def test_logout_everywhere(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    tokens = [
        (await login(client, account.username, account.password)).json()["session"][
            "session_authentication_string"
        ]
        for _ in range(2)
    ]
    stranger = await sign_up(client)
    assert (await client.delete("/session/all", headers=account.headers)).status_code == 204
    for token in [account.token, *tokens]:
        assert (await client.get("/keypairs", headers=auth(token))).status_code == 401
    assert (await client.get("/keypairs", headers=stranger.headers)).status_code == 200


async def test_logout_everywhere_else_keeps_the_current_session(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    other = (await login(client, account.username, account.password)).json()["session"]
    r = await client.delete(
        "/session/all", params={"delete_all_sessions_params": "1"}, headers=account.headers
    )
    assert r.status_code == 204
    assert (await client.get("/keypairs", headers=account.headers)).status_code == 200
    assert (
        await client.get("/keypairs", headers=auth(other["session_authentication_string"]))
    ).status_code == 401


async def test_tokens_are_stored_only_as_hashes(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await sign_up(client)
    async with app.state.sessions() as session:
        stored = (await session.execute(select(Session.token_hash))).scalars().all()
    assert account.token not in stored
    assert len(account.token) >= 40  # "ks_" + 43 url-safe characters = 256 random bits


async def proof_for(client: httpx.AsyncClient, username: str, password: bytes) -> dict[str, str]:
    srp = SrpClient(username, password)
    challenge = (
        await client.post("/srp/challenges", json={"username": username, "srp_a": srp.public_a_hex()})
    ).json()["challenge"]
    return {
        "srp_a": srp.public_a_hex(),
        "srp_m": srp.process_challenge(challenge["challenge_salt"], challenge["challenge_b"]),
    }


async def test_account_deletion_needs_a_fresh_proof_and_removes_everything(
    client: httpx.AsyncClient, app: FastAPI, clock: FrozenClock
) -> None:
    from strongroom.keystore.models import EncryptionSpaceKey, Keypair, KeypairExternalId, User
    from tests.keystore.helpers import (
        claim_signature,
        rsa_keypair,
        share_space,
        wrapped_key,
        wrapped_private_key,
    )

    doomed, other = await sign_up(client), await sign_up(client)
    h = doomed.headers
    await client.post("/key_encryption_key", json={"serialized_key_encryption_key": wrapped_key()}, headers=h)
    pair = rsa_keypair(1)
    keypair = {"public_key": pair.public_pem, "encrypted_serialized_key": wrapped_private_key(pair)}
    await client.post("/keypairs", json={**keypair, "external_identifiers": ["auth"]}, headers=h)
    space_id = await share_space(client, doomed, pair)
    claim = {"public_key": pair.public_pem, "request_signature": claim_signature(pair, space_id, clock.now())}
    assert (
        await client.post(f"/shared_keys/{space_id}/claim_key", json=claim, headers=other.headers)
    ).status_code == 200
    join = {"encrypted_serialized_key": wrapped_key(), "encryption_space_id": space_id}
    assert (await client.post("/encryption_spaces", json=join, headers=other.headers)).status_code == 201

    wrong = await proof_for(client, doomed.username, b"not the password")
    r = await client.request("DELETE", "/users/me", json=wrong, headers=h)
    assert r.status_code == 401
    assert r.json()["errors"][0]["error"] == "login_failed"
    assert (await client.get("/keypairs/external_id/auth", headers=h)).status_code == 200
    # Another user's proof does not delete this account either.
    theirs = await proof_for(client, other.username, other.password)
    assert (await client.request("DELETE", "/users/me", json=theirs, headers=h)).status_code == 401

    right = await proof_for(client, doomed.username, doomed.password)
    assert (await client.request("DELETE", "/users/me", json=right, headers=h)).status_code == 204
    assert (await client.get("/keypairs", headers=h)).status_code == 401
    assert (await login(client, doomed.username, doomed.password)).status_code == 401
    assert (await client.get(f"/encryption_spaces/{space_id}", headers=other.headers)).status_code == 404
    assert (await client.get("/keypairs", headers=other.headers)).status_code == 200
    assert await count(app, User, User.username == doomed.username) == 0
    for model in (Keypair, KeypairExternalId, EncryptionSpaceKey):
        assert await count(app, model) == 0, model
    # The username can be registered again.
    await register(client, doomed.username)


def test_decoy_verifier_is_stable_and_verifier_shaped() -> None:
    from strongroom.crypto import N, check_verifier
    from strongroom.keystore.srp.decoy import decoy_salt, decoy_verifier

    secret = b"s" * 32
    first = decoy_verifier("ghost", secret)
    assert first == decoy_verifier("ghost", secret)
    assert first != decoy_verifier("ghost2", secret)
    assert first != decoy_verifier("ghost", b"t" * 32)
    assert re.fullmatch(r"[0-9a-f]{512}", first)
    assert 0 < int(first, 16) < N
    check_verifier(decoy_salt("ghost", secret), first)


async def test_odd_or_non_hex_srp_values_answer_422(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    for value in ("400", "zz", "", "ab" * 257):
        for path, body, headers in (
            ("/srp/challenges", {"username": account.username, "srp_a": value}, {}),
            ("/srp/session", {"username": account.username, "srp_a": value, "srp_m": "ab" * 32}, {}),
            ("/users/me", {"srp_a": value, "srp_m": "ab" * 32}, account.headers),
        ):
            method = "DELETE" if path == "/users/me" else "POST"
            r = await client.request(method, path, json=body, headers=headers)
            assert r.status_code == 422, (path, value, r.text)
            assert r.json()["errors"][0]["error"] == "validation_failed"
    r = await client.post(
        "/srp/session", json={"username": account.username, "srp_a": "ab" * 256, "srp_m": "abc"}
    )
    assert r.status_code == 422
    assert (await client.get("/keypairs", headers=account.headers)).status_code == 200
