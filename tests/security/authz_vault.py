"""The Vault's rows of the authorization matrix (targets: alice's records and her shares)."""

from __future__ import annotations

import httpx

from strongroom import crypto
from tests.security.authz import Call, Case, each_user, everyone, fixed, owner_only, service_only
from tests.security.targets import fresh_share, fresh_space, fresh_tokens_for, spare_public_key
from tests.security.world import IDENTITIES, World, small_login_key

__all__ = ["VAULT_CASES"]

V = "vault"


def _ciphertext() -> str:
    """A value as a client sends it: encrypted under a key the Vault never sees."""
    encrypted = crypto.encrypt_text(crypto.generate_key(), "a value")
    assert encrypted is not None
    return encrypted


async def _renew_after_logout_everywhere(w: World, caller: str, response: httpx.Response) -> None:
    if caller in IDENTITIES and response.status_code == 204:
        await w.renew(w.member(caller))


async def _admission_token(w: World) -> str:
    made = await w.ok(V, "POST", "/admission_tokens", "service")
    token: str = made["admission_token"]["token_value"]
    return token


async def _new_account(w: World, caller: str) -> Call:
    _, public = small_login_key()
    return Call(json={"public_key": public, "admission_token": await _admission_token(w)})


async def _known_admission_token(w: World, caller: str) -> Call:
    return Call(path={"token_value": await w.memo("admission token to look up", lambda: _admission_token(w))})


async def _throwaway_account(w: World, caller: str) -> Call:
    """Deleting one's account is tried on a throwaway account of the caller's own (same rights)."""
    if caller not in IDENTITIES:
        return Call()
    return Call(headers={"Authorization": await w.vault_account()})


async def _card(w: World, caller: str) -> Call:
    if caller == "owner":
        card = await w.members["alice"].client.create_card("note", "To delete", {"note": "n"})
        return Call(path={"item_id": card.id})
    return Call(path={"item_id": w.ids["card"]})


async def _slot(w: World, caller: str) -> Call:
    if caller == "owner":
        card = await w.members["alice"].client.create_card("note", "Slot to delete", {"note": "n"})
        return Call(path={"slot_id": card.slot("note").id})
    return Call(path={"slot_id": w.ids["slot"]})


async def _invitation_to_delete(w: World, caller: str) -> Call:
    if caller == "owner":
        made = await w.ok(
            V,
            "POST",
            "/invitations",
            "owner",
            {"public_key_id": w.ids["public_key"], "encrypted_recipient_name": _ciphertext()},
        )
        return Call(path={"invitation_id": made["invitation"]["id"]})
    return Call(path={"invitation_id": w.ids["invitation"]})


async def _accept_franks_invitation(w: World, caller: str) -> Call:
    """Anyone holding an invitation's token may accept it: frank invites each caller afresh."""
    frank_key = await w.memo("frank's public key", lambda: _public_key_of(w, "frank"))
    invitation = await w.ok(
        V,
        "POST",
        "/invitations",
        "frank",
        {"public_key_id": frank_key, "encrypted_recipient_name": _ciphertext()},
    )
    own_key = await spare_public_key(w, caller if caller in IDENTITIES else "owner")
    return Call(
        json={
            "public_key_id": own_key,
            "encrypted_recipient_name": _ciphertext(),
            "invitation_token": invitation["invitation"]["token"],
        }
    )


async def _preview_franks_invitation(w: World, caller: str) -> Call:
    """Any holder of an invitation's token may check it before accepting (it changes nothing)."""
    frank_key = await w.memo("frank's public key", lambda: _public_key_of(w, "frank"))
    invitation = await w.ok(
        V,
        "POST",
        "/invitations",
        "frank",
        {"public_key_id": frank_key, "encrypted_recipient_name": _ciphertext()},
    )
    return Call(json={"invitation_token": invitation["invitation"]["token"]})


async def _public_key_of(w: World, member: str) -> str:
    made = await w.ok(
        V,
        "POST",
        "/key_store/public_keys",
        member,
        {
            "key_store_id": f"spare-{member}",
            "encryption_strategy": "Rsa4096",
            "public_key": w.members["alice"].login_public_pem,
        },
    )
    key: str = made["public_key"]["id"]
    return key


async def _connection_to_delete(w: World, caller: str) -> Call:
    """The owner deletes a connection of hers with a throwaway partner; the others aim at alice ↔ bob."""
    if caller != "owner":
        return Call(path={"connection_id": w.ids["conn_ab"]})
    partner = {"Authorization": await w.vault_account()}
    key = await w.send(
        V,
        "POST",
        "/key_store/public_keys",
        headers=partner,
        json={
            "key_store_id": "partner",
            "encryption_strategy": "Rsa4096",
            "public_key": w.members["alice"].login_public_pem,
        },
    )
    invitation = await w.send(
        V,
        "POST",
        "/invitations",
        headers=partner,
        json={"public_key_id": key.json()["public_key"]["id"], "encrypted_recipient_name": _ciphertext()},
    )
    accepted = await w.ok(
        V,
        "POST",
        "/connections",
        "owner",
        {
            "public_key_id": await spare_public_key(w, "owner"),
            "encrypted_recipient_name": _ciphertext(),
            "invitation_token": invitation.json()["invitation"]["token"],
        },
    )
    return Call(path={"connection_id": accepted["connection"]["id"]})


async def _link_space(w: World, caller: str) -> Call:
    space = (
        await fresh_space(w) if caller == "owner" else await w.memo("space to link", lambda: fresh_space(w))
    )
    return Call(path={"connection_id": w.ids["conn_ab"]}, json={"encryption_space_id": space})


async def _new_share(w: World, caller: str) -> Call:
    """A whole share request of alice's card over alice's connection, its space linked beforehand."""

    async def body() -> dict[str, object]:
        space = await fresh_space(w)
        await w.ok(
            V,
            "POST",
            f"/connections/{w.ids['conn_ab']}/encryption_space",
            "owner",
            {"encryption_space_id": space},
        )
        return {
            "shares": [
                {
                    "shareable_type": "Item",
                    "shareable_id": w.ids["card"],
                    "connection_id": w.ids["conn_ab"],
                    "encryption_space_id": space,
                    "encrypted_values": {w.ids["slot"]: _ciphertext()},
                }
            ]
        }

    # One body for every caller: the owner (first) creates the share, the others are refused before
    # the space matters.
    return Call(json=await w.memo("share request", body))


async def _acceptable_share(w: World, caller: str) -> Call:
    async def make() -> str:
        return (await fresh_share(w, terms="Accept me")).id

    return Call(path={"share_id": await w.memo("share awaiting acceptance", make)})


async def _share_to_revoke(w: World, caller: str) -> Call:
    if caller in ("owner", "recipient"):
        return Call(path={"share_id": (await fresh_share(w)).id})
    return Call(path={"share_id": w.ids["share"]})


async def _task(w: World, caller: str) -> Call:
    async def make() -> str:
        alice = w.members["alice"]
        await alice.client.update_card(w.ids["card"], label="Alice's car")
        todo = await alice.client.client_tasks(state="todo")
        assert todo, "editing a shared card queues a client task"
        return todo[0].id

    task = await w.memo("alice's task", make)
    return Call(json={"client_tasks": [{"id": task, "state": "done", "report": {"updated_shares": 0}}]})


def _template_body(w: World) -> dict[str, object]:
    return {"name": w.unique("tpl"), "label": "A template", "slots_attributes": [{"name": "x", "label": "X"}]}


VAULT_CASES: list[Case] = [
    Case(V, "GET", "/health", everyone(200)),
    Case(V, "GET", "/version", everyone(200)),
    Case(V, "POST", "/admission_tokens", service_only(201)),
    Case(V, "GET", "/admission_tokens/{token_value}", service_only(200), _known_admission_token),
    Case(V, "POST", "/me", everyone(201), _new_account),
    Case(V, "GET", "/me", each_user(200)),
    Case(V, "PUT", "/me", each_user(200), fixed(lambda w: Call(json={"user": {"full_name": "A. Person"}}))),
    Case(V, "DELETE", "/me", each_user(204), _throwaway_account),
    Case(
        V,
        "POST",
        "/session",
        everyone(200),
        fixed(lambda w: Call(json={"public_key": w.members["alice"].login_public_pem})),
    ),
    Case(V, "DELETE", "/session", each_user(204), fresh_tokens_for(V)),
    Case(
        V, "DELETE", "/session/all", each_user(204), fresh_tokens_for(V), after=_renew_after_logout_everywhere
    ),
    Case(V, "GET", "/item_templates", each_user(200)),
    Case(
        V,
        "GET",
        "/item_templates/{template_id}",
        each_user(200),
        fixed(lambda w: Call(path={"template_id": w.ids["builtin_template"]})),
        variant="built-in",
    ),
    Case(
        V,
        "GET",
        "/item_templates/{template_id}",
        owner_only(200),
        fixed(lambda w: Call(path={"template_id": w.ids["template"]})),
        variant="alice's own",
    ),
    Case(V, "POST", "/item_templates", each_user(201), fixed(lambda w: Call(json=_template_body(w)))),
    Case(V, "POST", "/shares", owner_only(201), _new_share),
    Case(V, "GET", "/shares", each_user(200)),
    Case(
        V,
        "PUT",
        "/shares",
        owner_only(200, recipient=403),
        fixed(lambda w: Call(json={"shares": [{"id": w.ids["share"], "distributable": True}]})),
    ),
    Case(
        V,
        "GET",
        "/shares/{share_id}",
        owner_only(200, recipient=200),
        fixed(lambda w: Call(path={"share_id": w.ids["share"]})),
        variant="alice's share with bob",
    ),
    Case(
        V,
        "GET",
        "/shares/{share_id}",
        owner_only(404, recipient=200, onshare=200),
        fixed(lambda w: Call(path={"share_id": w.ids["onshare"]})),
        variant="bob's on-share with carol",
    ),
    Case(V, "PUT", "/shares/{share_id}/accept", owner_only(403, recipient=200), _acceptable_share),
    Case(V, "DELETE", "/shares/{share_id}", owner_only(204, recipient=204), _share_to_revoke),
    Case(V, "GET", "/items/incoming", each_user(200)),
    Case(V, "GET", "/items", each_user(200)),
    Case(
        V,
        "POST",
        "/items",
        each_user(201),
        fixed(
            lambda w: Call(
                json={
                    "template_name": "note",
                    "item": {
                        "label": "A note",
                        "slots_attributes": [{"name": "note", "encrypted_value": _ciphertext()}],
                    },
                }
            )
        ),
    ),
    Case(
        V, "GET", "/items/{item_id}", owner_only(200), fixed(lambda w: Call(path={"item_id": w.ids["card"]}))
    ),
    Case(
        V,
        "PUT",
        "/items/{item_id}",
        owner_only(200),
        fixed(lambda w: Call(path={"item_id": w.ids["card"]}, json={"item": {"label": "Alice's car"}})),
    ),
    Case(V, "DELETE", "/items/{item_id}", owner_only(204), _card),
    Case(
        V, "GET", "/slots/{slot_id}", owner_only(200), fixed(lambda w: Call(path={"slot_id": w.ids["slot"]}))
    ),
    Case(
        V,
        "PUT",
        "/slots/{slot_id}",
        owner_only(200),
        fixed(lambda w: Call(path={"slot_id": w.ids["slot"]}, json={"slot": {"label": "VIN"}})),
    ),
    Case(V, "DELETE", "/slots/{slot_id}", owner_only(204), _slot),
    Case(
        V,
        "POST",
        "/key_store/public_keys",
        each_user(201),
        fixed(
            lambda w: Call(
                json={
                    "key_store_id": "any",
                    "encryption_strategy": "Rsa4096",
                    "public_key": w.members["alice"].login_public_pem,
                }
            )
        ),
    ),
    Case(V, "GET", "/key_store/public_keys", each_user(200)),
    Case(
        V,
        "GET",
        "/key_store/public_keys/{key_id}",
        owner_only(200),
        fixed(lambda w: Call(path={"key_id": w.ids["public_key"]})),
    ),
    Case(
        V,
        "POST",
        "/invitations",
        owner_only(201),
        fixed(
            lambda w: Call(
                json={"public_key_id": w.ids["public_key"], "encrypted_recipient_name": _ciphertext()}
            )
        ),
        variant="with alice's public key",
    ),
    Case(V, "GET", "/invitations", each_user(200)),
    Case(
        V,
        "GET",
        "/invitations/{invitation_id}",
        owner_only(200),
        fixed(lambda w: Call(path={"invitation_id": w.ids["invitation"]})),
    ),
    Case(V, "DELETE", "/invitations/{invitation_id}", owner_only(204), _invitation_to_delete),
    Case(V, "POST", "/connections/preview", each_user(200), _preview_franks_invitation),
    Case(V, "POST", "/connections", each_user(201), _accept_franks_invitation),
    Case(V, "GET", "/connections", each_user(200)),
    Case(
        V,
        "PATCH",
        "/connections/{connection_id}",
        owner_only(200),
        fixed(
            lambda w: Call(
                path={"connection_id": w.ids["conn_ab"]}, json={"encrypted_recipient_name": _ciphertext()}
            )
        ),
    ),
    Case(
        V,
        "GET",
        "/connections/{connection_id}",
        owner_only(200),
        fixed(lambda w: Call(path={"connection_id": w.ids["conn_ab"]})),
    ),
    Case(V, "DELETE", "/connections/{connection_id}", owner_only(204), _connection_to_delete),
    Case(V, "POST", "/connections/{connection_id}/encryption_space", owner_only(201), _link_space),
    Case(V, "GET", "/client_task_queue", each_user(200)),
    Case(V, "PUT", "/client_task_queue", owner_only(200), _task),
]
