"""Live interop: jsrp 0.2.4 (Meeco's SRP client) and @meeco/cryppo 2.0.2 against our Keystore over HTTP.

Driven through ``node tools/interop/peer.mjs``. Skipped with a visible reason when Node or
tools/interop/node_modules is missing; under CI=true that is a failure instead.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from strongroom.crypto import (
    SrpClient,
    derive_srp_password,
    encrypt_with_public_key,
    generate_key,
    generate_secret_key,
    parse_secret_key,
    pbkdf2_sha256,
)
from strongroom.kit.clock import isoformat
from tests.interop.peer import MISSING_REASON, TOOL_DIR, NodePeer, in_ci
from tests.keystore.helpers import rsa_keypair, sign_up, wrapped_key

pytestmark = pytest.mark.interop

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def node_peer() -> Iterator[NodePeer]:
    node = shutil.which("node")
    if node is None or not (TOOL_DIR / "node_modules" / "jsrp").is_dir():
        if in_ci():
            pytest.fail(f"CI=true: the interop tests must run, but {MISSING_REASON}", pytrace=False)
        pytest.skip(MISSING_REASON)
    peer = NodePeer(node)
    try:
        yield peer
    finally:
        peer.close()


async def jsrp_login(
    client: httpx.AsyncClient, peer: NodePeer, username: str, password: str
) -> httpx.Response:
    """A login whose client side is jsrp's (``password`` is the JS string jsrp gets)."""
    started = peer.call("srp_client_start", username=username, password=password)
    r = await client.post("/srp/challenges", json={"username": username, "srp_a": started["A"]})
    assert r.status_code == 200, r.text
    challenge = r.json()["challenge"]
    proof = peer.call(
        "srp_client_proof", id=started["id"], salt=challenge["challenge_salt"], B=challenge["challenge_b"]
    )
    session = await client.post(
        "/srp/session", json={"username": username, "srp_a": started["A"], "srp_m": proof["M1"]}
    )
    if session.status_code == 200:
        check = peer.call("srp_client_check", id=started["id"], M2=session.json()["session"]["srp_m2"])
        assert check["valid"] is True
    peer.call("srp_close", id=started["id"])
    return session


async def test_meeco_client_signs_up_and_logs_in_through_jsrp(keystore_url: str, node_peer: NodePeer) -> None:
    async with httpx.AsyncClient(base_url=keystore_url, timeout=60) as client:
        username = (await client.post("/srp/username", json={})).json()["username"]
        secret_key = generate_secret_key(username)
        # What Meeco's client hands jsrp: the PBKDF2 bytes as a JS "binary" string (one char per byte).
        secret = parse_secret_key(secret_key).secret
        binary_string = pbkdf2_sha256(PASSPHRASE.encode(), secret[::-1].encode("ascii")).decode("latin-1")
        registered = node_peer.call("srp_create_verifier", username=username, password=binary_string)
        r = await client.post(
            "/srp/users",
            json={
                "username": username,
                "srp_salt": registered["salt"],
                "srp_verifier": registered["verifier"],
            },
        )
        assert r.status_code == 201, r.text

        r = await jsrp_login(client, node_peer, username, binary_string)
        assert r.status_code == 200, r.text
        assert r.json()["session"]["username"] == username
        token = r.json()["session"]["session_authentication_string"]
        assert (await client.get("/keypairs", headers={"Authorization": token})).status_code == 200

        # The same account opens from our own client, and a wrong passphrase fails for jsrp.
        ours = SrpClient(username, derive_srp_password(PASSPHRASE, secret_key))
        challenge = (
            await client.post("/srp/challenges", json={"username": username, "srp_a": ours.public_a_hex()})
        ).json()["challenge"]
        m1 = ours.process_challenge(challenge["challenge_salt"], challenge["challenge_b"])
        r = await client.post(
            "/srp/session", json={"username": username, "srp_a": ours.public_a_hex(), "srp_m": m1}
        )
        assert r.status_code == 200
        ours.verify_server_proof(r.json()["session"]["srp_m2"])
        assert (await jsrp_login(client, node_peer, username, "wrong")).status_code == 401


async def test_a_claim_signed_by_cryppo_is_accepted(keystore_url: str, node_peer: NodePeer) -> None:
    async with httpx.AsyncClient(base_url=keystore_url, timeout=60) as client:
        alice, bob = await sign_up(client), await sign_up(client)
        pair = rsa_keypair(1)
        r = await client.post(
            "/encryption_spaces", json={"encrypted_serialized_key": wrapped_key()}, headers=alice.headers
        )
        space_id = r.json()["encryption_space_data_encryption_key"]["encryption_space_id"]
        shared = {
            "encrypted_key": encrypt_with_public_key(pair.public_pem, generate_key()),
            "external_id": space_id,
            "public_key": pair.public_pem,
            "key_metadata": {"key_type": "AES-GCM"},
        }
        assert (await client.post("/shared_keys", json=shared, headers=alice.headers)).status_code == 201
        stamp = isoformat(datetime.now(UTC))
        text = f"{keystore_url}/shared_keys/{space_id}/claim_key--request-timestamp={stamp}"
        data_b64 = base64.urlsafe_b64encode(text.encode()).decode()
        signature = node_peer.call("sign", private_pem=pair.private_pem, data_b64=data_b64)["serialized"]
        r = await client.post(
            f"/shared_keys/{space_id}/claim_key",
            json={"public_key": pair.public_pem, "request_signature": signature},
            headers=bob.headers,
        )
        assert r.status_code == 200, r.text
        assert r.json()["shared_key_claimed"]["serialized_shared_key"] == shared["encrypted_key"]
