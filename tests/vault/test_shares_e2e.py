"""The seed's flow end to end over real HTTP: both services under uvicorn on 127.0.0.1, two users, and
``strongroom.crypto`` doing everything a client does (sign up, connect, share, claim, read, update through
the client task, revoke). Afterwards neither database holds any of the plaintext the users wrote."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import MetaData, select

from strongroom import crypto
from strongroom.kit.clock import FrozenClock, isoformat
from strongroom.kit.db import create_engine
from strongroom.kit.settings import Settings
from strongroom.server import create_app

pytestmark = pytest.mark.e2e

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


@pytest.fixture
async def base(settings: Settings, clock: FrozenClock) -> AsyncIterator[str]:
    with serving(settings, clock) as url:
        yield url


async def test_the_seed_flow_over_http(base: str, settings: Settings, clock: FrozenClock) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        alice, bob = await sign_up(http, "Alice"), await sign_up(http, "Bob")

        # Invitation (Alice, 1–9) and acceptance (Bob, 10–16).
        _, _, alice_key = await connection_key(http, alice)
        nickname = "Bob from the canary works"
        alice.canaries.append(nickname)
        invitation = ok(
            await http.post(
                "/vault/invitations",
                json={
                    "public_key_id": alice_key,
                    "encrypted_recipient_name": crypto.encrypt_with_key(alice.dek, nickname.encode()),
                },
                headers=alice.v,
            ),
            201,
        )["invitation"]
        _, _, bob_key = await connection_key(http, bob)
        bob_connection = ok(
            await http.post(
                "/vault/connections",
                json={
                    "public_key_id": bob_key,
                    "encrypted_recipient_name": crypto.encrypt_with_key(bob.dek, b"Alice"),
                    "invitation_token": invitation["token"],
                },
                headers=bob.v,
            ),
            201,
        )["connection"]
        # Alice's record is the one whose other key is Bob's (how the reference client pairs them).
        alice_connection = next(
            c
            for c in ok(await http.get("/vault/connections", headers=alice.v))["connections"]
            if c["other_user_connection_public_key"] == bob_connection["public_key"]
        )
        assert alice_connection["user_id"] == bob.id

        # A card, its values under Alice's private DEK.
        plain = {"vin": f"VIN-canary-{secrets.token_hex(4)}", "make": f"Make-canary-{secrets.token_hex(4)}"}
        alice.canaries += list(plain.values())
        card = ok(
            await http.post(
                "/vault/items",
                json={
                    "template_name": "vehicle",
                    "item": {
                        "label": "My car",
                        "slots_attributes": [
                            {"name": k, "encrypted_value": crypto.encrypt_with_key(alice.dek, v.encode())}
                            for k, v in plain.items()
                        ],
                    },
                },
                headers=alice.v,
            ),
            201,
        )
        item_id = card["item"]["id"]

        # Creating the share (Alice, 23–31).
        share_dek = crypto.generate_key()
        space = ok(
            await http.post(
                "/keystore/encryption_spaces",
                json={"encrypted_serialized_key": crypto.wrap_key(alice.kek, share_dek)},
                headers=alice.ks,
            ),
            201,
        )["encryption_space_data_encryption_key"]
        space_id = space["encryption_space_id"]
        ok(
            await http.post(
                "/keystore/shared_keys",
                json={
                    "encrypted_key": crypto.encrypt_with_public_key(
                        alice_connection["other_user_connection_public_key"], share_dek
                    ),
                    "external_id": space_id,
                    "public_key": alice_connection["other_user_connection_public_key"],
                    "key_metadata": {"key_type": "Aes256Gcm"},
                },
                headers=alice.ks,
            ),
            201,
        )
        linked = ok(
            await http.post(
                f"/vault/connections/{alice_connection['id']}/encryption_space",
                json={"encryption_space_id": space_id},
                headers=alice.v,
            ),
            201,
        )
        assert linked == {"encryption_space": {"id": space_id, "connection_id": alice_connection["id"]}}
        own_slots = ok(await http.get(f"/vault/items/{item_id}", headers=alice.v))["slots"]
        values = {
            slot["id"]: crypto.encrypt_with_key(
                share_dek, crypto.decrypt_with_key(alice.dek, slot["encrypted_value"])
            )
            for slot in own_slots
            if slot["encrypted_value"]
        }
        created = ok(
            await http.post(
                "/vault/shares",
                json={
                    "shares": [
                        {
                            "shareable_type": "Item",
                            "shareable_id": item_id,
                            "connection_id": alice_connection["id"],
                            "encryption_space_id": space_id,
                            "encrypted_values": values,
                            "distributable": False,
                            "outgoing": True,
                            "user_id": bob.id,
                        }
                    ]
                },
                headers=alice.v,
            ),
            201,
        )
        share_id = created["shares"][0]["id"]

        # Reading the share (Bob, 33–43).
        incoming = ok(await http.get("/vault/shares?outgoing=false", headers=bob.v))["shares"]
        assert [(s["id"], s["connection_id"], s["encryption_space_id"]) for s in incoming] == [
            (share_id, bob_connection["id"], space_id)
        ]
        dek = await claim_space_key(
            http, base, bob, bob_connection["id"], space_id, isoformat(clock.now()) or ""
        )
        detail = ok(await http.get(f"/vault/shares/{share_id}", headers=bob.v))
        assert decrypt_share(dek, detail["share"], detail["slots"]) == plain
        # Later reads use Bob's own KEK-wrapped copy.
        assert await own_space_key(http, bob, space_id) == share_dek

        # Alice edits the card: a client task asks her to update the share (owner edits).
        plain["vin"] = f"VIN-canary-{secrets.token_hex(4)}"
        alice.canaries.append(plain["vin"])
        vin_slot = next(s for s in own_slots if s["name"] == "vin")
        ok(
            await http.put(
                f"/vault/items/{item_id}",
                json={
                    "item": {
                        "slots_attributes": [
                            {
                                "id": vin_slot["id"],
                                "encrypted_value": crypto.encrypt_with_key(alice.dek, plain["vin"].encode()),
                            }
                        ]
                    }
                },
                headers=alice.v,
            )
        )
        [task] = ok(await http.get("/vault/client_task_queue?state=todo", headers=alice.v))["client_tasks"]
        assert (task["work_type"], task["target_id"]) == ("update_shares", item_id)
        ok(
            await http.put(
                "/vault/client_task_queue",
                json={"client_tasks": [{"id": task["id"], "state": "in_progress"}]},
                headers=alice.v,
            )
        )
        current = ok(await http.get(f"/vault/items/{item_id}", headers=alice.v))["slots"]
        mine = ok(await http.get(f"/vault/shares?outgoing=true&shareable_id={item_id}", headers=alice.v))[
            "shares"
        ]
        for share in mine:
            key = await own_space_key(http, alice, share["encryption_space_id"])
            fresh = {
                s["id"]: crypto.encrypt_with_key(
                    key, crypto.decrypt_with_key(alice.dek, s["encrypted_value"])
                )
                for s in current
                if s["encrypted_value"]
            }
            ok(
                await http.put(
                    "/vault/shares",
                    json={
                        "shares": [
                            {"id": share["id"], "encrypted_values": fresh, "version": share["version"]}
                        ]
                    },
                    headers=alice.v,
                )
            )
        ok(
            await http.put(
                "/vault/client_task_queue",
                json={
                    "client_tasks": [
                        {"id": task["id"], "state": "done", "report": {"updated_shares": len(mine)}}
                    ]
                },
                headers=alice.v,
            )
        )
        detail = ok(await http.get(f"/vault/shares/{share_id}", headers=bob.v))
        assert (
            decrypt_share(await own_space_key(http, bob, space_id), detail["share"], detail["slots"]) == plain
        )

        # Revocation: Bob gets 404 from then on; Alice deletes the Keystore space too.
        assert (await http.delete(f"/vault/shares/{share_id}", headers=alice.v)).status_code == 204
        gone = await http.get(f"/vault/shares/{share_id}", headers=bob.v)
        assert gone.status_code == 404
        assert (
            await http.delete(f"/keystore/encryption_spaces/{space_id}", headers=alice.ks)
        ).status_code == 204
        assert (await http.get(f"/keystore/encryption_spaces/{space_id}", headers=bob.ks)).status_code == 404

    # Neither database holds a plaintext the users wrote, nor a passphrase or secret key.
    from strongroom.keystore.models import Base as KeystoreBase
    from strongroom.vault.models import Base as VaultBase

    everything = await dump(settings.vault_database_url, VaultBase.metadata) + await dump(
        settings.keystore_database_url, KeystoreBase.metadata
    )
    assert everything
    for canary in alice.canaries + bob.canaries:
        assert canary not in everything
    for key in (alice.kek, alice.dek, bob.kek, bob.dek, share_dek):
        assert crypto.b64encode(key) not in everything
