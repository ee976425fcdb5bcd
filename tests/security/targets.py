"""Records made on demand for the matrix: what an allowed call may consume without spoiling the world."""

from __future__ import annotations

from datetime import timedelta

from strongroom import crypto
from strongroom.client import Share
from tests.security.authz import Call, Prepare
from tests.security.world import IDENTITIES, World

__all__ = [
    "claimable_space",
    "fresh_share",
    "fresh_space",
    "fresh_tokens_for",
    "member_space_copy",
    "spare_public_key",
]


async def fresh_space(w: World) -> str:
    """A new Keystore encryption space of alice's (her copy only)."""
    made = await w.ok(
        "keystore",
        "POST",
        "/encryption_spaces",
        "owner",
        {"encrypted_serialized_key": crypto.wrap_key(crypto.generate_key(), crypto.generate_key())},
    )
    space: str = made["encryption_space_data_encryption_key"]["encryption_space_id"]
    return space


async def fresh_share(w: World, *, terms: str | None = None) -> Share:
    """A new share of alice's card with bob (its own DEK and encryption space), not yet read."""
    alice = w.members["alice"]
    return await alice.client.share(
        w.ids["card"], w.ids["conn_ab"], terms=terms, expires_at=w.clock.now() + timedelta(days=7)
    )


async def claimable_space(w: World) -> str:
    """The space of a share of alice's with bob, whose shared key bob has not claimed yet."""

    async def make() -> str:
        share = await fresh_share(w)
        assert share.encryption_space_id is not None
        return share.encryption_space_id

    return await w.memo("claimable space", make)


async def member_space_copy(w: World) -> str:
    """The space of a new share of alice's that bob has read (so both hold a copy of its DEK)."""
    share = await fresh_share(w)
    await w.members["bob"].client.read_share(share.id)
    assert share.encryption_space_id is not None
    return share.encryption_space_id


async def spare_public_key(w: World, caller: str) -> str:
    """A Vault public key id of ``caller``'s, registered once (connection keys may be reused)."""

    async def make() -> str:
        member = w.member(caller)
        made = await w.ok(
            "vault",
            "POST",
            "/key_store/public_keys",
            caller,
            {"key_store_id": f"spare-{member.name}", "encryption_strategy": "Rsa4096", "public_key": _pem(w)},
        )
        key: str = made["public_key"]["id"]
        return key

    return await w.memo(f"spare public key of {caller}", make)


def _pem(w: World) -> str:
    # Any valid RSA-4096 public key: alice's login key will do (the Vault does not tie keys to accounts).
    return w.members["alice"].login_public_pem


def fresh_tokens_for(service: str) -> Prepare:
    """Identity callers call with a session of their own opened just now (the call may end it); the
    others with their usual (invalid) credentials."""

    async def prepare(w: World, caller: str) -> Call:
        if caller not in IDENTITIES:
            return Call()
        tokens = await w.fresh_tokens(w.member(caller))
        return Call(headers={"Authorization": tokens[service]})

    return prepare


def session_to_end(service: str) -> Prepare:
    """``DELETE /sessions/{session_id}``: the owner ends a session of hers opened just now; everyone else
    names one of hers too (shared by the case's callers), which must answer 404 and stay alive."""

    async def fresh_id(w: World) -> str:
        token = (await w.fresh_tokens(w.member("owner")))[service]
        listed = await w.send(service, "GET", "/sessions", headers={"Authorization": token})  # a first use
        assert listed.status_code == 200, listed.text
        return str(next(s["id"] for s in listed.json()["sessions"] if s["current"]))

    async def prepare(w: World, caller: str) -> Call:
        if caller == "owner":
            return Call(path={"session_id": await fresh_id(w)})
        return Call(path={"session_id": await w.memo(f"{service} owner's session", lambda: fresh_id(w))})

    return prepare
