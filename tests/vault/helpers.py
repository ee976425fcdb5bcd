"""Helpers of the Vault tests: signing users up, connecting them, making encrypted values."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from strongroom.crypto import KeyPair, decrypt_with_private_key, encrypt_with_key, generate_key, sign
from strongroom.kit.auth import service_authorization
from strongroom.vault.accounts.proof import deletion_text

SERVICE = service_authorization("test-service-credential")


class KeyPool:
    """Hands out distinct key pairs from a pre-generated pool (each user needs its own login key)."""

    def __init__(self, material: list[KeyPair]) -> None:
        self._material = material
        self._next = 0

    def take(self) -> KeyPair:
        if self._next >= len(self._material):
            raise RuntimeError("key pool exhausted: enlarge key_material")
        pair = self._material[self._next]
        self._next += 1
        return pair


@dataclass
class VaultUser:
    id: str
    token: str
    login: KeyPair
    dek: bytes

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.token}

    def encrypt(self, text: str) -> str:
        return encrypt_with_key(self.dek, text.encode())


async def admission_token(client: httpx.AsyncClient) -> str:
    response = await client.post("/admission_tokens", headers=SERVICE)
    assert response.status_code == 201, response.text
    value: str = response.json()["admission_token"]["token_value"]
    return value


async def sign_up(client: httpx.AsyncClient, keys: KeyPool, *, full_name: str | None = None) -> VaultUser:
    login = keys.take()
    token_value = await admission_token(client)
    response = await client.post("/me", json={"public_key": login.public_pem, "admission_token": token_value})
    assert response.status_code == 201, response.text
    body = response.json()
    token = decrypt_with_private_key(
        login.private_pem, body["encrypted_session_authentication_string"]
    ).decode()
    user = VaultUser(id=body["user"]["id"], token=token, login=login, dek=generate_key())
    if full_name is not None:
        r = await client.put("/me", json={"user": {"full_name": full_name}}, headers=user.headers)
        assert r.status_code == 200, r.text
    return user


async def add_public_key(client: httpx.AsyncClient, user: VaultUser, pair: KeyPair) -> dict[str, Any]:
    response = await client.post(
        "/key_store/public_keys",
        json={
            "key_store_id": str(uuid.uuid4()),
            "encryption_strategy": "Rsa2048",
            "public_key": pair.public_pem,
        },
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    key: dict[str, Any] = response.json()["public_key"]
    return key


async def invite(client: httpx.AsyncClient, user: VaultUser, key_id: str, **extra: Any) -> dict[str, Any]:
    response = await client.post(
        "/invitations",
        json={"public_key_id": key_id, "encrypted_recipient_name": user.encrypt("friend"), **extra},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    invitation: dict[str, Any] = response.json()["invitation"]
    return invitation


async def connect(
    client: httpx.AsyncClient, keys: KeyPool, inviter: VaultUser, accepter: VaultUser
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Connect two users; returns (inviter's connection record, accepter's connection record)."""
    inviter_key = await add_public_key(client, inviter, keys.take())
    accepter_key = await add_public_key(client, accepter, keys.take())
    invitation = await invite(client, inviter, inviter_key["id"])
    response = await client.post(
        "/connections",
        json={
            "public_key_id": accepter_key["id"],
            "encrypted_recipient_name": accepter.encrypt("inviter"),
            "invitation_token": invitation["token"],
        },
        headers=accepter.headers,
    )
    assert response.status_code == 201, response.text
    accepter_record: dict[str, Any] = response.json()["connection"]
    listing = await client.get("/connections", headers=inviter.headers)
    inviter_record = next(c for c in listing.json()["connections"] if c["user_id"] == accepter.id)
    return inviter_record, accepter_record


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["error"]
    return code


def deletion_signature(
    private_pem: str, *, when: datetime | None = None, base_url: str = "http://127.0.0.1/vault"
) -> str:
    """The fresh proof ``DELETE /me`` needs: the login private key's signature over the deletion text."""
    stamp = (when or datetime.now(UTC)).isoformat()
    return sign(private_pem, deletion_text(base_url, stamp).encode("utf-8"))


async def delete_me(client: httpx.AsyncClient, user: VaultUser) -> httpx.Response:
    """``DELETE /me`` as ``user``, with a fresh proof made by its login key."""
    body = {"request_signature": deletion_signature(user.login.private_pem)}
    return await client.request("DELETE", "/me", json=body, headers=user.headers)
