"""``POST /connections/{id}/encryption_space``: the Vault's half of an encryption space."""

from __future__ import annotations

import uuid

import httpx

from tests.vault.factories import big_key_pool, link_space
from tests.vault.helpers import connect, error_code, sign_up


async def test_linking_a_space_sets_both_connection_records(vault: httpx.AsyncClient) -> None:
    keys = big_key_pool()
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    mine, theirs = await connect(vault, keys, alice, bob)
    space_id = str(uuid.uuid4())

    response = await vault.post(
        f"/connections/{mine['id']}/encryption_space",
        json={"encryption_space_id": space_id},
        headers=alice.headers,
    )

    assert response.status_code == 201, response.text
    assert response.json() == {"encryption_space": {"id": space_id, "connection_id": mine["id"]}}
    own = (await vault.get(f"/connections/{mine['id']}", headers=alice.headers)).json()["connection"]
    other = (await vault.get(f"/connections/{theirs['id']}", headers=bob.headers)).json()["connection"]
    assert own["encryption_space_id"] == space_id
    assert other["other_user_connection_encryption_space_id"] == space_id
    assert other["encryption_space_id"] is None


async def test_the_latest_linked_space_is_the_connections_space(vault: httpx.AsyncClient) -> None:
    keys = big_key_pool()
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    mine, _ = await connect(vault, keys, alice, bob)
    first = await link_space(vault, alice, mine["id"])
    second = await link_space(vault, alice, mine["id"])
    assert first != second
    record = (await vault.get(f"/connections/{mine['id']}", headers=alice.headers)).json()["connection"]
    assert record["encryption_space_id"] == second
    # Linking the first again is allowed and makes it the latest again.
    await link_space(vault, alice, mine["id"], first)
    record = (await vault.get(f"/connections/{mine['id']}", headers=alice.headers)).json()["connection"]
    assert record["encryption_space_id"] == first


async def test_the_other_user_joins_the_same_space_id(vault: httpx.AsyncClient) -> None:
    keys = big_key_pool()
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    mine, theirs = await connect(vault, keys, alice, bob)
    space_id = await link_space(vault, alice, mine["id"])
    assert await link_space(vault, bob, theirs["id"], space_id) == space_id
    record = (await vault.get(f"/connections/{mine['id']}", headers=alice.headers)).json()["connection"]
    assert record["other_user_connection_encryption_space_id"] == space_id


async def test_a_space_links_to_one_connection_of_a_user(vault: httpx.AsyncClient) -> None:
    keys = big_key_pool()
    alice, bob, carol = [await sign_up(vault, keys) for _ in range(3)]
    ab, _ = await connect(vault, keys, alice, bob)
    ac, _ = await connect(vault, keys, alice, carol)
    space_id = await link_space(vault, alice, ab["id"])

    response = await vault.post(
        f"/connections/{ac['id']}/encryption_space",
        json={"encryption_space_id": space_id},
        headers=alice.headers,
    )

    assert response.status_code == 409
    assert error_code(response) == "encryption_space_linked_elsewhere"
    record = (await vault.get(f"/connections/{ac['id']}", headers=alice.headers)).json()["connection"]
    assert record["encryption_space_id"] is None


async def test_a_third_user_cannot_link_someone_elses_space(vault: httpx.AsyncClient) -> None:
    keys = big_key_pool()
    alice, bob, carol = [await sign_up(vault, keys) for _ in range(3)]
    ab, _ = await connect(vault, keys, alice, bob)
    _, ca = await connect(vault, keys, alice, carol)
    space_id = await link_space(vault, alice, ab["id"])

    response = await vault.post(
        f"/connections/{ca['id']}/encryption_space",
        json={"encryption_space_id": space_id},
        headers=carol.headers,
    )

    assert response.status_code == 409
    assert error_code(response) == "encryption_space_taken"


async def test_only_the_owner_of_the_connection_record_links(vault: httpx.AsyncClient) -> None:
    keys = big_key_pool()
    alice, bob, eve = [await sign_up(vault, keys) for _ in range(3)]
    ab, ba = await connect(vault, keys, alice, bob)
    for user, record in ((bob, ab), (alice, ba), (eve, ab)):
        response = await vault.post(
            f"/connections/{record['id']}/encryption_space",
            json={"encryption_space_id": str(uuid.uuid4())},
            headers=user.headers,
        )
        assert response.status_code == 404
        assert error_code(response) == "not_found"
    unknown = await vault.post(
        f"/connections/{uuid.uuid4()}/encryption_space",
        json={"encryption_space_id": str(uuid.uuid4())},
        headers=alice.headers,
    )
    assert unknown.status_code == 404
    record = (await vault.get(f"/connections/{ab['id']}", headers=alice.headers)).json()["connection"]
    assert record["encryption_space_id"] is None


async def test_link_body_and_auth_errors(vault: httpx.AsyncClient) -> None:
    keys = big_key_pool()
    alice, bob = await sign_up(vault, keys), await sign_up(vault, keys)
    ab, _ = await connect(vault, keys, alice, bob)
    path = f"/connections/{ab['id']}/encryption_space"
    for body in ({}, {"encryption_space_id": "not-a-uuid"}, {"encryption_space_id": 7}):
        response = await vault.post(path, json=body, headers=alice.headers)
        assert response.status_code == 422, body
        assert error_code(response) == "validation_failed"
    malformed = await vault.post(
        path, content=b"{nope", headers={**alice.headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert error_code(malformed) == "malformed_json"
    bad_path = await vault.post(
        "/connections/xyz/encryption_space",
        json={"encryption_space_id": str(uuid.uuid4())},
        headers=alice.headers,
    )
    assert bad_path.status_code == 422
    no_token = await vault.post(path, json={"encryption_space_id": str(uuid.uuid4())})
    assert no_token.status_code == 401
