"""A hand-made client for the end-to-end share test: every step the seed's flow asks of a client, done
with ``strongroom.crypto`` and plain HTTP against both services (``/keystore`` and ``/vault``)."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from sqlalchemy import MetaData, select

from strongroom import crypto
from strongroom.kit.clock import FrozenClock
from strongroom.kit.db import create_engine
from strongroom.kit.settings import Settings
from strongroom.server import create_app

KEY_BITS = 4096


@contextmanager
def serving(settings: Settings, clock: FrozenClock) -> Iterator[str]:
    """Both services on a free port of 127.0.0.1 (uvicorn in a thread) until the block ends."""
    config = uvicorn.Config(
        create_app(settings, clock=clock), host="127.0.0.1", port=0, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="vault-b-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@dataclass
class Client:
    """One user's client: the keys it derived or made, and its two tokens."""

    name: str
    id: str
    passphrase: str
    secret_key: str
    kek: bytes
    dek: bytes
    ks_token: str
    vault_token: str
    canaries: list[str]

    @property
    def ks(self) -> dict[str, str]:
        return {"Authorization": self.ks_token}

    @property
    def v(self) -> dict[str, str]:
        return {"Authorization": self.vault_token}


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    body: dict[str, Any] = response.json()
    return body


async def sign_up(http: httpx.AsyncClient, name: str) -> Client:
    """Sign-up steps 1–8: SRP account, admission, KEK, login keypair, Vault account, private DEK."""
    username = ok(await http.post("/keystore/srp/username", json={}))["username"]
    secret_key = crypto.generate_secret_key(username)
    passphrase = f"{name} passphrase {secrets.token_hex(8)}"
    password = crypto.derive_srp_password(passphrase, secret_key)
    salt, verifier = crypto.create_verifier(username, password)
    ok(
        await http.post(
            "/keystore/srp/users", json={"username": username, "srp_salt": salt, "srp_verifier": verifier}
        ),
        201,
    )
    srp = crypto.SrpClient(username, password)
    challenge = ok(
        await http.post("/keystore/srp/challenges", json={"username": username, "srp_a": srp.public_a_hex()})
    )
    m1 = srp.process_challenge(
        challenge["challenge"]["challenge_salt"], challenge["challenge"]["challenge_b"]
    )
    session = ok(
        await http.post(
            "/keystore/srp/session", json={"username": username, "srp_a": srp.public_a_hex(), "srp_m": m1}
        )
    )["session"]
    ks = {"Authorization": session["session_authentication_string"]}
    admission = ok(await http.get("/keystore/external_admission_tokens", headers=ks))
    admission_token = admission["external_admission_token"]["vault_api_admission_token"]
    pdk = crypto.derive_pdk(passphrase, secret_key)
    kek = crypto.generate_key()
    ok(
        await http.post(
            "/keystore/key_encryption_key",
            json={"serialized_key_encryption_key": crypto.wrap_key(pdk, kek)},
            headers=ks,
        ),
        201,
    )
    login = crypto.generate_keypair(KEY_BITS)
    ok(
        await http.post(
            "/keystore/keypairs",
            json={
                "public_key": login.public_pem,
                "encrypted_serialized_key": crypto.wrap_private_key(kek, login.private_pem),
                "metadata": {},
                "external_identifiers": ["auth"],
            },
            headers=ks,
        ),
        201,
    )
    me = ok(
        await http.post(
            "/vault/me", json={"public_key": login.public_pem, "admission_token": admission_token}
        ),
        201,
    )
    vault_token = crypto.decrypt_with_private_key(
        login.private_pem, me["encrypted_session_authentication_string"]
    ).decode()
    dek = crypto.generate_key()
    stored = ok(
        await http.post(
            "/keystore/data_encryption_keys",
            json={"serialized_data_encryption_key": crypto.wrap_key(kek, dek)},
            headers=ks,
        ),
        201,
    )
    ok(
        await http.put(
            "/vault/me",
            json={"user": {"private_encryption_space_id": stored["data_encryption_key"]["id"]}},
            headers={"Authorization": vault_token},
        )
    )
    return Client(
        name,
        me["user"]["id"],
        passphrase,
        secret_key,
        kek,
        dek,
        session["session_authentication_string"],
        vault_token,
        [passphrase, secret_key],
    )


async def connection_key(http: httpx.AsyncClient, user: Client) -> tuple[crypto.KeyPair, str, str]:
    """Steps 1–6 / 10–14: a connection keypair, wrapped in the Keystore, its public half in the Vault."""
    pair = crypto.generate_keypair(KEY_BITS)
    keypair = ok(
        await http.post(
            "/keystore/keypairs",
            json={
                "public_key": pair.public_pem,
                "encrypted_serialized_key": crypto.wrap_private_key(user.kek, pair.private_pem),
                "metadata": {},
                "external_identifiers": [],
            },
            headers=user.ks,
        ),
        201,
    )["keypair"]
    public = ok(
        await http.post(
            "/vault/key_store/public_keys",
            json={
                "key_store_id": keypair["id"],
                "encryption_strategy": f"Rsa{KEY_BITS}",
                "public_key": pair.public_pem,
            },
            headers=user.v,
        ),
        201,
    )["public_key"]
    return pair, keypair["id"], public["id"]


async def claim_space_key(
    http: httpx.AsyncClient, base: str, user: Client, connection_id: str, space_id: str, now: str
) -> bytes:
    """Steps 35–42: claim the shared key with the connection key, keep a KEK-wrapped copy, link the space."""
    connection = ok(await http.get(f"/vault/connections/{connection_id}", headers=user.v))["connection"]
    keypair = ok(await http.get(f"/keystore/keypairs/{connection['key_store_keypair_id']}", headers=user.ks))[
        "keypair"
    ]
    private_pem = crypto.unwrap_private_key(user.kek, keypair["encrypted_serialized_key"])
    signed = f"{base}/keystore/shared_keys/{space_id}/claim_key--request-timestamp={now}"
    claimed = ok(
        await http.post(
            f"/keystore/shared_keys/{space_id}/claim_key",
            json={
                "public_key": keypair["public_key"],
                "request_signature": crypto.sign(private_pem, signed.encode()),
            },
            headers=user.ks,
        )
    )["shared_key_claimed"]
    dek = crypto.decrypt_with_private_key(private_pem, claimed["serialized_shared_key"])
    ok(
        await http.post(
            "/keystore/encryption_spaces",
            json={
                "encrypted_serialized_key": crypto.wrap_key(user.kek, dek),
                "encryption_space_id": space_id,
            },
            headers=user.ks,
        ),
        201,
    )
    ok(
        await http.post(
            f"/vault/connections/{connection_id}/encryption_space",
            json={"encryption_space_id": space_id},
            headers=user.v,
        ),
        201,
    )
    return dek


async def own_space_key(http: httpx.AsyncClient, user: Client, space_id: str) -> bytes:
    copy = ok(await http.get(f"/keystore/encryption_spaces/{space_id}", headers=user.ks))
    return crypto.unwrap_key(
        user.kek, copy["encryption_space_data_encryption_key"]["serialized_data_encryption_key"]
    )


def decrypt_share(dek: bytes, share: dict[str, Any], slots: list[dict[str, Any]]) -> dict[str, str]:
    names = {slot["id"]: slot["name"] for slot in slots}
    return {names[k]: crypto.decrypt_with_key(dek, v).decode() for k, v in share["encrypted_values"].items()}


async def dump(url: str, metadata: MetaData) -> str:
    """Every row of every table of a database, as text."""
    engine = create_engine(url)
    parts: list[str] = []
    try:
        async with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in await conn.execute(select(table)):
                    parts.append(repr(tuple(row)))
    finally:
        await engine.dispose()
    return "\n".join(parts)
