"""A hostile Vault that substitutes connection keys: the SDK's own fingerprint comes from the caller's own
keypair, and a Vault whose copy of that key differs gets a loud KeyMismatch."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from strongroom import crypto
from strongroom.client import KeyMismatch, Strongroom
from tests.client.conftest import BASE_URL, PASSPHRASES
from tests.client.keypool import KeyPool
from tests.client.test_client_connections import connect

KEY_FIELDS = ("public_key", "other_user_connection_public_key")


class LyingVault(httpx.AsyncBaseTransport):
    """The real services behind a Vault that rewrites the connection keys it serves.

    ``lie_about`` names the fields of each connection record to rewrite; every real key gets one
    substitute of the attacker's, used consistently on both sides (as a key-swapping Vault would do, with
    fingerprints recomputed so that its own ones agree).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, lie_about: tuple[str, ...]) -> None:
        self.inner = inner
        self.lie_about = lie_about
        self.substitutes: dict[str, str] = {}
        self.lying = False

    def substitute(self, real: str) -> str:
        key = crypto.fingerprint(real)
        if key not in self.substitutes:
            self.substitutes[key] = crypto.generate_keypair().public_pem
        return self.substitutes[key]

    def rewrite(self, record: dict[str, Any]) -> None:
        for field in self.lie_about:
            if record.get(field):
                record[field] = self.substitute(record[field])
                record[f"{field}_fingerprint"] = crypto.fingerprint(record[field])

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not (self.lying and request.method == "GET" and request.url.path.startswith("/vault/connections")):
            return response
        body = json.loads(await response.aread())
        for record in [body.get("connection"), *body.get("connections", [])]:
            if isinstance(record, dict):
                self.rewrite(record)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, content=json.dumps(body).encode())


Factory = Callable[[tuple[str, ...]], tuple[LyingVault, Callable[[], Strongroom]]]


@pytest.fixture
def lying(transport: httpx.AsyncBaseTransport, clock: Any, key_pool: KeyPool) -> Factory:
    def make(fields: tuple[str, ...]) -> tuple[LyingVault, Callable[[], Strongroom]]:
        vault = LyingVault(transport, fields)
        return vault, lambda: Strongroom(BASE_URL, transport=vault, clock=clock.now)

    return make


@pytest.fixture
async def pair(lying: Factory) -> AsyncIterator[tuple[LyingVault, Strongroom, Strongroom]]:
    vault, make = lying(KEY_FIELDS)
    async with make() as alice, make() as bob:
        await alice.sign_up(PASSPHRASES["alice"])
        await bob.sign_up(PASSPHRASES["bob"])
        yield vault, alice, bob


async def test_a_vault_swapping_both_keys_is_caught_by_key_mismatch(
    pair: tuple[LyingVault, Strongroom, Strongroom],
) -> None:
    vault, alice, bob = pair
    alices, bobs = await connect(alice, bob)
    honest_mine = alices.my_fingerprint
    vault.lying = True
    # Before: both sides computed "my fingerprint" from the Vault's copy of their own key, so the two
    # substitutes compared equal across (alice's mine == bob's theirs) and the swap went unnoticed.
    for client, connection_id in ((alice, alices.id), (bob, bobs.id)):
        with pytest.raises(KeyMismatch) as raised:
            await client.connection(connection_id)
        assert raised.value.connection_id == connection_id
        with pytest.raises(KeyMismatch):
            await client.connections()
    vault.lying = False
    assert (await alice.connection(alices.id)).my_fingerprint == honest_mine


async def test_a_vault_lying_about_the_other_key_shows_different_fingerprints(lying: Factory) -> None:
    vault, make = lying(("other_user_connection_public_key",))
    async with make() as alice, make() as bob:
        await alice.sign_up(PASSPHRASES["alice"])
        await bob.sign_up(PASSPHRASES["bob"])
        alices, bobs = await connect(alice, bob)
        vault.lying = True
        seen_by_alice = await alice.connection(alices.id)
        seen_by_bob = await bob.connection(bobs.id)
    # Each one's own fingerprint is the truth (from their own keypair); read out loud, it differs from what
    # the lying Vault made the other side see.
    assert seen_by_alice.my_fingerprint == alices.my_fingerprint
    assert seen_by_alice.my_fingerprint != seen_by_bob.their_fingerprint
    assert seen_by_bob.my_fingerprint != seen_by_alice.their_fingerprint
    assert not seen_by_alice.verify(seen_by_bob.my_fingerprint or "")
    assert seen_by_alice.fingerprints_consistent  # the Vault's own numbers agree with its lie


async def test_my_fingerprint_comes_from_my_keypair(
    pair: tuple[LyingVault, Strongroom, Strongroom],
) -> None:
    _, alice, bob = pair
    alices, bobs = await connect(alice, bob)
    assert alices.keypair_id is not None
    keypair = await alice.keystore.keypair(alices.keypair_id)
    assert alices.my_fingerprint == crypto.fingerprint(keypair.public_key)
    assert alices.my_fingerprint == bobs.their_fingerprint
    assert alices.verify(bobs.my_fingerprint or "")
    assert alices.verify(" ".join((bobs.my_fingerprint or "").split()).replace(" ", ""))
