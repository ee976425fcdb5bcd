"""Admission tokens, sign-up (POST /me), profile (GET/PUT /me), sessions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from strongroom import crypto
from strongroom.crypto import decrypt_with_private_key, parse_encrypted
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from tests.support import app_client
from tests.vault.helpers import (
    SERVICE,
    KeyPool,
    admission_token,
    delete_me,
    deletion_signature,
    error_code,
    sign_up,
)


def small_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the point: too small
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


# --- admission tokens ------------------------------------------------------------------------------


async def test_admission_token_is_issued_to_the_service_and_reports_use(
    vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    response = await vault.post("/admission_tokens", headers=SERVICE)
    assert response.status_code == 201
    token = response.json()["admission_token"]
    assert set(token) == {"id", "token_value", "used"}
    assert token["used"] is False
    assert len(token["token_value"]) >= 40

    status = await vault.get(f"/admission_tokens/{token['token_value']}", headers=SERVICE)
    assert status.status_code == 200
    assert status.json()["admission_token"] == token

    login = keys.take()
    created = await vault.post(
        "/me", json={"public_key": login.public_pem, "admission_token": token["token_value"]}
    )
    assert created.status_code == 201
    status = await vault.get(f"/admission_tokens/{token['token_value']}", headers=SERVICE)
    assert status.json()["admission_token"]["used"] is True


async def test_admission_tokens_need_the_service_credential(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    value = await admission_token(vault)
    for headers in (
        {},
        {"Authorization": "Service wrong"},
        user.headers,
        {"Authorization": "test-service-credential"},
    ):
        assert (await vault.post("/admission_tokens", headers=headers)).status_code == 401
        response = await vault.get(f"/admission_tokens/{value}", headers=headers)
        assert response.status_code == 401
        assert error_code(response) == "service_unauthorized"


async def test_unknown_admission_token_status_is_404(vault: httpx.AsyncClient) -> None:
    response = await vault.get("/admission_tokens/adm_nothing", headers=SERVICE)
    assert response.status_code == 404


async def test_admission_token_is_stored_only_as_a_hash(vault_app: FastAPI, vault: httpx.AsyncClient) -> None:
    from sqlalchemy import select

    from strongroom.vault.models import AdmissionToken

    value = await admission_token(vault)
    async with vault_app.state.sessions() as session:
        rows = (await session.execute(select(AdmissionToken))).scalars().all()
    assert len(rows) == 1
    assert value not in rows[0].token_hash
    assert rows[0].token_hash != value


# --- sign-up ----------------------------------------------------------------------------------------


async def test_sign_up_returns_a_token_encrypted_to_the_login_key(
    vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    login = keys.take()
    value = await admission_token(vault)
    response = await vault.post("/me", json={"public_key": login.public_pem, "admission_token": value})
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["private_encryption_space_id"] is None
    assert body["user"]["full_name"] is None
    assert body["user"]["email"] is None
    assert body["associations"] == []
    assert body["organisations"] == []
    encrypted = body["encrypted_session_authentication_string"]
    assert parse_encrypted(encrypted).strategy == "Rsa2048"
    token = decrypt_with_private_key(login.private_pem, encrypted).decode()

    me = await vault.get("/me", headers={"Authorization": token})
    assert me.status_code == 200
    assert me.json()["user"]["id"] == body["user"]["id"]
    # The reference client's header form, and the Bearer form.
    assert (await vault.get("/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200


async def test_an_admission_token_admits_one_account(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    value = await admission_token(vault)
    first = await vault.post("/me", json={"public_key": keys.take().public_pem, "admission_token": value})
    assert first.status_code == 201
    again = await vault.post("/me", json={"public_key": keys.take().public_pem, "admission_token": value})
    assert again.status_code == 409
    assert error_code(again) == "admission_token_used"


async def test_racing_sign_ups_with_one_token_make_exactly_one_account(
    vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    from sqlalchemy import func, select

    from strongroom.vault.models import User

    value = await admission_token(vault)
    pems = [keys.take().public_pem for _ in range(6)]
    responses = await asyncio.gather(
        *(vault.post("/me", json={"public_key": pem, "admission_token": value}) for pem in pems)
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409]
    assert all(error_code(r) == "admission_token_used" for r in responses if r.status_code == 409)
    async with vault_app.state.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(User))).scalar_one() == 1


async def test_unknown_admission_token_is_refused(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    response = await vault.post(
        "/me", json={"public_key": keys.take().public_pem, "admission_token": "adm_guess"}
    )
    assert response.status_code == 401
    assert error_code(response) == "invalid_admission_token"


async def test_sign_up_refuses_bad_keys_without_using_the_token(
    vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    value = await admission_token(vault)
    for pem in ("not a key", small_key_pem(), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"):
        response = await vault.post("/me", json={"public_key": pem, "admission_token": value})
        assert response.status_code == 422
        assert error_code(response) == "invalid_public_key"
    status = await vault.get(f"/admission_tokens/{value}", headers=SERVICE)
    assert status.json()["admission_token"]["used"] is False


async def test_one_login_key_belongs_to_one_account(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    value = await admission_token(vault)
    crlf = user.login.public_pem.replace("\n", "\r\n")
    response = await vault.post("/me", json={"public_key": crlf, "admission_token": value})
    assert response.status_code == 409
    assert error_code(response) == "public_key_taken"
    status = await vault.get(f"/admission_tokens/{value}", headers=SERVICE)
    assert status.json()["admission_token"]["used"] is False


async def test_sign_up_body_errors(vault: httpx.AsyncClient) -> None:
    malformed = await vault.post(
        "/me", content=b'{"public_key": ', headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert error_code(malformed) == "malformed_json"
    missing = await vault.post("/me", json={"public_key": "x"})
    assert missing.status_code == 422
    assert error_code(missing) == "validation_failed"


# --- profile ----------------------------------------------------------------------------------------


async def test_profile_update_sets_and_clears_fields(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    response = await vault.put(
        "/me",
        json={
            "user": {
                "full_name": "Alice",
                "email": "alice@example.test",
                "private_encryption_space_id": "dek-1",
            },
            "ignored": True,
        },
        headers=user.headers,
    )
    assert response.status_code == 200
    body = response.json()["user"]
    assert (body["full_name"], body["email"], body["private_encryption_space_id"]) == (
        "Alice",
        "alice@example.test",
        "dek-1",
    )
    response = await vault.put("/me", json={"user": {"email": None}}, headers=user.headers)
    body = response.json()["user"]
    assert body["email"] is None
    assert body["full_name"] == "Alice"
    me = (await vault.get("/me", headers=user.headers)).json()["user"]
    assert me["private_encryption_space_id"] == "dek-1"
    assert me["email"] is None


async def test_profile_refuses_a_bad_email(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    for email in ("no-at-sign", "a@b", "x@y.z\r\nBcc: evil@example.test", "a b@c.d"):
        response = await vault.put("/me", json={"user": {"email": email}}, headers=user.headers)
        assert response.status_code == 422, email
        assert error_code(response) == "invalid_email"


async def test_me_needs_a_valid_token(vault: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "vlt_unknown"}, {"Authorization": "Bearer "}):
        for method in ("GET", "PUT", "DELETE"):
            response = await vault.request(method, "/me", headers=headers, json={"user": {}})
            assert response.status_code == 401, (method, headers)


# --- sessions ---------------------------------------------------------------------------------------


async def log_in(vault: httpx.AsyncClient, public_pem: str, private_pem: str) -> str:
    response = await vault.post("/session", json={"public_key": public_pem})
    assert response.status_code == 200, response.text
    encrypted = response.json()["session"]["encrypted_session_authentication_string"]
    return decrypt_with_private_key(private_pem, encrypted).decode()


async def test_log_in_with_the_login_key(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    token = await log_in(vault, user.login.public_pem, user.login.private_pem)
    assert token != user.token
    me = await vault.get("/me", headers={"Authorization": token})
    assert me.status_code == 200
    assert me.json()["user"]["id"] == user.id


async def test_log_in_with_an_unknown_key_answers_alike_with_a_dead_token(
    vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    await sign_up(vault, keys)
    stranger = keys.take()
    token = await log_in(vault, stranger.public_pem, stranger.private_pem)
    assert token.startswith("vlt_")
    assert (await vault.get("/me", headers={"Authorization": token})).status_code == 401


async def test_log_in_refuses_what_is_not_an_rsa_key(vault: httpx.AsyncClient) -> None:
    response = await vault.post("/session", json={"public_key": "hello"})
    assert response.status_code == 422
    assert error_code(response) == "invalid_public_key"


async def test_sessions_expire(
    settings: Settings, clock: FrozenClock, vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    user = await sign_up(vault, keys)
    clock.advance(settings.session_lifetime - 1)
    assert (await vault.get("/me", headers=user.headers)).status_code == 200
    clock.advance(1)
    assert (await vault.get("/me", headers=user.headers)).status_code == 401


async def test_log_out_ends_only_this_session(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    other = await log_in(vault, user.login.public_pem, user.login.private_pem)
    assert (await vault.delete("/session", headers=user.headers)).status_code == 204
    assert (await vault.get("/me", headers=user.headers)).status_code == 401
    assert (await vault.delete("/session", headers=user.headers)).status_code == 401
    assert (await vault.get("/me", headers={"Authorization": other})).status_code == 200


async def test_log_out_everywhere(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    second = await log_in(vault, user.login.public_pem, user.login.private_pem)
    third = await log_in(vault, user.login.public_pem, user.login.private_pem)

    response = await vault.delete("/session/all", params={"except_current": "true"}, headers=user.headers)
    assert response.status_code == 204
    assert (await vault.get("/me", headers=user.headers)).status_code == 200
    for token in (second, third):
        assert (await vault.get("/me", headers={"Authorization": token})).status_code == 401

    assert (await vault.delete("/session/all", headers=user.headers)).status_code == 204
    assert (await vault.get("/me", headers=user.headers)).status_code == 401
    # Another user's session is untouched.
    assert (await vault.get("/me", headers=bob.headers)).status_code == 200
    assert (await vault.delete("/session/all")).status_code == 401


async def test_delete_me_ends_the_account(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    user = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    assert (await delete_me(vault, user)).status_code == 204
    assert (await vault.get("/me", headers=user.headers)).status_code == 401
    token = await log_in(vault, user.login.public_pem, user.login.private_pem)
    assert (await vault.get("/me", headers={"Authorization": token})).status_code == 401
    assert (await vault.get("/me", headers=bob.headers)).status_code == 200


async def test_sessions_are_stored_only_as_hashes(
    vault_app: FastAPI, keys: KeyPool, settings: Settings
) -> None:
    from sqlalchemy import select

    from strongroom.vault.models import VaultSession

    async with app_client(vault_app) as client:
        user = await sign_up(client, keys)
        assert (await client.get("/me", headers=user.headers)).status_code == 200  # first use: the row
        async with vault_app.state.sessions() as session:
            hashes = (await session.execute(select(VaultSession.token_hash))).scalars().all()
    assert hashes
    assert all(user.token not in h for h in hashes)


async def test_delete_me_needs_a_fresh_proof_of_the_login_key(
    vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    """A session token alone deletes nothing: the login private key must sign a fresh deletion text."""
    user = await sign_up(vault, keys)
    other = keys.take()
    now = datetime.now(UTC)

    async def attempt(body: object) -> httpx.Response:
        return await vault.request("DELETE", "/me", json=body, headers=user.headers)

    response = await vault.delete("/me", headers=user.headers)
    assert (response.status_code, error_code(response)) == (400, "malformed_json")
    response = await attempt({"request_signature": "not a signature"})
    assert (response.status_code, error_code(response)) == (422, "invalid_request_signature")
    response = await attempt({"request_signature": deletion_signature(other.private_pem)})
    assert (response.status_code, error_code(response)) == (403, "proof_refused")
    for stale in (now - timedelta(minutes=10), now + timedelta(minutes=10)):
        response = await attempt(
            {"request_signature": deletion_signature(user.login.private_pem, when=stale)}
        )
        assert (response.status_code, error_code(response)) == (403, "stale_signature")
    for text in (
        f"GET http://127.0.0.1/vault/me--request-timestamp={now.isoformat()}",
        f"DELETE http://127.0.0.1/vault/items--request-timestamp={now.isoformat()}",
        f"http://127.0.0.1/vault/me--request-timestamp={now.isoformat()}",
    ):
        response = await attempt({"request_signature": crypto.sign(user.login.private_pem, text.encode())})
        assert (response.status_code, error_code(response)) == (403, "proof_refused")
    # Every refusal left the account as it was.
    assert (await vault.get("/me", headers=user.headers)).status_code == 200
    assert (await delete_me(vault, user)).status_code == 204


async def test_a_used_deletion_signature_is_refused_again(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    """A captured signature cannot delete a later account that signs up with the same login key."""
    user = await sign_up(vault, keys)
    signature = deletion_signature(user.login.private_pem)
    body = {"request_signature": signature}
    assert (await vault.request("DELETE", "/me", json=body, headers=user.headers)).status_code == 204
    token_value = await admission_token(vault)
    created = await vault.post(
        "/me", json={"public_key": user.login.public_pem, "admission_token": token_value}
    )
    assert created.status_code == 201, created.text
    token = crypto.decrypt_with_private_key(
        user.login.private_pem, created.json()["encrypted_session_authentication_string"]
    ).decode()
    again = await vault.request("DELETE", "/me", json=body, headers={"Authorization": token})
    assert (again.status_code, error_code(again)) == (403, "signature_replayed")
    assert (await vault.get("/me", headers={"Authorization": token})).status_code == 200
