"""The seed's flow end to end over real HTTP: both services under uvicorn on 127.0.0.1, two users, and
``strongroom.crypto`` doing everything a client does (sign up, connect, share, claim, read, update through
the client task, revoke). Afterwards neither database holds any of the plaintext the users wrote."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import httpx
import pytest

from strongroom import crypto
from strongroom.kit.clock import FrozenClock, isoformat
from strongroom.kit.settings import Settings
from tests.vault.seed_client import (
    claim_space_key,
    connection_key,
    decrypt_share,
    dump,
    ok,
    own_space_key,
    serving,
    sign_up,
)

pytestmark = pytest.mark.e2e


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
