"""What the Keystore tests share: a test Vault, SRP sign-up and login, key material, claim signatures."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI, Header, HTTPException, Response

from strongroom.crypto import (
    KeyPair,
    SrpClient,
    create_verifier,
    encrypt_with_public_key,
    generate_key,
    generate_keypair,
    sign,
    wrap_key,
    wrap_private_key,
)
from strongroom.kit.clock import isoformat
from tests.support import auth

SERVICE_CREDENTIAL = "test-service-credential"


@functools.cache
def rsa_keypair(index: int, bits: int = 2048) -> KeyPair:
    """A cached RSA keypair per index (2048 bits keeps the tests fast; the Keystore takes any size ≥ 2048)."""
    return generate_keypair(bits)


@dataclass
class FakeVault:
    """A stand-in for the Vault's admission-token endpoints, used only in tests.

    ``mode``: "ok", "error" (answers 500), "crash" (raises), "garbage" (200 with a body of the wrong shape),
    "refuse" (403).
    """

    mode: str = "ok"
    tokens: dict[str, bool] = field(default_factory=dict)
    issued: int = 0
    lookups: int = 0

    def app(self) -> FastAPI:
        vault = self
        app = FastAPI()

        def check(authorization: str | None) -> None:
            if authorization != f"Service {SERVICE_CREDENTIAL}":
                raise HTTPException(401)

        def answer(status: int, value: str) -> Any:
            if vault.mode == "error":
                return Response(status_code=500)
            if vault.mode == "crash":
                raise RuntimeError("the Vault fell over")
            if vault.mode == "refuse":
                return Response(status_code=403)
            if vault.mode == "garbage":
                return {"admission": "nope"}
            body = {
                "admission_token": {
                    "id": f"id-{value[-6:]}",
                    "token_value": value,
                    "used": vault.tokens[value],
                }
            }
            return Response(content=_json(body), status_code=status, media_type="application/json")

        @app.post("/admission_tokens")
        async def issue(authorization: str | None = Header(default=None)) -> Any:
            check(authorization)
            value = f"adm_{secrets.token_urlsafe(32)}"
            vault.tokens[value] = False
            vault.issued += 1
            return answer(201, value)

        @app.get("/admission_tokens/{token_value}")
        async def lookup(token_value: str, authorization: str | None = Header(default=None)) -> Any:
            check(authorization)
            vault.lookups += 1
            if token_value not in vault.tokens:
                raise HTTPException(404)
            return answer(200, token_value)

        return app


def _json(body: Any) -> str:
    import json

    return json.dumps(body)


@dataclass
class Account:
    username: str
    password: bytes
    token: str

    @property
    def headers(self) -> dict[str, Any]:
        return auth(self.token)


async def register(client: httpx.AsyncClient, username: str | None = None) -> tuple[str, bytes]:
    """Create an account (a reserved username unless given) with a random SRP password."""
    if username is None:
        r = await client.post("/srp/username", json={})
        assert r.status_code == 200, r.text
        username = r.json()["username"]
    assert username is not None
    password = secrets.token_bytes(32)
    salt, verifier = create_verifier(username, password)
    r = await client.post(
        "/srp/users", json={"username": username, "srp_salt": salt, "srp_verifier": verifier}
    )
    assert r.status_code == 201, r.text
    return username, password


async def login(client: httpx.AsyncClient, username: str, password: bytes) -> httpx.Response:
    """One whole SRP login; returns the ``POST /srp/session`` response."""
    srp = SrpClient(username, password)
    r = await client.post("/srp/challenges", json={"username": username, "srp_a": srp.public_a_hex()})
    assert r.status_code == 200, r.text
    challenge = r.json()["challenge"]
    m1 = srp.process_challenge(challenge["challenge_salt"], challenge["challenge_b"])
    return await client.post(
        "/srp/session", json={"username": username, "srp_a": srp.public_a_hex(), "srp_m": m1}
    )


async def sign_up(client: httpx.AsyncClient) -> Account:
    username, password = await register(client)
    r = await login(client, username, password)
    assert r.status_code == 200, r.text
    return Account(username, password, r.json()["session"]["session_authentication_string"])


def wrapped_key() -> str:
    """Some key wrapped as Aes256Gcm under some KEK (what a client stores)."""
    return wrap_key(generate_key(), generate_key())


def wrapped_private_key(pair: KeyPair) -> str:
    return wrap_private_key(generate_key(), pair.private_pem)


def rsa_wrapped_key(pair: KeyPair) -> str:
    return encrypt_with_public_key(pair.public_pem, generate_key())


def claim_signature(pair: KeyPair, space_id: str, when: datetime, base: str = "http://testserver") -> str:
    text = f"{base}/shared_keys/{space_id}/claim_key--request-timestamp={isoformat(when)}"
    return sign(pair.private_pem, text.encode("utf-8"))


async def new_space(client: httpx.AsyncClient, account: Account) -> str:
    r = await client.post(
        "/encryption_spaces", json={"encrypted_serialized_key": wrapped_key()}, headers=account.headers
    )
    assert r.status_code == 201, r.text
    space_id: str = r.json()["encryption_space_data_encryption_key"]["encryption_space_id"]
    return space_id


async def share_space(client: httpx.AsyncClient, owner: Account, recipient_key: KeyPair) -> str:
    """A new space of ``owner`` with a shared key for ``recipient_key``; returns the space id."""
    space_id = await new_space(client, owner)
    r = await client.post(
        "/shared_keys",
        json={
            "encrypted_key": rsa_wrapped_key(recipient_key),
            "external_id": space_id,
            "public_key": recipient_key.public_pem,
            "key_metadata": {"key_type": "AES-GCM"},
        },
        headers=owner.headers,
    )
    assert r.status_code == 201, r.text
    return space_id
