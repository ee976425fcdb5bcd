"""A world of users, cards, connections and shares, built once with the SDK, for the authorization matrix.

Who is who (the matrix's callers, all relative to alice's records):

- ``owner`` — alice: owns the card, the connection records, keys and spaces the matrix aims at.
- ``recipient`` — bob: connected to alice; alice shared the card with him (distributable, terms accepted).
- ``onshare`` — carol: connected to bob only; bob shared alice's card on to her.
- ``connected`` — dave: connected to alice; nothing shared.
- ``stranger`` — erin: connected to nobody.
- ``anonymous`` (no ``Authorization``), ``expired`` and ``revoked`` (alice's own tokens, which would work
  but for their expiry or revocation), ``bad_service`` (a wrong service credential) and ``service`` (the
  real service credential, which must open only the service endpoints).

frank is not a caller: his invitations are what the callers accept. Throwaway accounts (Vault only,
made with raw calls) stand in where a call would destroy the caller's account or connections.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from strongroom import crypto
from strongroom.client import Credentials, Strongroom
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from tests.security.dump import DatabaseDump, DatabaseReader

__all__ = [
    "CALLERS",
    "IDENTITIES",
    "TOKEN_CALLERS",
    "Member",
    "World",
    "build_world",
]

BASE_URL: Final = "http://testserver"
SERVICE_CREDENTIAL: Final = "test-service-credential"

IDENTITIES: Final = {
    "owner": "alice",
    "recipient": "bob",
    "onshare": "carol",
    "connected": "dave",
    "stranger": "erin",
}
TOKEN_CALLERS: Final = ("anonymous", "expired", "revoked", "bad_service", "service")
CALLERS: Final = (*IDENTITIES, *TOKEN_CALLERS)

T = TypeVar("T")


def small_login_key() -> tuple[str, str]:
    """A fresh RSA-2048 pair (private PEM, public PEM): the smallest a Vault login key may be, and quick."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass
class Member:
    """A world user: the SDK client (logged in; its tokens are the member's current ones) and secrets."""

    name: str
    passphrase: str
    client: Strongroom
    credentials: Credentials
    srp_password: bytes = b""
    login_private_pem: str = ""
    login_public_pem: str = ""

    def token(self, service: str) -> str:
        api = self.client.keystore.api if service == "keystore" else self.client.vault.api
        assert api.token is not None
        return api.token


@dataclass
class World:
    """The running server (in-process), its databases, the members and the ids of their records."""

    settings: Settings
    clock: FrozenClock
    transport: httpx.AsyncBaseTransport
    http: httpx.AsyncClient
    readers: Mapping[str, DatabaseReader]
    members: dict[str, Member] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    expired: dict[str, str] = field(default_factory=dict)
    revoked: dict[str, str] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict)

    # Callers -----------------------------------------------------------------------------------

    def member(self, caller: str) -> Member:
        return self.members[IDENTITIES[caller]]

    def headers(self, caller: str, service: str) -> dict[str, str]:
        """The ``Authorization`` header ``caller`` (or the member of that name) sends to ``service``."""
        if caller in IDENTITIES:
            return {"Authorization": self.member(caller).token(service)}
        if caller in self.members:
            return {"Authorization": self.members[caller].token(service)}
        match caller:
            case "anonymous":
                return {}
            case "expired":
                return {"Authorization": self.expired[service]}
            case "revoked":
                return {"Authorization": self.revoked[service]}
            case "bad_service":
                return {"Authorization": "Service not-the-service-credential"}
            case "service":
                return {"Authorization": f"Service {SERVICE_CREDENTIAL}"}
        raise ValueError(f"unknown caller {caller!r}")

    # Requests and state ------------------------------------------------------------------------

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        json: Any = None,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        kwargs: dict[str, Any] = {"headers": dict(headers), "params": dict(params or {})}
        if json is not None:
            kwargs["json"] = json
        if content is not None:
            kwargs["content"] = content
        return await self.http.request(method, f"/{service}{path}", **kwargs)

    async def ok(
        self, service: str, method: str, path: str, who: str, json: Any = None, **kw: Any
    ) -> dict[str, Any]:
        """A call that must succeed (for building the world and the matrix's targets)."""
        response = await self.send(service, method, path, headers=self.headers(who, service), json=json, **kw)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if response.content else {}

    async def dumps(self) -> dict[str, DatabaseDump]:
        return {service: await reader.dump() for service, reader in self.readers.items()}

    async def memo(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        """``make()`` once per key for the world's lifetime (targets shared by a case's callers)."""
        if key not in self._memo:
            self._memo[key] = await make()
        value: T = self._memo[key]
        return value

    def unique(self, prefix: str) -> str:
        return f"{prefix}_{secrets.token_hex(6)}"

    # Sessions ----------------------------------------------------------------------------------

    async def srp_proof(self, username: str, srp_password: bytes) -> dict[str, str]:
        """``{srp_a, srp_m}``: a proof of the password for a challenge the Keystore just issued."""
        client = crypto.SrpClient(username, srp_password)
        srp_a = client.public_a_hex()
        challenge = await self.ok(
            "keystore", "POST", "/srp/challenges", "anonymous", {"username": username, "srp_a": srp_a}
        )
        proof = client.process_challenge(
            challenge["challenge"]["challenge_salt"], challenge["challenge"]["challenge_b"]
        )
        return {"srp_a": srp_a, "srp_m": proof}

    async def srp_login(self, username: str, srp_password: bytes) -> str:
        """A new Keystore session token (a full SRP login)."""
        proof = await self.srp_proof(username, srp_password)
        session = await self.ok(
            "keystore", "POST", "/srp/session", "anonymous", {"username": username, **proof}
        )
        token: str = session["session"]["session_authentication_string"]
        return token

    async def keystore_session(self, member: Member) -> str:
        """A new Keystore session token of ``member``."""
        return await self.srp_login(member.credentials.username, member.srp_password)

    async def keystore_account(self) -> tuple[str, bytes]:
        """A throwaway Keystore-only account (no keys, no Vault account): its username and SRP password."""
        username, password = self.unique("throwaway"), secrets.token_bytes(16)
        salt, verifier = crypto.create_verifier(username, password)
        await self.ok(
            "keystore",
            "POST",
            "/srp/users",
            "anonymous",
            {"username": username, "srp_salt": salt, "srp_verifier": verifier},
        )
        return username, password

    async def vault_session(self, private_pem: str, public_pem: str) -> str:
        """A new Vault session token for the account whose login key this is."""
        data = await self.ok("vault", "POST", "/session", "anonymous", {"public_key": public_pem})
        encrypted = data["session"]["encrypted_session_authentication_string"]
        return crypto.decrypt_with_private_key(private_pem, encrypted).decode()

    async def fresh_tokens(self, member: Member) -> dict[str, str]:
        """New sessions of ``member`` in both services (the member's current tokens stay valid)."""
        return {
            "keystore": await self.keystore_session(member),
            "vault": await self.vault_session(member.login_private_pem, member.login_public_pem),
        }

    async def renew(self, member: Member) -> None:
        """Give ``member``'s client new sessions (after a call ended all of them)."""
        tokens = await self.fresh_tokens(member)
        member.client.keystore.use_token(tokens["keystore"])
        member.client.vault.use_token(tokens["vault"])

    async def vault_account(self) -> str:
        """A throwaway Vault-only account (no Keystore account, no keys in any pool); its session token."""
        token, _ = await self.vault_account_with_key()
        return token

    async def vault_account_with_key(self) -> tuple[str, str]:
        """A throwaway Vault-only account: its session token and login private key (PEM)."""
        admission = await self.ok("vault", "POST", "/admission_tokens", "service")
        private, public = small_login_key()
        created = await self.ok(
            "vault",
            "POST",
            "/me",
            "anonymous",
            {"public_key": public, "admission_token": admission["admission_token"]["token_value"]},
        )
        token = crypto.decrypt_with_private_key(
            private, created["encrypted_session_authentication_string"]
        ).decode()
        return token, private

    # Members ------------------------------------------------------------------------------------

    async def sign_up(self, name: str) -> Member:
        client = Strongroom(BASE_URL, transport=self.transport, clock=self.clock.now)
        passphrase = f"{name}'s passphrase {secrets.token_hex(4)}"
        credentials = await client.sign_up(passphrase, full_name=name.title(), email=f"{name}@example.test")
        member = Member(name, passphrase, client, credentials)
        member.srp_password = crypto.derive_srp_password(passphrase, credentials.secret_key)
        login = await client.keystore.keypair_by_external_id("auth")
        assert client._keys is not None
        member.login_private_pem = crypto.unwrap_private_key(client._keys.kek, login.encrypted_serialized_key)
        member.login_public_pem = login.public_key
        self.members[name] = member
        return member

    async def aclose(self) -> None:
        for member in self.members.values():
            await member.client.aclose()
        await self.http.aclose()
        for reader in self.readers.values():
            await reader.aclose()


async def _connect(inviter: Member, invitee: Member) -> tuple[str, str, str]:
    """Connect two members through the SDK; returns (inviter's record id, invitee's record id, the
    inviter's Vault public key id)."""
    invitation = await inviter.client.invite(nickname=invitee.name.title())
    assert invitation.token is not None
    theirs = await invitee.client.accept_invitation(invitation.token, nickname=inviter.name.title())
    mine = next(
        c for c in await inviter.client.connections() if c.user_id == invitee.credentials.vault_user_id
    )
    assert invitation.public_key_id is not None
    return mine.id, theirs.id, invitation.public_key_id


async def _tokens_at(world: World, member: Member, when: datetime) -> dict[str, str]:
    """New sessions of ``member`` opened with the server's clock at ``when``."""
    now = world.clock.now()
    world.clock.set(when)
    try:
        return await world.fresh_tokens(member)
    finally:
        world.clock.set(now)


async def build_world(world: World) -> None:
    """Sign the members up and make the records the matrix aims at (ids in ``world.ids``)."""
    for name in ("alice", "bob", "carol", "dave", "erin", "frank"):
        await world.sign_up(name)
    alice, bob, carol, dave = (world.members[n] for n in ("alice", "bob", "carol", "dave"))
    ids = world.ids

    card = await alice.client.create_card("vehicle", "Alice's car", {"vin": "VIN-1", "make": "Volvo"})
    ids["card"], ids["slot"] = card.id, card.slot("vin").id
    assert alice.client._keys is not None
    ids["dek"] = alice.client._keys.private_dek_id
    template = await world.ok(
        "vault",
        "POST",
        "/item_templates",
        "owner",
        {"name": "alice_own", "label": "Alice's own", "slots_attributes": [{"name": "x", "label": "X"}]},
    )
    ids["template"] = template["item_template"]["id"]
    builtin = await world.ok("vault", "GET", "/item_templates", "stranger")
    ids["builtin_template"] = next(t["id"] for t in builtin["item_templates"] if t["name"] == "vehicle")

    ids["conn_ab"], ids["conn_ba"], ids["public_key"] = await _connect(alice, bob)
    ids["conn_ad"], ids["conn_da"], _ = await _connect(alice, dave)
    ids["conn_bc"], ids["conn_cb"], _ = await _connect(bob, carol)
    ids["keypair"] = (await alice.client.connection(ids["conn_ab"])).keypair_id or ""

    share = await alice.client.share(
        card.id,
        ids["conn_ab"],
        terms="For your eyes only.",
        expires_at=world.clock.now() + timedelta(days=30),
        distributable=True,
    )
    await bob.client.accept_share(share.id)
    await bob.client.read_share(share.id)
    onshare = await bob.client.reshare(share.id, ids["conn_bc"])
    await carol.client.read_share(onshare.id)
    ids["share"], ids["onshare"] = share.id, onshare.id
    assert share.encryption_space_id is not None
    ids["space"] = share.encryption_space_id

    invitation = await alice.client.invite(nickname="Someone", email="someone@example.test")
    ids["invitation"] = invitation.id
    device = await world.ok(
        "keystore",
        "POST",
        "/keypairs",
        "owner",
        {
            "public_key": alice.login_public_pem,
            "encrypted_serialized_key": crypto.wrap_key(crypto.generate_key(), crypto.generate_key()),
            "metadata": {},
            "external_identifiers": ["alice-device"],
        },
    )
    ids["device_keypair"] = device["keypair"]["id"]

    # alice's own tokens that must not work: one expired (opened a session lifetime ago), one revoked.
    past = world.clock.now() - timedelta(seconds=world.settings.session_lifetime + 60)
    world.expired.update(await _tokens_at(world, alice, past))
    revoked = await world.fresh_tokens(alice)
    for service, token in revoked.items():
        response = await world.send(service, "DELETE", "/session", headers={"Authorization": token})
        assert response.status_code == 204, (service, response.text)
    world.revoked.update(revoked)
    for service in ("keystore", "vault"):
        for what, tokens in (("expired", world.expired), ("revoked", world.revoked)):
            response = await world.send(
                service,
                "GET",
                "/key_encryption_key" if service == "keystore" else "/me",
                headers={"Authorization": tokens[service]},
            )
            assert response.status_code == 401, (service, what)
