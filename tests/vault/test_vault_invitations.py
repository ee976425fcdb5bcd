"""Invitations: creation, token handling, expiry, deletion, rate limits."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from strongroom.kit.clock import FrozenClock, as_utc
from strongroom.kit.settings import Settings
from strongroom.vault.app import create_app
from strongroom.vault.models import Invitation, MailState, OutboxMail
from tests.support import app_client
from tests.vault.helpers import KeyPool, add_public_key, error_code, invite, sign_up


def parse_time(text: str) -> datetime:
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


async def outbox_rows(app: FastAPI) -> list[OutboxMail]:
    async with app.state.sessions() as session:
        return list((await session.execute(select(OutboxMail).order_by(OutboxMail.id))).scalars())


async def test_create_invitation(
    vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool, clock: FrozenClock, settings: Settings
) -> None:
    alice = await sign_up(vault, keys, full_name="Alice")
    key = await add_public_key(vault, alice, keys.take())
    nickname = alice.encrypt("Bob")
    response = await vault.post(
        "/invitations",
        json={"public_key_id": key["id"], "encrypted_recipient_name": nickname},
        headers=alice.headers,
    )
    assert response.status_code == 201
    invitation = response.json()["invitation"]
    assert invitation["token"].startswith("inv_")
    assert len(invitation["token"]) >= 26  # ≥ 128 bits in url-safe base64
    assert invitation["state"] == "new"
    assert invitation["outgoing"] is True
    assert invitation["public_key_id"] == key["id"]
    assert invitation["key_store_keypair_id"] == key["key_store_id"]
    assert invitation["encrypted_recipient_name"] == nickname
    assert invitation["email"] is None
    assert invitation["invited_user_id"] is None
    assert parse_time(invitation["expires_at"]) == clock.now() + timedelta(
        seconds=settings.invitation_lifetime
    )

    fetched = (await vault.get(f"/invitations/{invitation['id']}", headers=alice.headers)).json()[
        "invitation"
    ]
    assert fetched["token"] is None
    assert {k: v for k, v in fetched.items() if k != "token"} == {
        k: v for k, v in invitation.items() if k != "token"
    }
    listing = (await vault.get("/invitations", headers=alice.headers)).json()
    assert [i["id"] for i in listing["invitations"]] == [invitation["id"]]
    assert (await outbox_rows(vault_app)) == []

    async with vault_app.state.sessions() as session:
        stored = (await session.execute(select(Invitation))).scalar_one()
    assert invitation["token"] not in stored.token_hash


async def test_invitation_with_email_writes_the_mail_to_the_outbox(
    vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    alice = await sign_up(vault, keys, full_name="Alice Example")
    key = await add_public_key(vault, alice, keys.take())
    invitation = await invite(vault, alice, key["id"], email="bob@example.test", message="Hi Bob!\nIt's me.")
    assert invitation["email"] == "bob@example.test"
    assert invitation["message"] == "Hi Bob!\nIt's me."
    [mail] = await outbox_rows(vault_app)
    assert mail.recipient == "bob@example.test"
    assert mail.state == MailState.PENDING.value
    assert mail.invitation_id is not None
    assert str(mail.invitation_id) == invitation["id"]
    assert "Alice Example" not in mail.subject  # the sender's own text stays out of the subject
    assert mail.body is not None
    assert "> Name: Alice Example\n" in mail.body
    expected = f"--invitation-id {invitation['id']} --token {invitation['token']}"
    assert expected in mail.body
    assert "strongroom connections accept --url http" in mail.body
    assert "strongroom users create --url http" in mail.body
    assert "--email bob@example.test" in mail.body
    assert "> Hi Bob!\n> It's me.\n" in mail.body
    assert mail.message_id == f"<outbox-{mail.id}@localhost>"


async def test_invitation_mail_of_a_nameless_inviter(
    vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    alice = await sign_up(vault, keys)
    key = await add_public_key(vault, alice, keys.take())
    await invite(vault, alice, key["id"], email="bob@example.test")
    [mail] = await outbox_rows(vault_app)
    assert mail.subject.startswith("A Strongroom user ")


async def test_invitation_refusals(vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    key = await add_public_key(vault, alice, keys.take())
    bobs_key = await add_public_key(vault, bob, keys.take())
    cases = [
        ({"public_key_id": bobs_key["id"]}, 404, "not_found"),
        ({"public_key_id": key["id"], "encrypted_recipient_name": "Bob"}, 422, "invalid_encrypted_value"),
        ({"public_key_id": key["id"], "email": "not-an-address"}, 422, "invalid_email"),
        ({"public_key_id": key["id"], "expires_in": 59}, 422, "invalid_expires_in"),
        ({"public_key_id": key["id"], "expires_in": 31 * 24 * 3600}, 422, "invalid_expires_in"),
        ({"public_key_id": key["id"], "message": "x" * 2001}, 422, "validation_failed"),
        ({"public_key_id": "nope"}, 422, "validation_failed"),
    ]
    for body, status, code in cases:
        response = await vault.post("/invitations", json=body, headers=alice.headers)
        assert response.status_code == status, body
        assert error_code(response) == code
    assert (await vault.get("/invitations", headers=alice.headers)).json()["invitations"] == []
    assert (await outbox_rows(vault_app)) == []
    assert (await vault.post("/invitations", json={"public_key_id": key["id"]})).status_code == 401


async def test_invitation_lifetime_can_be_chosen(
    vault: httpx.AsyncClient, keys: KeyPool, clock: FrozenClock
) -> None:
    alice = await sign_up(vault, keys)
    key = await add_public_key(vault, alice, keys.take())
    invitation = await invite(vault, alice, key["id"], expires_in=3600)
    assert parse_time(invitation["expires_at"]) == clock.now() + timedelta(hours=1)
    clock.advance(3600)
    shown = (await vault.get(f"/invitations/{invitation['id']}", headers=alice.headers)).json()["invitation"]
    assert shown["state"] == "expired"


async def test_invitations_are_private(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    key = await add_public_key(vault, alice, keys.take())
    invitation = await invite(vault, alice, key["id"])
    path = f"/invitations/{invitation['id']}"
    assert (await vault.get(path, headers=bob.headers)).status_code == 404
    assert (await vault.delete(path, headers=bob.headers)).status_code == 404
    assert (await vault.get("/invitations", headers=bob.headers)).json()["invitations"] == []
    for method in ("GET", "DELETE"):
        assert (await vault.request(method, path)).status_code == 401
    assert (await vault.get(path, headers=alice.headers)).json()["invitation"]["state"] == "new"


async def test_deleted_invitation_stops_working(
    vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    alice = await sign_up(vault, keys)
    bob = await sign_up(vault, keys)
    key = await add_public_key(vault, alice, keys.take())
    bobs_key = await add_public_key(vault, bob, keys.take())
    invitation = await invite(vault, alice, key["id"], email="bob@example.test")
    path = f"/invitations/{invitation['id']}"
    assert (await vault.delete(path, headers=alice.headers)).status_code == 204
    assert (await vault.get(path, headers=alice.headers)).status_code == 404
    assert (await vault.delete(path, headers=alice.headers)).status_code == 404
    assert (await vault.get("/invitations", headers=alice.headers)).json()["invitations"] == []
    [mail] = await outbox_rows(vault_app)
    assert mail.state == MailState.CANCELLED.value
    assert mail.body is None
    response = await vault.post(
        "/connections",
        json={"public_key_id": bobs_key["id"], "invitation_token": invitation["token"]},
        headers=bob.headers,
    )
    assert response.status_code == 410
    assert error_code(response) == "invitation_deleted"


async def test_invitations_are_rate_limited_per_user(
    settings: Settings, clock: FrozenClock, keys: KeyPool
) -> None:
    limited = settings.model_copy(update={"invitations_per_user": 2})
    app = create_app(limited, clock=clock)
    async with app_client(app) as vault:
        alice = await sign_up(vault, keys)
        bob = await sign_up(vault, keys)
        key = await add_public_key(vault, alice, keys.take())
        bobs_key = await add_public_key(vault, bob, keys.take())
        for _ in range(2):
            await invite(vault, alice, key["id"])
        response = await vault.post("/invitations", json={"public_key_id": key["id"]}, headers=alice.headers)
        assert response.status_code == 429
        assert error_code(response) == "rate_limited"
        assert int(response.headers["Retry-After"]) > 0
        # Another user has a budget of their own.
        assert (
            await vault.post("/invitations", json={"public_key_id": bobs_key["id"]}, headers=bob.headers)
        ).status_code == 201
        assert len((await vault.get("/invitations", headers=alice.headers)).json()["invitations"]) == 2


async def test_invitation_list_pages(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    key = await add_public_key(vault, alice, keys.take())
    made = [(await invite(vault, alice, key["id"]))["id"] for _ in range(3)]
    first = (await vault.get("/invitations", params={"per_page": 2}, headers=alice.headers)).json()
    assert [i["id"] for i in first["invitations"]] == made[:2]
    rest = (
        await vault.get(
            "/invitations",
            params={"per_page": 2, "next_page_after": first["next_page_after"]},
            headers=alice.headers,
        )
    ).json()
    assert [i["id"] for i in rest["invitations"]] == made[2:]
    assert rest["meta"]["next_page_after"] is None
