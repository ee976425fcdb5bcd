"""The encryption-space exchange between two users, end to end over real HTTP (uvicorn on 127.0.0.1)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from strongroom.crypto import (
    decrypt_with_private_key,
    encrypt_with_public_key,
    generate_key,
    unwrap_key,
    unwrap_private_key,
    wrap_key,
    wrap_private_key,
)
from tests.keystore.helpers import Account, claim_signature, rsa_keypair, sign_up


async def test_share_exchange_over_http(keystore_url: str) -> None:
    # Headers Meeco's CLI adds to every request (underscores in names) and its subscription key: tolerated.
    meeco_headers = {
        "X_MEECO_API_VERSION": "2.0.0",
        "X_MEECO_API_COMPONENT": "keystore",
        "Meeco-Subscription-Key": "k",
    }
    async with httpx.AsyncClient(base_url=keystore_url, timeout=30, headers=meeco_headers) as client:
        alice, bob = await sign_up(client), await sign_up(client)
        kek = {}
        for who in (alice, bob):
            kek[who.username] = generate_key()
            # The KEK itself would be wrapped with the PDK; any AES key does for the Keystore.
            r = await client.post(
                "/key_encryption_key",
                json={"serialized_key_encryption_key": wrap_key(generate_key(), kek[who.username])},
                headers=who.headers,
            )
            assert r.status_code == 201

        # Bob's connection keypair, stored wrapped with his KEK.
        pair = rsa_keypair(1)
        r = await client.post(
            "/keypairs",
            json={
                "public_key": pair.public_pem,
                "encrypted_serialized_key": wrap_private_key(kek[bob.username], pair.private_pem),
                "metadata": {},
                "external_identifiers": [],
            },
            headers=bob.headers,
        )
        bob_keypair_id = r.json()["keypair"]["id"]

        # Alice: a share DEK, her copy, and the copy for Bob's connection key.
        dek = generate_key()
        space_id = await create_space(client, alice, wrap_key(kek[alice.username], dek))
        r = await client.post(
            "/shared_keys",
            json={
                "encrypted_key": encrypt_with_public_key(pair.public_pem, dek),
                "external_id": space_id,
                "public_key": pair.public_pem,
                "key_metadata": {"key_type": "AES-GCM"},
            },
            headers=alice.headers,
        )
        assert r.status_code == 201

        # Bob: his private key from the Keystore, a claim signed over the URL he talks to, then his own copy.
        r = await client.get(f"/keypairs/{bob_keypair_id}", headers=bob.headers)
        private_pem = unwrap_private_key(kek[bob.username], r.json()["keypair"]["encrypted_serialized_key"])
        stored_pair = type(pair)(private_pem=private_pem, public_pem=r.json()["keypair"]["public_key"])
        signature = claim_signature(stored_pair, space_id, datetime.now(UTC), base=keystore_url)
        r = await client.post(
            f"/shared_keys/{space_id}/claim_key",
            json={"public_key": stored_pair.public_pem, "request_signature": signature},
            headers=bob.headers,
        )
        assert r.status_code == 200, r.text
        received = decrypt_with_private_key(
            private_pem, r.json()["shared_key_claimed"]["serialized_shared_key"]
        )
        assert received == dek
        r = await client.post(
            "/encryption_spaces",
            json={
                "encrypted_serialized_key": wrap_key(kek[bob.username], received),
                "encryption_space_id": space_id,
            },
            headers=bob.headers,
        )
        assert r.status_code == 201

        # Both read the same DEK from their own copy; the replayed claim is refused.
        for who in (alice, bob):
            r = await client.get(f"/encryption_spaces/{space_id}", headers=who.headers)
            copy = r.json()["encryption_space_data_encryption_key"]["serialized_data_encryption_key"]
            assert unwrap_key(kek[who.username], copy) == dek
        r = await client.post(
            f"/shared_keys/{space_id}/claim_key",
            json={"public_key": stored_pair.public_pem, "request_signature": signature},
            headers=bob.headers,
        )
        assert r.status_code == 403

        # Alice revokes: the whole space goes.
        assert (
            await client.delete(f"/encryption_spaces/{space_id}", headers=alice.headers)
        ).status_code == 204
        assert (await client.get(f"/encryption_spaces/{space_id}", headers=bob.headers)).status_code == 404


async def create_space(client: httpx.AsyncClient, owner: Account, wrapped: str) -> str:
    r = await client.post(
        "/encryption_spaces", json={"encrypted_serialized_key": wrapped}, headers=owner.headers
    )
    assert r.status_code == 201
    space_id: str = r.json()["encryption_space_data_encryption_key"]["encryption_space_id"]
    return space_id
