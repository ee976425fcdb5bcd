"""The Keystore's rows of the authorization matrix (targets: alice's records)."""

from __future__ import annotations

import secrets

import httpx

from strongroom import crypto
from strongroom.client._core import iso
from tests.security.authz import Call, Case, each_user, everyone, fixed, owner_only, statuses
from tests.security.targets import (
    claimable_space,
    fresh_space,
    fresh_tokens_for,
    member_space_copy,
    session_to_end,
)
from tests.security.world import IDENTITIES, World

__all__ = ["KEYSTORE_CASES"]

KS = "keystore"


def _wrapped() -> str:
    """A well-formed KEK-wrapped key (the Keystore cannot tell whose KEK wrapped it)."""
    return crypto.wrap_key(crypto.generate_key(), crypto.generate_key())


async def _new_user(w: World, caller: str) -> Call:
    salt, verifier = crypto.create_verifier(w.unique("u"), secrets.token_bytes(16))
    return Call(json={"username": w.unique("user"), "srp_salt": salt, "srp_verifier": verifier})


async def _challenge(w: World, caller: str) -> Call:
    alice = w.members["alice"]
    client = crypto.SrpClient(alice.credentials.username, alice.srp_password)
    return Call(json={"username": alice.credentials.username, "srp_a": client.public_a_hex()})


async def _srp_session(w: World, caller: str) -> Call:
    alice = w.members["alice"]
    proof = await w.srp_proof(alice.credentials.username, alice.srp_password)
    return Call(json={"username": alice.credentials.username, **proof})


async def _delete_account(w: World, caller: str) -> Call:
    """Deleting one's account is tried on a throwaway account of the caller's own (same rights), with a
    fresh SRP proof of its password; callers without a valid token send such a proof too."""
    username, password = await w.keystore_account()
    token = await w.srp_login(username, password)
    proof = await w.srp_proof(username, password)
    return Call(headers={"Authorization": token} if caller in IDENTITIES else None, json=proof)


async def _throwaway_with_kek(w: World) -> tuple[str, bytes, str, str]:
    """A throwaway account with a KEK: username, SRP password, session token, KEK id."""
    username, password = await w.keystore_account()
    token = await w.srp_login(username, password)
    made = await w.send(
        KS,
        "POST",
        "/key_encryption_key",
        headers={"Authorization": token},
        json={"serialized_key_encryption_key": _wrapped()},
    )
    assert made.status_code == 201, made.text
    return username, password, token, made.json()["key_encryption_key"]["id"]


async def _change_credentials(w: World, caller: str) -> Call:
    """New credentials for a throwaway account of the caller's own, with a fresh proof of the old ones."""
    username, password, token, kek_id = await _throwaway_with_kek(w)
    salt, verifier = crypto.create_verifier(username, secrets.token_bytes(16))
    body = {
        **await w.srp_proof(username, password),
        "srp_salt": salt,
        "srp_verifier": verifier,
        "key_encryption_key_id": kek_id,
        "serialized_key_encryption_key": _wrapped(),
    }
    return Call(headers={"Authorization": token} if caller in IDENTITIES else None, json=body)


async def _rotate_kek(w: World, caller: str) -> Call:
    """A KEK rotation of a throwaway account of the caller's own (it holds no other keys)."""
    username, password, token, kek_id = await _throwaway_with_kek(w)
    body = {
        **await w.srp_proof(username, password),
        "key_encryption_key_id": kek_id,
        "serialized_key_encryption_key": _wrapped(),
        "data_encryption_keys": [],
        "keypairs": [],
        "encryption_spaces": [],
    }
    return Call(headers={"Authorization": token} if caller in IDENTITIES else None, json=body)


async def _renew_after_ending_others(w: World, caller: str, response: httpx.Response) -> None:
    """``DELETE /sessions`` from a fresh session ended the member's usual one."""
    if caller in IDENTITIES and response.status_code == 200:
        await w.renew(w.member(caller))


async def _renew_after_logout_everywhere(w: World, caller: str, response: httpx.Response) -> None:
    if caller in IDENTITIES and response.status_code == 204:
        await w.renew(w.member(caller))


async def _dek_target(w: World, caller: str) -> Call:
    if caller == "owner":
        made = await w.ok(
            KS, "POST", "/data_encryption_keys", "owner", {"serialized_data_encryption_key": _wrapped()}
        )
        return Call(path={"id": made["data_encryption_key"]["id"]})
    return Call(path={"id": w.ids["dek"]})


def _keypair_body(w: World) -> dict[str, object]:
    return {
        "public_key": w.members["alice"].login_public_pem,
        "encrypted_serialized_key": _wrapped(),
        "metadata": {},
        "external_identifiers": [],
    }


async def _used_admission_token(w: World, caller: str) -> Call:
    """The first ask after a token was used replaces it by its hash (a deliberate forgetting, tested in
    tests/keystore/test_keystore_admission.py); from then on a refusal changes nothing, which is checked."""
    await w.send(KS, "GET", "/external_admission_tokens", headers=w.headers(caller, KS))
    return Call()


async def _keypair_to_delete(w: World, caller: str) -> Call:
    if caller == "owner":
        made = await w.ok(KS, "POST", "/keypairs", "owner", _keypair_body(w))
        return Call(path={"id": made["keypair"]["id"]})
    return Call(path={"id": w.ids["keypair"]})


async def _space_to_delete(w: World, caller: str) -> Call:
    """The creator deletes a space of hers; a member removes their own copy; anyone else gets 404."""
    if caller in ("owner", "recipient"):
        return Call(path={"id": await member_space_copy(w)})
    return Call(path={"id": await w.memo("ks delete space: others", lambda: member_space_copy(w))})


async def _shared_key(w: World, caller: str) -> Call:
    # A shared key per (space, public key): the owner's call gets a space of its own.
    space = await fresh_space(w) if caller == "owner" else w.ids["space"]
    bob_key = (await w.members["bob"].client.connection(w.ids["conn_ba"])).public_key
    assert bob_key is not None
    return Call(
        json={
            "encrypted_key": crypto.encrypt_with_public_key(bob_key, crypto.generate_key()),
            "external_id": space,
            "public_key": bob_key,
            "key_metadata": {"key_type": "Aes256Gcm"},
        }
    )


async def _claim(w: World, caller: str) -> Call:
    """Every user signs a fresh claim with a connection key of their own; only the recipient's is the key
    the shared key was made for. Callers without a valid token send the recipient's valid claim."""
    space = await claimable_space(w)
    signer = caller if caller in IDENTITIES else "recipient"
    private_key, public_pem = await w.member(signer).client._connection_keypair(
        await _some_connection_keypair(w, signer)
    )
    base = w.members["bob"].client.keystore.base_url
    text = f"{base}/shared_keys/{space}/claim_key--request-timestamp={iso(w.clock.now())}"
    return Call(
        path={"external_id": space},
        json={"public_key": public_pem, "request_signature": crypto.sign(private_key, text.encode())},
    )


async def _some_connection_keypair(w: World, caller: str) -> str:
    """A Keystore keypair id of one of ``caller``'s connections (erin, with none, gets one made)."""
    member = w.member(caller)
    connections = await member.client.connections()
    own = {"owner": "conn_ab", "recipient": "conn_ba", "onshare": "conn_cb", "connected": "conn_da"}
    if caller in own:
        record = next(c for c in connections if c.id == w.ids[own[caller]])
        assert record.keypair_id is not None
        return record.keypair_id

    async def make() -> str:
        invitation = await member.client.invite(nickname="nobody")
        assert invitation.keypair_id is not None
        return invitation.keypair_id

    return await w.memo(f"connection keypair of {caller}", make)


async def _join(w: World, caller: str) -> Call:
    return Call(json={"encrypted_serialized_key": _wrapped(), "encryption_space_id": w.ids["space"]})


KEYSTORE_CASES: list[Case] = [
    Case(KS, "GET", "/health", everyone(200)),
    Case(KS, "GET", "/version", everyone(200)),
    Case(KS, "POST", "/srp/username", everyone(200), fixed(lambda w: Call(json={}))),
    Case(KS, "POST", "/srp/users", everyone(201), _new_user),
    Case(KS, "POST", "/srp/challenges", everyone(200), _challenge),
    Case(KS, "POST", "/srp/session", everyone(200), _srp_session),
    Case(KS, "DELETE", "/session", each_user(204), fresh_tokens_for(KS)),
    Case(
        KS,
        "DELETE",
        "/session/all",
        each_user(204),
        fresh_tokens_for(KS),
        after=_renew_after_logout_everywhere,
    ),
    Case(KS, "DELETE", "/users/me", each_user(204), _delete_account),
    Case(KS, "GET", "/sessions", each_user(200)),
    Case(KS, "DELETE", "/sessions/{session_id}", owner_only(204), session_to_end(KS)),
    Case(KS, "DELETE", "/sessions", each_user(200), fresh_tokens_for(KS), after=_renew_after_ending_others),
    Case(KS, "PUT", "/users/me/credentials", each_user(200), _change_credentials),
    Case(KS, "PUT", "/key_encryption_key", each_user(200), _rotate_kek),
    Case(KS, "GET", "/data_encryption_keys", each_user(200)),
    Case(
        KS,
        "POST",
        "/key_encryption_key",
        each_user(409),
        fixed(lambda w: Call(json={"serialized_key_encryption_key": _wrapped()})),
    ),
    Case(KS, "GET", "/key_encryption_key", each_user(200)),
    Case(
        KS,
        "POST",
        "/data_encryption_keys",
        each_user(201),
        fixed(lambda w: Call(json={"serialized_data_encryption_key": _wrapped()})),
    ),
    Case(
        KS,
        "GET",
        "/data_encryption_keys/{id}",
        owner_only(200),
        fixed(lambda w: Call(path={"id": w.ids["dek"]})),
    ),
    Case(KS, "DELETE", "/data_encryption_keys/{id}", owner_only(204), _dek_target),
    Case(KS, "POST", "/keypairs", each_user(201), fixed(lambda w: Call(json=_keypair_body(w)))),
    Case(KS, "GET", "/keypairs", each_user(200)),
    Case(
        KS,
        "GET",
        "/keypairs/external_id/{external_id:path}",
        each_user(200),
        fixed(lambda w: Call(path={"external_id": "auth"})),
        variant="each user's login keypair",
    ),
    Case(
        KS,
        "GET",
        "/keypairs/external_id/{external_id:path}",
        owner_only(200),
        fixed(lambda w: Call(path={"external_id": "alice-device"})),
        variant="an identifier only alice uses",
    ),
    Case(KS, "GET", "/keypairs/{id}", owner_only(200), fixed(lambda w: Call(path={"id": w.ids["keypair"]}))),
    Case(
        KS,
        "PATCH",
        "/keypairs/{id}",
        owner_only(200),
        fixed(lambda w: Call(path={"id": w.ids["keypair"]}, json={"metadata": {"label": "phone"}})),
    ),
    Case(KS, "DELETE", "/keypairs/{id}", owner_only(204), _keypair_to_delete),
    # Every world user has already turned their admission token into a Vault account.
    Case(KS, "GET", "/external_admission_tokens", each_user(409), _used_admission_token),
    Case(
        KS,
        "POST",
        "/encryption_spaces",
        each_user(201),
        fixed(lambda w: Call(json={"encrypted_serialized_key": _wrapped()})),
        variant="create",
    ),
    Case(
        KS,
        "POST",
        "/encryption_spaces",
        owner_only(409, recipient=409),
        _join,
        variant="join the share's space",
    ),
    Case(KS, "GET", "/encryption_spaces", each_user(200)),
    Case(
        KS,
        "GET",
        "/encryption_spaces/{id}",
        owner_only(200, recipient=200),
        fixed(lambda w: Call(path={"id": w.ids["space"]})),
    ),
    Case(KS, "DELETE", "/encryption_spaces/{id}", owner_only(204, recipient=204), _space_to_delete),
    Case(KS, "POST", "/shared_keys", owner_only(201), _shared_key),
    Case(
        KS,
        "POST",
        "/shared_keys/{external_id}/claim_key",
        statuses(
            owner=403,
            recipient=200,
            onshare=403,
            connected=403,
            stranger=403,
            anonymous=401,
            expired=401,
            revoked=401,
            bad_service=401,
            service=401,
        ),
        _claim,
    ),
]
