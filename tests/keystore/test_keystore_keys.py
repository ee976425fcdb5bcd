"""The user's keys: KEK, DEKs, keypairs (metadata, external identifiers, list, patch, delete)."""

from __future__ import annotations

import asyncio
import json
import uuid
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from strongroom.crypto import encrypt_with_passphrase, generate_key, wrap_key
from strongroom.keystore.models import KeyEncryptionKey
from strongroom.kit.settings import Settings
from tests.keystore.helpers import (
    Account,
    rsa_keypair,
    rsa_wrapped_key,
    sign_up,
    wrapped_key,
    wrapped_private_key,
)

NOT_ENCRYPTED = [
    "plain text",
    "Aes256Gcm.not-base64!.QUAAAA==",
    "Aes256Gcm.AAAA.AAAA",  # artefacts that do not parse
    "Unknown.AAAA.QQUAAAAA",
]


def keypair_body(index: int = 0, **overrides: object) -> dict[str, object]:
    pair = rsa_keypair(index)
    body: dict[str, object] = {
        "public_key": pair.public_pem,
        "encrypted_serialized_key": wrapped_private_key(pair),
        "metadata": {},
        "external_identifiers": [],
    }
    body.update(overrides)
    return body


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    return await sign_up(client)


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Account:
    return await sign_up(client)


async def test_kek_round_trip(client: httpx.AsyncClient, alice: Account) -> None:
    kek = wrapped_key()
    r = await client.post(
        "/key_encryption_key", json={"serialized_key_encryption_key": kek}, headers=alice.headers
    )
    assert r.status_code == 201
    created = r.json()["key_encryption_key"]
    assert created["serialized_key_encryption_key"] == kek
    r = await client.get("/key_encryption_key", headers=alice.headers)
    assert r.status_code == 200
    assert r.json() == {"key_encryption_key": created}


async def test_kek_wrapped_with_a_passphrase_derived_key_is_accepted(
    client: httpx.AsyncClient, alice: Account
) -> None:
    kek = encrypt_with_passphrase("a passphrase", generate_key())
    assert kek.count(".") == 4  # Aes256Gcm.<ct>.<artefacts>.Pbkdf2Hmac.<derivation>
    r = await client.post(
        "/key_encryption_key", json={"serialized_key_encryption_key": kek}, headers=alice.headers
    )
    assert r.status_code == 201


async def test_second_kek_answers_409(client: httpx.AsyncClient, alice: Account) -> None:
    body = {"serialized_key_encryption_key": wrapped_key()}
    assert (await client.post("/key_encryption_key", json=body, headers=alice.headers)).status_code == 201
    r = await client.post(
        "/key_encryption_key", json={"serialized_key_encryption_key": wrapped_key()}, headers=alice.headers
    )
    assert r.status_code == 409
    assert r.json()["errors"][0]["error"] == "key_encryption_key_exists"
    assert (await client.get("/key_encryption_key", headers=alice.headers)).json()["key_encryption_key"][
        "serialized_key_encryption_key"
    ] == body["serialized_key_encryption_key"]


async def test_racing_kek_posts_store_one(client: httpx.AsyncClient, app: FastAPI, alice: Account) -> None:
    results = await asyncio.gather(
        *(
            client.post(
                "/key_encryption_key",
                json={"serialized_key_encryption_key": wrapped_key()},
                headers=alice.headers,
            )
            for _ in range(4)
        )
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409]
    async with app.state.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(KeyEncryptionKey))).scalar_one() == 1


async def test_missing_kek_answers_404(client: httpx.AsyncClient, alice: Account) -> None:
    r = await client.get("/key_encryption_key", headers=alice.headers)
    assert r.status_code == 404
    assert r.json()["errors"][0]["error"] == "not_found"


async def test_another_users_kek_is_not_visible(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await client.post(
        "/key_encryption_key", json={"serialized_key_encryption_key": wrapped_key()}, headers=alice.headers
    )
    assert (await client.get("/key_encryption_key", headers=bob.headers)).status_code == 404


@pytest.mark.parametrize("value", [*NOT_ENCRYPTED, "RSA"])
async def test_kek_and_dek_must_be_aes_cryppo_strings(
    client: httpx.AsyncClient, alice: Account, value: str
) -> None:
    if value == "RSA":
        value = rsa_wrapped_key(rsa_keypair(0))
    for path, field in (
        ("/key_encryption_key", "serialized_key_encryption_key"),
        ("/data_encryption_keys", "serialized_data_encryption_key"),
    ):
        r = await client.post(path, json={field: value}, headers=alice.headers)
        assert r.status_code == 422, path
        assert r.json()["errors"][0]["error"] == "invalid_encrypted_key"
        assert value not in r.text


async def test_oversized_and_missing_fields_answer_422(client: httpx.AsyncClient, alice: Account) -> None:
    r = await client.post(
        "/data_encryption_keys", json={"serialized_data_encryption_key": "A" * 5000}, headers=alice.headers
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["error"] == "validation_failed"
    r = await client.post("/data_encryption_keys", json={}, headers=alice.headers)
    assert r.status_code == 422
    r = await client.post(
        "/data_encryption_keys", json={"serialized_data_encryption_key": 5}, headers=alice.headers
    )
    assert r.status_code == 422
    r = await client.post(
        "/data_encryption_keys",
        content=b"{not json",
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["error"] == "malformed_json"


async def test_dek_round_trip_and_delete(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    dek = wrap_key(generate_key(), generate_key())
    r = await client.post(
        "/data_encryption_keys", json={"serialized_data_encryption_key": dek}, headers=alice.headers
    )
    assert r.status_code == 201
    created = r.json()["data_encryption_key"]
    assert created["serialized_data_encryption_key"] == dek
    r = await client.get(f"/data_encryption_keys/{created['id']}", headers=alice.headers)
    assert r.json() == {"data_encryption_key": created}
    assert (
        await client.get(f"/data_encryption_keys/{created['id']}", headers=bob.headers)
    ).status_code == 404
    assert (
        await client.delete(f"/data_encryption_keys/{created['id']}", headers=bob.headers)
    ).status_code == 404
    assert (
        await client.get(f"/data_encryption_keys/{created['id']}", headers=alice.headers)
    ).status_code == 200
    assert (
        await client.delete(f"/data_encryption_keys/{created['id']}", headers=alice.headers)
    ).status_code == 204
    assert (
        await client.get(f"/data_encryption_keys/{created['id']}", headers=alice.headers)
    ).status_code == 404
    assert (
        await client.delete(f"/data_encryption_keys/{created['id']}", headers=alice.headers)
    ).status_code == 404


async def test_a_bad_uuid_in_a_path_answers_422(client: httpx.AsyncClient, alice: Account) -> None:
    for path in ("/data_encryption_keys/nope", "/keypairs/nope", "/encryption_spaces/nope"):
        r = await client.get(path, headers=alice.headers)
        assert r.status_code == 422, path
        assert r.json()["errors"][0]["error"] == "validation_failed"


async def test_keypair_round_trip(client: httpx.AsyncClient, alice: Account) -> None:
    body = keypair_body(
        0, metadata={"purpose": "connection", "n": [1, 2]}, external_identifiers=["auth", "x"]
    )
    r = await client.post("/keypairs", json=body, headers=alice.headers)
    assert r.status_code == 201
    keypair = r.json()["keypair"]
    for key in ("public_key", "encrypted_serialized_key", "metadata", "external_identifiers"):
        assert keypair[key] == body[key]
    r = await client.get(f"/keypairs/{keypair['id']}", headers=alice.headers)
    assert r.json() == {"keypair": keypair}
    r = await client.get("/keypairs/external_id/auth", headers=alice.headers)
    assert r.json() == {"keypair": keypair}


async def test_login_keypair_without_metadata_as_meecos_cli_sends_it(
    client: httpx.AsyncClient, alice: Account
) -> None:
    pair = rsa_keypair(0)
    crlf = pair.public_pem.replace("\n", "\r\n")
    body = {
        "public_key": crlf,
        "encrypted_serialized_key": wrapped_private_key(pair),
        "external_identifiers": ["auth"],
    }
    r = await client.post("/keypairs", json={**body, "unknown_field": True}, headers=alice.headers)
    assert r.status_code == 201
    assert r.json()["keypair"]["metadata"] == {}
    assert r.json()["keypair"]["public_key"] == crlf


async def test_external_ids_with_odd_characters(client: httpx.AsyncClient, alice: Account) -> None:
    weird = "a b/c?d#é"
    r = await client.post("/keypairs", json=keypair_body(external_identifiers=[weird]), headers=alice.headers)
    assert r.status_code == 201
    r = await client.get(f"/keypairs/external_id/{quote(weird, safe='')}", headers=alice.headers)
    assert r.status_code == 200
    assert r.json()["keypair"]["external_identifiers"] == [weird]


async def test_external_identifier_is_unique_per_user(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    assert (
        await client.post(
            "/keypairs", json=keypair_body(external_identifiers=["auth"]), headers=alice.headers
        )
    ).status_code == 201
    r = await client.post(
        "/keypairs", json=keypair_body(1, external_identifiers=["other", "auth"]), headers=alice.headers
    )
    assert r.status_code == 409
    assert r.json()["errors"][0]["error"] == "external_identifier_taken"
    # Another user may use the same identifier; each sees only their own.
    r = await client.post(
        "/keypairs", json=keypair_body(1, external_identifiers=["auth"]), headers=bob.headers
    )
    assert r.status_code == 201
    mine = (await client.get("/keypairs/external_id/auth", headers=alice.headers)).json()["keypair"]
    theirs = (await client.get("/keypairs/external_id/auth", headers=bob.headers)).json()["keypair"]
    assert mine["id"] != theirs["id"]
    assert (await client.get("/keypairs/external_id/other", headers=alice.headers)).status_code == 404


async def test_racing_keypairs_with_one_external_id(client: httpx.AsyncClient, alice: Account) -> None:
    results = await asyncio.gather(
        *(
            client.post(
                "/keypairs", json=keypair_body(i, external_identifiers=["same"]), headers=alice.headers
            )
            for i in range(3)
        )
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409]
    page = (await client.get("/keypairs", headers=alice.headers)).json()
    assert len(page["keypairs"]) == 1


async def test_repeated_identifiers_in_one_request_count_once(
    client: httpx.AsyncClient, alice: Account
) -> None:
    r = await client.post(
        "/keypairs", json=keypair_body(external_identifiers=["a", "b", "a"]), headers=alice.headers
    )
    assert r.status_code == 201
    assert r.json()["keypair"]["external_identifiers"] == ["a", "b"]


async def test_patch_keypair(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    first = (
        await client.post(
            "/keypairs", json=keypair_body(0, external_identifiers=["one"]), headers=alice.headers
        )
    ).json()["keypair"]
    await client.post(
        "/keypairs", json=keypair_body(1, external_identifiers=["taken"]), headers=alice.headers
    )
    url = f"/keypairs/{first['id']}"
    r = await client.patch(url, json={"metadata": {"k": "v"}}, headers=alice.headers)
    assert r.status_code == 200
    assert r.json()["keypair"]["metadata"] == {"k": "v"}
    assert r.json()["keypair"]["external_identifiers"] == ["one"]
    r = await client.patch(
        url,
        json={"external_identifiers": ["two", "three"], "public_key": rsa_keypair(2).public_pem},
        headers=alice.headers,
    )
    assert r.json()["keypair"]["external_identifiers"] == ["two", "three"]
    assert r.json()["keypair"]["public_key"] == rsa_keypair(2).public_pem
    assert (await client.get("/keypairs/external_id/one", headers=alice.headers)).status_code == 404
    assert (await client.get("/keypairs/external_id/three", headers=alice.headers)).json()["keypair"][
        "id"
    ] == first["id"]
    r = await client.patch(url, json={"external_identifiers": ["taken"]}, headers=alice.headers)
    assert r.status_code == 409
    assert r.json()["errors"][0]["error"] == "external_identifier_taken"
    # Re-stating its own identifiers is not a conflict.
    assert (
        await client.patch(url, json={"external_identifiers": ["three", "two"]}, headers=alice.headers)
    ).status_code == 200
    r = await client.patch(url, json={"public_key": "not a key"}, headers=alice.headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["error"] == "invalid_public_key"
    assert (await client.patch(url, json={"metadata": {}}, headers=bob.headers)).status_code == 404
    assert (await client.get(url, headers=alice.headers)).json()["keypair"]["external_identifiers"] == [
        "three",
        "two",
    ]


async def test_delete_keypair(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    keypair = (
        await client.post(
            "/keypairs", json=keypair_body(external_identifiers=["gone"]), headers=alice.headers
        )
    ).json()["keypair"]
    url = f"/keypairs/{keypair['id']}"
    assert (await client.delete(url, headers=bob.headers)).status_code == 404
    assert (await client.get(url, headers=bob.headers)).status_code == 404
    assert (await client.delete(url, headers=alice.headers)).status_code == 204
    assert (await client.get(url, headers=alice.headers)).status_code == 404
    assert (await client.get("/keypairs/external_id/gone", headers=alice.headers)).status_code == 404
    # The identifier is free again.
    assert (
        await client.post(
            "/keypairs", json=keypair_body(external_identifiers=["gone"]), headers=alice.headers
        )
    ).status_code == 201


async def test_list_keypairs_pages_through_own_keypairs(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    created = [
        (
            await client.post(
                "/keypairs", json=keypair_body(i % 3, external_identifiers=[f"k{i}"]), headers=alice.headers
            )
        ).json()["keypair"]["id"]
        for i in range(5)
    ]
    await client.post("/keypairs", json=keypair_body(0), headers=bob.headers)
    seen: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, str | int] = {"per_page": 2}
        if after:
            params["next_page_after"] = after
        page = (await client.get("/keypairs", params=params, headers=alice.headers)).json()
        seen += [k["id"] for k in page["keypairs"]]
        after = page["next_page_after"]
        if after is None:
            break
    assert seen == created
    r = await client.get("/keypairs", params={"per_page": 0}, headers=alice.headers)
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        (
            {"public_key": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"},
            "invalid_public_key",
        ),
        ({"public_key": "x" * 9000}, "validation_failed"),
        ({"encrypted_serialized_key": "plain"}, "invalid_encrypted_key"),
        ({"external_identifiers": ["x" * 256]}, "validation_failed"),
        ({"external_identifiers": [""]}, "validation_failed"),
        ({"external_identifiers": [str(i) for i in range(33)]}, "validation_failed"),
        ({"metadata": {"big": "x" * 17000}}, "validation_failed"),
        ({"external_identifiers": "auth"}, "validation_failed"),
    ],
)
async def test_keypair_validation(
    client: httpx.AsyncClient, alice: Account, overrides: dict[str, object], code: str
) -> None:
    r = await client.post("/keypairs", json={**keypair_body(), **overrides}, headers=alice.headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["error"] == code


async def test_a_small_rsa_key_is_refused(client: httpx.AsyncClient, alice: Account) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()  # noqa: S505 -- refused on purpose
    pem = small.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    r = await client.post("/keypairs", json=keypair_body(public_key=pem), headers=alice.headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["error"] == "invalid_public_key"


async def test_deeply_nested_metadata_is_refused_cleanly(client: httpx.AsyncClient, alice: Account) -> None:
    body = json.dumps(keypair_body(metadata="HOLE"))
    nested = '{"a":' * 5000 + "{}" + "}" * 5000
    content = body.replace('"HOLE"', nested).encode()
    r = await client.post(
        "/keypairs", content=content, headers={**alice.headers, "Content-Type": "application/json"}
    )
    assert r.status_code in (400, 422)
    assert "errors" in r.json()


async def test_unknown_ids_answer_404(client: httpx.AsyncClient, alice: Account) -> None:
    missing = uuid.uuid4()
    for method, path in (
        ("GET", f"/keypairs/{missing}"),
        ("PATCH", f"/keypairs/{missing}"),
        ("DELETE", f"/keypairs/{missing}"),
        ("GET", f"/data_encryption_keys/{missing}"),
        ("DELETE", f"/data_encryption_keys/{missing}"),
        ("GET", "/keypairs/external_id/missing"),
    ):
        r = await client.request(method, path, json={} if method == "PATCH" else None, headers=alice.headers)
        assert r.status_code == 404, (method, path)
        assert r.json()["errors"][0]["error"] == "not_found"


async def test_keypairs_and_deks_past_their_quotas_answer_422(
    settings: Settings, client: httpx.AsyncClient, alice: Account
) -> None:
    settings.quota_deks_per_user = 2
    settings.quota_keypairs_per_user = 1
    for i in range(3):
        r = await client.post(
            "/data_encryption_keys",
            json={"serialized_data_encryption_key": wrapped_key()},
            headers=alice.headers,
        )
        assert r.status_code == (201 if i < 2 else 422), r.text
    assert r.json()["errors"][0]["error"] == "quota_exceeded"
    for i in range(2):
        r = await client.post("/keypairs", json=keypair_body(i), headers=alice.headers)
        assert r.status_code == (201 if i < 1 else 422), r.text
    assert r.json()["errors"][0]["error"] == "quota_exceeded"
