"""The Vault's rows of the authorization matrix (targets: alice's records and her shares)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx

from strongroom import crypto
from tests.security.authz import Call, Case, each_user, everyone, fixed, owner_only, service_only
from tests.security.targets import (
    fresh_share,
    fresh_space,
    fresh_tokens_for,
    session_to_end,
    spare_public_key,
)
from tests.security.world import IDENTITIES, World, small_login_key
from tests.vault.helpers import deletion_signature

__all__ = ["VAULT_CASES"]

V = "vault"


def _ciphertext() -> str:
    """A value as a client sends it: encrypted under a key the Vault never sees."""
    encrypted = crypto.encrypt_text(crypto.generate_key(), "a value")
    assert encrypted is not None
    return encrypted


async def _stored_blob(w: World, data: bytes) -> str:
    """A blob of alice's holding ``data`` (announced, then uploaded)."""
    made = await w.ok(
        V, "POST", "/direct/attachments/upload_url", "owner", {"blob": {"byte_size": len(data)}}
    )
    blob_id: str = made["attachment_direct_upload_url"]["blob_id"]
    await w.ok(V, "PUT", f"/direct/blobs/{blob_id}", "owner", content=data)
    return blob_id


async def _loose_attachment(w: World) -> str:
    """An attachment of alice's linked to no slot."""
    binary, record = await _stored_blob(w, b"ciphertext"), await _stored_blob(w, b"{}")
    body = {"blob": {"blob_id": binary, "encrypted_artifact_blob_id": record}}
    made = await w.ok(V, "POST", "/direct/attachments", "owner", body)
    attachment_id: str = made["attachment"]["id"]
    return attachment_id


async def _shared_attachment(w: World) -> tuple[str, str]:
    """(attachment id, its ciphertext blob id) of a file on a card of alice's shared whole with bob."""

    async def make() -> tuple[str, str]:
        alice = w.members["alice"].client
        card = await alice.create_card("note", "With a file", {})
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "scan.pdf"
            path.write_bytes(b"%PDF a scanned passport")
            card = await alice.attach_file(card.id, path)
        slot = card.slot("scan_pdf")
        assert slot.attachment_id is not None
        await alice.share(card.id, w.ids["conn_ab"])
        found = await w.ok(V, "GET", f"/direct/attachments/{slot.attachment_id}", "owner")
        return slot.attachment_id, found["attachment"]["main"]["id"]

    return await w.memo("shared attachment", make)


async def _blob_to_upload(w: World, caller: str) -> Call:
    """The owner uploads to a blob she just announced; everybody else tries one of hers."""
    if caller == "owner":
        made = await w.ok(V, "POST", "/direct/attachments/upload_url", "owner", {"blob": {"byte_size": 4}})
        return Call(path={"blob_id": made["attachment_direct_upload_url"]["blob_id"]}, content=b"abcd")

    async def pending() -> str:
        made = await w.ok(V, "POST", "/direct/attachments/upload_url", "owner", {"blob": {"byte_size": 4}})
        blob_id: str = made["attachment_direct_upload_url"]["blob_id"]
        return blob_id

    return Call(path={"blob_id": await w.memo("alice's pending blob", pending)}, content=b"abcd")


async def _blobs_to_attach(w: World, caller: str) -> Call:
    """The owner links two fresh blobs of hers; everybody else tries two of hers."""

    async def pair() -> tuple[str, str]:
        return await _stored_blob(w, b"ciphertext"), await _stored_blob(w, b"{}")

    binary, record = await pair() if caller == "owner" else await w.memo("alice's loose blobs", pair)
    return Call(json={"blob": {"blob_id": binary, "encrypted_artifact_blob_id": record}})


async def _attachment_to_delete(w: World, caller: str) -> Call:
    if caller == "owner":
        return Call(path={"attachment_id": await _loose_attachment(w)})
    return Call(path={"attachment_id": (await _shared_attachment(w))[0]})


async def _shared_attachment_path(w: World, caller: str) -> Call:
    return Call(path={"attachment_id": (await _shared_attachment(w))[0]})


async def _shared_blob_path(w: World, caller: str) -> Call:
    return Call(path={"blob_id": (await _shared_attachment(w))[1]})


async def _renew_after_ending_others(w: World, caller: str, response: httpx.Response) -> None:
    """``DELETE /sessions`` from a fresh session ended the member's usual one."""
    if caller in IDENTITIES and response.status_code == 200:
        await w.renew(w.member(caller))


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


def _address(caller: str) -> str:
    return f"{caller.replace('_', '-')}@example.test"


async def _address_to_verify(w: World, caller: str) -> Call:
    return Call(json={"email": _address(caller)})


async def _pending_code(w: World, caller: str) -> Call:
    """Each user first asks for a code; the call then tries a wrong one (the right one is only mailed)."""
    if caller in IDENTITIES:
        await w.ok(V, "POST", "/me/email_verification", caller, {"email": "code-" + _address(caller)})
    return Call(json={"code": "not-it"})


async def _known_admission_token(w: World, caller: str) -> Call:
    return Call(path={"token_value": await w.memo("admission token to look up", lambda: _admission_token(w))})


async def _throwaway_account(w: World, caller: str) -> Call:
    """Deleting one's account is tried on a throwaway account of the caller's own (same rights)."""
    if caller not in IDENTITIES:
        return Call(json={"request_signature": deletion_signature(small_login_key()[0])})
    token, private = await w.vault_account_with_key()
    return Call(headers={"Authorization": token}, json={"request_signature": deletion_signature(private)})


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
        "/me/email_verification",
        each_user(202),
        _address_to_verify,
    ),
    Case(V, "POST", "/me/email_verification/confirm", each_user(422), _pending_code),
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
    Case(V, "GET", "/sessions", each_user(200)),
    Case(V, "DELETE", "/sessions/{session_id}", owner_only(204), session_to_end(V)),
    Case(V, "DELETE", "/sessions", each_user(200), fresh_tokens_for(V), after=_renew_after_ending_others),
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
    Case(
        V,
        "GET",
        "/shares/{share_id}/events",
        owner_only(200),
        fixed(lambda w: Call(path={"share_id": w.ids["share"]})),
        variant="alice's share with bob: its owner and sender only",
    ),
    Case(
        V,
        "GET",
        "/shares/{share_id}/events",
        owner_only(200, recipient=200),
        fixed(lambda w: Call(path={"share_id": w.ids["onshare"]})),
        variant="bob's on-share with carol: the card's owner and its sender",
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
    Case(
        V,
        "POST",
        "/direct/attachments/upload_url",
        each_user(201),
        fixed(lambda w: Call(json={"blob": {"byte_size": 16}})),
    ),
    Case(V, "PUT", "/direct/blobs/{blob_id}", owner_only(200), _blob_to_upload),
    Case(V, "GET", "/direct/blobs/{blob_id}", owner_only(200, recipient=200), _shared_blob_path),
    Case(V, "POST", "/direct/attachments", owner_only(201), _blobs_to_attach),
    Case(
        V,
        "GET",
        "/direct/attachments/{attachment_id}",
        owner_only(200, recipient=200),
        _shared_attachment_path,
    ),
    Case(V, "DELETE", "/direct/attachments/{attachment_id}", owner_only(204), _attachment_to_delete),
]
