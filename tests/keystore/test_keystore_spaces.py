"""Encryption spaces and shared keys: create, share, claim, join, read, list, delete."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from strongroom.crypto import (
    decrypt_with_private_key,
    encrypt_with_public_key,
    generate_key,
    sign,
    unwrap_key,
    wrap_key,
)
from strongroom.keystore.housekeeping import DEFAULT_INTERVAL
from strongroom.keystore.models import Base, EncryptionSpaceKey, SharedKey, SharedKeyClaim, UsedClaimSignature
from strongroom.kit.clock import FrozenClock, isoformat
from strongroom.kit.settings import Settings
from tests.keystore.helpers import (
    Account,
    claim_signature,
    new_space,
    rsa_keypair,
    rsa_wrapped_key,
    share_space,
    sign_up,
    wrapped_key,
)


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    return await sign_up(client)


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Account:
    return await sign_up(client)


@pytest.fixture
async def carol(client: httpx.AsyncClient) -> Account:
    return await sign_up(client)


BOB_KEY = 1
CAROL_KEY = 2


async def rows(app: FastAPI, model: type[Base]) -> int:
    async with app.state.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def claim(
    client: httpx.AsyncClient,
    who: Account,
    space_id: str,
    key_index: int,
    clock: FrozenClock,
    **overrides: str,
) -> httpx.Response:
    pair = rsa_keypair(key_index)
    body = {"public_key": pair.public_pem, "request_signature": claim_signature(pair, space_id, clock.now())}
    body.update(overrides)
    return await client.post(f"/shared_keys/{space_id}/claim_key", json=body, headers=who.headers)


async def test_the_whole_exchange(
    client: httpx.AsyncClient, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    alice_kek, bob_kek, dek = generate_key(), generate_key(), generate_key()
    bob_pair = rsa_keypair(BOB_KEY)
    r = await client.post(
        "/encryption_spaces",
        json={"encrypted_serialized_key": wrap_key(alice_kek, dek)},
        headers=alice.headers,
    )
    assert r.status_code == 201
    mine = r.json()["encryption_space_data_encryption_key"]
    space_id = mine["encryption_space_id"]
    assert mine["id"] != space_id
    assert mine["creator"] is True
    r = await client.post(
        "/shared_keys",
        json={
            "encrypted_key": encrypt_with_public_key(bob_pair.public_pem, dek),
            "external_id": space_id,
            "public_key": bob_pair.public_pem,
            "key_metadata": {"key_type": "Aes256Gcm"},
        },
        headers=alice.headers,
    )
    assert r.status_code == 201
    shared = r.json()["shared_key"]
    r = await claim(client, bob, space_id, BOB_KEY, clock)
    assert r.status_code == 200, r.text
    claimed = r.json()["shared_key_claimed"]
    assert claimed == {"external_id": space_id, "serialized_shared_key": shared["serialized_shared_key"]}
    received = decrypt_with_private_key(bob_pair.private_pem, claimed["serialized_shared_key"])
    assert received == dek
    r = await client.post(
        "/encryption_spaces",
        json={"encrypted_serialized_key": wrap_key(bob_kek, received), "encryption_space_id": space_id},
        headers=bob.headers,
    )
    assert r.status_code == 201
    joined = r.json()["encryption_space_data_encryption_key"]
    assert joined["encryption_space_id"] == space_id
    assert joined["creator"] is False
    r = await client.get(f"/encryption_spaces/{space_id}", headers=bob.headers)
    assert (
        unwrap_key(
            bob_kek, r.json()["encryption_space_data_encryption_key"]["serialized_data_encryption_key"]
        )
        == dek
    )
    r = await client.get(f"/encryption_spaces/{space_id}", headers=alice.headers)
    assert r.json()["encryption_space_data_encryption_key"] == mine


async def test_reference_recipient_flow_makes_its_own_space(
    client: httpx.AsyncClient, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    # Meeco's client never joins: after claiming, it stores its copy in a new space of its own.
    space_id = await share_space(client, alice, rsa_keypair(BOB_KEY))
    assert (await claim(client, bob, space_id, BOB_KEY, clock)).status_code == 200
    own = await new_space(client, bob)
    assert own != space_id
    assert (await client.get(f"/encryption_spaces/{own}", headers=bob.headers)).status_code == 200
    assert (await client.delete(f"/encryption_spaces/{space_id}", headers=alice.headers)).status_code == 204
    assert (await client.get(f"/encryption_spaces/{own}", headers=bob.headers)).status_code == 200


async def test_non_members_get_404(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    space_id = await new_space(client, alice)
    for method in ("GET", "DELETE"):
        r = await client.request(method, f"/encryption_spaces/{space_id}", headers=bob.headers)
        assert r.status_code == 404
        assert r.json()["errors"][0]["error"] == "not_found"
    assert (await client.get(f"/encryption_spaces/{uuid.uuid4()}", headers=alice.headers)).status_code == 404
    assert (await client.get(f"/encryption_spaces/{space_id}", headers=alice.headers)).status_code == 200


async def test_only_the_creator_adds_shared_keys(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    space_id = await new_space(client, alice)
    pair = rsa_keypair(CAROL_KEY)
    body = {
        "encrypted_key": rsa_wrapped_key(pair),
        "external_id": space_id,
        "public_key": pair.public_pem,
        "key_metadata": {},
    }
    r = await client.post("/shared_keys", json=body, headers=bob.headers)
    assert r.status_code == 404
    r = await client.post(
        "/shared_keys", json={**body, "external_id": str(uuid.uuid4())}, headers=alice.headers
    )
    assert r.status_code == 404
    assert (await client.post("/shared_keys", json=body, headers=alice.headers)).status_code == 201
    r = await client.post("/shared_keys", json=body, headers=alice.headers)
    assert r.status_code == 409
    assert r.json()["errors"][0]["error"] == "shared_key_exists"
    # Without key_metadata, and with a key in CRLF spelling of another recipient.
    other = rsa_keypair(BOB_KEY)
    crlf = {
        "encrypted_key": rsa_wrapped_key(other),
        "external_id": space_id,
        "public_key": other.public_pem.replace("\n", "\r\n"),
    }
    assert (await client.post("/shared_keys", json=crlf, headers=alice.headers)).status_code == 201


async def test_a_member_who_is_not_the_creator_cannot_add_shared_keys(
    client: httpx.AsyncClient, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    space_id = await share_space(client, alice, rsa_keypair(BOB_KEY))
    await claim(client, bob, space_id, BOB_KEY, clock)
    await client.post(
        "/encryption_spaces",
        json={"encrypted_serialized_key": wrapped_key(), "encryption_space_id": space_id},
        headers=bob.headers,
    )
    pair = rsa_keypair(CAROL_KEY)
    body = {
        "encrypted_key": rsa_wrapped_key(pair),
        "external_id": space_id,
        "public_key": pair.public_pem,
        "key_metadata": {},
    }
    assert (await client.post("/shared_keys", json=body, headers=bob.headers)).status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("encrypted_key", "AES", "invalid_encrypted_key"),
        ("encrypted_key", "plain", "invalid_encrypted_key"),
        ("encrypted_key", "RSA4096", "invalid_encrypted_key"),  # strategy of another key size
        ("public_key", "not a key", "invalid_public_key"),
        ("external_id", "not-a-uuid", "validation_failed"),
        ("encrypted_key", "x" * 9000, "validation_failed"),
    ],
)
async def test_shared_key_validation(
    client: httpx.AsyncClient, alice: Account, field: str, value: str, code: str
) -> None:
    space_id = await new_space(client, alice)
    pair = rsa_keypair(BOB_KEY)
    if value == "AES":
        value = wrapped_key()
    elif value == "RSA4096":
        value = encrypt_with_public_key(rsa_keypair(0, bits=4096).public_pem, generate_key())
    body = {
        "encrypted_key": rsa_wrapped_key(pair),
        "external_id": space_id,
        "public_key": pair.public_pem,
        field: value,
    }
    r = await client.post("/shared_keys", json=body, headers=alice.headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["error"] == code


async def test_space_key_must_be_aes(client: httpx.AsyncClient, alice: Account) -> None:
    r = await client.post(
        "/encryption_spaces", json={"encrypted_serialized_key": "plain"}, headers=alice.headers
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["error"] == "invalid_encrypted_key"
    r = await client.post(
        "/encryption_spaces",
        json={"encrypted_serialized_key": rsa_wrapped_key(rsa_keypair(0))},
        headers=alice.headers,
    )
    assert r.json()["errors"][0]["error"] == "invalid_encrypted_key"


async def test_claim_with_another_key_is_refused(
    client: httpx.AsyncClient, alice: Account, carol: Account, clock: FrozenClock
) -> None:
    space_id = await share_space(client, alice, rsa_keypair(BOB_KEY))
    r = await claim(client, carol, space_id, CAROL_KEY, clock)
    assert r.status_code == 403
    assert r.json()["errors"][0]["error"] == "claim_refused"


async def test_claim_with_a_signature_by_another_key_is_refused(
    client: httpx.AsyncClient, alice: Account, carol: Account, clock: FrozenClock
) -> None:
    space_id = await share_space(client, alice, rsa_keypair(BOB_KEY))
    forged = claim_signature(rsa_keypair(CAROL_KEY), space_id, clock.now())
    r = await claim(client, carol, space_id, BOB_KEY, clock, request_signature=forged)
    assert r.status_code == 403
    assert r.json()["errors"][0]["error"] == "claim_refused"


async def test_claim_must_sign_this_shared_keys_path(
    client: httpx.AsyncClient, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    pair = rsa_keypair(BOB_KEY)
    space_id = await share_space(client, alice, pair)
    other_space = await share_space(client, alice, pair)
    stamp = isoformat(clock.now())
    for text in (
        f"http://testserver/shared_keys/{other_space}/claim_key--request-timestamp={stamp}",
        f"http://testserver/shared_keys/{space_id}/other--request-timestamp={stamp}",
        f"http://testserver/shared_keys/{space_id}/claim_key",
        f"http://testserver/shared_keys/{space_id}/claim_key--request-timestamp=yesterday",
        f"http://testserver/shared_keys/{space_id}/claim_key--request-timestamp=2026-01-01T00:00:00",
    ):
        signature = sign(pair.private_pem, text.encode())
        r = await claim(client, bob, space_id, BOB_KEY, clock, request_signature=signature)
        assert r.status_code == 403, text
        assert r.json()["errors"][0]["error"] == "claim_refused"


async def test_any_base_url_and_uppercase_ids_are_accepted(
    client: httpx.AsyncClient, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    pair = rsa_keypair(BOB_KEY)
    space_id = await share_space(client, alice, pair)
    stamp = isoformat(clock.now())
    for text in (
        "https://proxy.example:8443/some/prefix/keystore"
        f"/shared_keys/{space_id}/claim_key--request-timestamp={stamp}",
        f"http://testserver/shared_keys/{space_id.upper()}/claim_key"
        f"--request-timestamp={clock.now().isoformat()}",  # +00:00 instead of Z
    ):
        r = await claim(
            client, bob, space_id, BOB_KEY, clock, request_signature=sign(pair.private_pem, text.encode())
        )
        assert r.status_code == 200, text


@pytest.mark.parametrize("offset", [-1, 1])
async def test_a_stale_signature_is_refused(
    client: httpx.AsyncClient,
    alice: Account,
    bob: Account,
    clock: FrozenClock,
    settings: Settings,
    offset: int,
) -> None:
    pair = rsa_keypair(BOB_KEY)
    space_id = await share_space(client, alice, pair)
    skew = settings.claim_signature_max_skew
    when = clock.now() + timedelta(seconds=offset * (skew + 1))
    r = await claim(
        client, bob, space_id, BOB_KEY, clock, request_signature=claim_signature(pair, space_id, when)
    )
    assert r.status_code == 403
    assert r.json()["errors"][0]["error"] == "stale_signature"
    edge = clock.now() + timedelta(seconds=offset * skew)
    r = await claim(
        client, bob, space_id, BOB_KEY, clock, request_signature=claim_signature(pair, space_id, edge)
    )
    assert r.status_code == 200


async def test_a_replayed_signature_is_refused_and_a_new_one_works(
    client: httpx.AsyncClient, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    pair = rsa_keypair(BOB_KEY)
    space_id = await share_space(client, alice, pair)
    signature = claim_signature(pair, space_id, clock.now())
    assert (
        await claim(client, bob, space_id, BOB_KEY, clock, request_signature=signature)
    ).status_code == 200
    r = await claim(client, bob, space_id, BOB_KEY, clock, request_signature=signature)
    assert r.status_code == 403
    assert r.json()["errors"][0]["error"] == "signature_replayed"
    clock.advance(0.001)
    assert (await claim(client, bob, space_id, BOB_KEY, clock)).status_code == 200  # a second device


async def test_racing_claims_with_one_signature_have_one_winner(
    client: httpx.AsyncClient, app: FastAPI, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    pair = rsa_keypair(BOB_KEY)
    space_id = await share_space(client, alice, pair)
    signature = claim_signature(pair, space_id, clock.now())
    results = await asyncio.gather(
        *(claim(client, bob, space_id, BOB_KEY, clock, request_signature=signature) for _ in range(3))
    )
    assert sorted(r.status_code for r in results) == [200, 403, 403]
    assert await rows(app, SharedKeyClaim) == 1


async def test_racing_claims_with_fresh_signatures_all_succeed(
    client: httpx.AsyncClient, app: FastAPI, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    pair = rsa_keypair(BOB_KEY)
    space_id = await share_space(client, alice, pair)
    signatures = [claim_signature(pair, space_id, clock.now() + timedelta(milliseconds=i)) for i in range(3)]
    results = await asyncio.gather(
        *(claim(client, bob, space_id, BOB_KEY, clock, request_signature=s) for s in signatures)
    )
    assert [r.status_code for r in results] == [200, 200, 200]
    assert await rows(app, SharedKeyClaim) == 1


async def test_claiming_an_unknown_space_answers_404(
    client: httpx.AsyncClient, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    r = await claim(client, bob, str(uuid.uuid4()), BOB_KEY, clock)
    assert r.status_code == 404
    space_without_shared_key = await new_space(client, alice)
    assert (await claim(client, bob, space_without_shared_key, BOB_KEY, clock)).status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("request_signature", "not a signature", "invalid_request_signature"),
        ("request_signature", "Sign.Rsa2048.AAAA.AAAA", "invalid_request_signature"),
        ("request_signature", "x" * 9000, "validation_failed"),
        ("public_key", "nope", "invalid_public_key"),
    ],
)
async def test_malformed_claims_answer_422(
    client: httpx.AsyncClient,
    alice: Account,
    bob: Account,
    clock: FrozenClock,
    field: str,
    value: str,
    code: str,
) -> None:
    space_id = await share_space(client, alice, rsa_keypair(BOB_KEY))
    r = await claim(client, bob, space_id, BOB_KEY, clock, **{field: value})
    assert r.status_code == 422
    assert r.json()["errors"][0]["error"] == code


async def test_joining_needs_a_claim(
    client: httpx.AsyncClient, alice: Account, bob: Account, carol: Account, clock: FrozenClock
) -> None:
    space_id = await share_space(client, alice, rsa_keypair(BOB_KEY))
    join = {"encrypted_serialized_key": wrapped_key(), "encryption_space_id": space_id}
    r = await client.post("/encryption_spaces", json=join, headers=bob.headers)
    assert r.status_code == 404
    assert (
        await client.post(
            "/encryption_spaces", json={**join, "encryption_space_id": str(uuid.uuid4())}, headers=bob.headers
        )
    ).status_code == 404
    assert (await claim(client, bob, space_id, BOB_KEY, clock)).status_code == 200
    assert (await client.post("/encryption_spaces", json=join, headers=carol.headers)).status_code == 404
    assert (await client.post("/encryption_spaces", json=join, headers=bob.headers)).status_code == 201
    r = await client.post("/encryption_spaces", json=join, headers=bob.headers)
    assert r.status_code == 409
    assert r.json()["errors"][0]["error"] == "already_member"
    r = await client.post("/encryption_spaces", json=join, headers=alice.headers)
    assert r.status_code == 409


async def test_a_member_deletes_only_their_copy(
    client: httpx.AsyncClient, app: FastAPI, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    space_id = await share_space(client, alice, rsa_keypair(BOB_KEY))
    await claim(client, bob, space_id, BOB_KEY, clock)
    join = {"encrypted_serialized_key": wrapped_key(), "encryption_space_id": space_id}
    await client.post("/encryption_spaces", json=join, headers=bob.headers)
    assert (await client.delete(f"/encryption_spaces/{space_id}", headers=bob.headers)).status_code == 204
    assert (await client.get(f"/encryption_spaces/{space_id}", headers=bob.headers)).status_code == 404
    assert (await client.get(f"/encryption_spaces/{space_id}", headers=alice.headers)).status_code == 200
    assert await rows(app, SharedKey) == 1
    # Having claimed, the member may come back.
    assert (await client.post("/encryption_spaces", json=join, headers=bob.headers)).status_code == 201


async def test_the_creator_deletes_the_whole_space(
    client: httpx.AsyncClient, app: FastAPI, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    space_id = await share_space(client, alice, rsa_keypair(BOB_KEY))
    await claim(client, bob, space_id, BOB_KEY, clock)
    join = {"encrypted_serialized_key": wrapped_key(), "encryption_space_id": space_id}
    await client.post("/encryption_spaces", json=join, headers=bob.headers)
    assert (await client.delete(f"/encryption_spaces/{space_id}", headers=alice.headers)).status_code == 204
    for who in (alice, bob):
        assert (await client.get(f"/encryption_spaces/{space_id}", headers=who.headers)).status_code == 404
    assert await rows(app, SharedKey) == 0
    assert await rows(app, SharedKeyClaim) == 0
    assert await rows(app, EncryptionSpaceKey) == 0
    clock.advance(0.001)
    assert (await claim(client, bob, space_id, BOB_KEY, clock)).status_code == 404
    assert (await client.post("/encryption_spaces", json=join, headers=bob.headers)).status_code == 404
    assert (await client.delete(f"/encryption_spaces/{space_id}", headers=alice.headers)).status_code == 404


async def test_list_own_memberships(
    client: httpx.AsyncClient, alice: Account, bob: Account, clock: FrozenClock
) -> None:
    own = [await new_space(client, alice) for _ in range(3)]
    shared = await share_space(client, bob, rsa_keypair(BOB_KEY))
    await claim(client, alice, shared, BOB_KEY, clock)
    await client.post(
        "/encryption_spaces",
        json={"encrypted_serialized_key": wrapped_key(), "encryption_space_id": shared},
        headers=alice.headers,
    )
    seen: list[tuple[str, bool]] = []
    after: str | None = None
    while True:
        params: dict[str, str | int] = {"per_page": 2, **({"next_page_after": after} if after else {})}
        page = (await client.get("/encryption_spaces", params=params, headers=alice.headers)).json()
        seen += [
            (c["encryption_space_id"], c["creator"]) for c in page["encryption_space_data_encryption_keys"]
        ]
        after = page["next_page_after"]
        if after is None:
            break
    assert seen == [(s, True) for s in own] + [(shared, False)]
    bobs = (await client.get("/encryption_spaces", headers=bob.headers)).json()[
        "encryption_space_data_encryption_keys"
    ]
    assert [c["encryption_space_id"] for c in bobs] == [shared]


async def test_a_signature_stays_refused_until_it_is_stale(
    client: httpx.AsyncClient,
    app: FastAPI,
    alice: Account,
    bob: Account,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    pair = rsa_keypair(BOB_KEY)
    space_id = await share_space(client, alice, pair)
    signature = claim_signature(pair, space_id, clock.now())
    assert (
        await claim(client, bob, space_id, BOB_KEY, clock, request_signature=signature)
    ).status_code == 200
    clock.advance(settings.claim_signature_max_skew)  # the last instant it would still be fresh
    r = await claim(client, bob, space_id, BOB_KEY, clock, request_signature=signature)
    assert r.json()["errors"][0]["error"] == "signature_replayed"
    clock.advance(1)
    r = await claim(client, bob, space_id, BOB_KEY, clock, request_signature=signature)
    assert r.json()["errors"][0]["error"] == "stale_signature"
    # A later accepted claim (once the periodic purge is due) forgets what went stale.
    clock.advance(DEFAULT_INTERVAL)
    assert (await claim(client, bob, space_id, BOB_KEY, clock)).status_code == 200
    assert await rows(app, UsedClaimSignature) == 1
