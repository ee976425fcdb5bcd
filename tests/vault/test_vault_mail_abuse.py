"""Mail as a weapon: a limit per recipient address, invitations only from verified addresses, the
sender's text shown as untrusted quotes, and the sign-up policy."""

from __future__ import annotations

import re
import shlex
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from strongroom.vault.app import create_app
from strongroom.vault.mail.worker import MailWorker
from strongroom.vault.models import EmailVerification, Invitation, OutboxMail, User
from tests.support import app_client
from tests.vault.helpers import (
    KeyPool,
    VaultUser,
    add_public_key,
    admission_token,
    error_code,
    sign_up,
)
from tests.vault.test_vault_mail import maildir_messages, text_of

CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def strict(settings: Settings) -> Settings:
    """The secure defaults of a real deployment (the shared test settings relax them)."""
    return settings.model_copy(update={"require_verified_email": True, "invitations_per_recipient": 5})


@pytest.fixture
async def app(strict: Settings, clock: FrozenClock) -> FastAPI:
    return create_app(strict, clock=clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as c:
        yield c


async def count(app: FastAPI, model: Any) -> int:
    async with app.state.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def deliver(app: FastAPI, settings: Settings, clock: FrozenClock) -> None:
    await MailWorker(app.state.sessions, settings, clock=clock).run_once()


def mails_to(settings: Settings, address: str) -> list[str]:
    return [
        f"Subject: {' '.join(str(m['Subject']).split())}\n\n{text_of(m)}"
        for m in maildir_messages(settings.resolved_mail_dir)
        if m["To"] == address
    ]


async def verified(
    client: httpx.AsyncClient,
    app: FastAPI,
    settings: Settings,
    clock: FrozenClock,
    keys: KeyPool,
    address: str,
    **profile: Any,
) -> VaultUser:
    """A fresh account whose ``address`` is verified through the code mailed to it."""
    user = await sign_up(client, keys)
    if profile:
        assert (await client.put("/me", json={"user": profile}, headers=user.headers)).status_code == 200
    response = await client.post("/me/email_verification", json={"email": address}, headers=user.headers)
    assert response.status_code == 202, response.text
    await deliver(app, settings, clock)
    code = CODE.findall(mails_to(settings, address)[-1])[-1]
    response = await client.post("/me/email_verification/confirm", json={"code": code}, headers=user.headers)
    assert response.status_code == 200, response.text
    return user


async def confirm(client: httpx.AsyncClient, user: VaultUser, code: str) -> httpx.Response:
    return await client.post("/me/email_verification/confirm", json={"code": code}, headers=user.headers)


async def try_invite(
    client: httpx.AsyncClient, keys: KeyPool, user: VaultUser, **extra: Any
) -> httpx.Response:
    key = await add_public_key(client, user, user.login)  # any RSA key will do as a connection key here
    return await client.post(
        "/invitations",
        json={"public_key_id": key["id"], "encrypted_recipient_name": user.encrypt("x"), **extra},
        headers=user.headers,
    )


async def test_an_unverified_account_cannot_send_invitations(
    app: FastAPI, client: httpx.AsyncClient, keys: KeyPool
) -> None:
    mallory = await sign_up(client, keys)
    await client.put("/me", json={"user": {"email": "mallory@example.test"}}, headers=mallory.headers)
    for extra in ({"email": "victim@example.test"}, {}):
        response = await try_invite(client, keys, mallory, **extra)
        assert response.status_code == 403
        assert error_code(response) == "email_not_verified"
    assert await count(app, Invitation) == 0
    assert await count(app, OutboxMail) == 0


async def test_email_verification_by_a_mailed_code(
    app: FastAPI, client: httpx.AsyncClient, keys: KeyPool, strict: Settings, clock: FrozenClock
) -> None:
    alice = await sign_up(client, keys)
    asked = await client.post(
        "/me/email_verification", json={"email": "Alice@Example.test"}, headers=alice.headers
    )
    assert asked.status_code == 202
    pending = asked.json()["email_verification"]
    assert pending["email"] == "Alice@Example.test"
    me = (await client.get("/me", headers=alice.headers)).json()["user"]
    assert me["email"] == "Alice@Example.test"
    assert me["verified_at"] is None

    await deliver(app, strict, clock)
    [mail] = mails_to(strict, "Alice@Example.test")
    assert "Subject: Your Strongroom verification code" in mail
    code = CODE.findall(mail)[-1]
    async with app.state.sessions() as session:
        stored = (await session.execute(select(EmailVerification))).scalar_one()
        outbox_row = (await session.execute(select(OutboxMail))).scalar_one()
    assert code not in stored.code_hash
    assert outbox_row.body is None  # blanked once sent

    wrong = "000000" if code != "000000" else "111111"
    response = await client.post(
        "/me/email_verification/confirm", json={"code": wrong}, headers=alice.headers
    )
    assert response.status_code == 422
    assert error_code(response) == "invalid_code"
    response = await confirm(client, alice, code)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["verified_at"] is not None
    again = await confirm(client, alice, code)
    assert again.status_code == 404
    assert error_code(again) == "no_pending_verification"
    asked = await client.post("/me/email_verification", json={}, headers=alice.headers)
    assert asked.status_code == 409
    assert error_code(asked) == "email_already_verified"

    response = await try_invite(client, keys, alice, email="bob@example.test")
    assert response.status_code == 201, response.text

    # A new address is unverified again, and cannot invite until it is verified.
    await client.put("/me", json={"user": {"email": "alice@elsewhere.test"}}, headers=alice.headers)
    assert (await client.get("/me", headers=alice.headers)).json()["user"]["verified_at"] is None
    response = await try_invite(client, keys, alice, email="bob@example.test")
    assert error_code(response) == "email_not_verified"


async def test_codes_expire_and_allow_few_attempts(
    app: FastAPI, client: httpx.AsyncClient, keys: KeyPool, strict: Settings, clock: FrozenClock
) -> None:
    alice = await sign_up(client, keys)
    await client.post("/me/email_verification", json={"email": "a@example.test"}, headers=alice.headers)
    await deliver(app, strict, clock)
    code = CODE.findall(mails_to(strict, "a@example.test")[-1])[-1]
    clock.advance(strict.email_code_lifetime + 1)
    response = await confirm(client, alice, code)
    assert response.status_code == 410
    assert error_code(response) == "code_expired"

    await client.post("/me/email_verification", json={}, headers=alice.headers)
    await deliver(app, strict, clock)
    code = CODE.findall(mails_to(strict, "a@example.test")[-1])[-1]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(strict.email_code_attempts):
        response = await client.post(
            "/me/email_verification/confirm", json={"code": wrong}, headers=alice.headers
        )
        assert error_code(response) == "invalid_code"
    # The right code no longer helps: guessing ends the pending verification.
    response = await confirm(client, alice, code)
    assert response.status_code == 404
    assert (await client.get("/me", headers=alice.headers)).json()["user"]["verified_at"] is None


async def test_code_mails_per_account_are_limited(
    app: FastAPI, client: httpx.AsyncClient, keys: KeyPool, strict: Settings
) -> None:
    alice = await sign_up(client, keys)
    statuses = [
        (
            await client.post(
                "/me/email_verification", json={"email": f"a{i}@example.test"}, headers=alice.headers
            )
        ).status_code
        for i in range(strict.email_codes_per_user + 2)
    ]
    assert statuses == [202] * strict.email_codes_per_user + [429, 429]
    assert await count(app, OutboxMail) == strict.email_codes_per_user


async def test_invitations_to_one_address_are_limited_across_senders(
    app: FastAPI, client: httpx.AsyncClient, keys: KeyPool, strict: Settings, clock: FrozenClock
) -> None:
    """The issue's reproduction: fresh accounts each mailing one victim (now: verified accounts, and the
    victim's address written in several ways)."""
    senders = [await verified(client, app, strict, clock, keys, f"sender{i}@example.test") for i in range(4)]
    spellings = [
        "victim@example.test",
        "Victim@Example.TEST",
        "victim+1@example.test",
        "victim+x@example.test",
    ]
    statuses = []
    for sender in senders:
        for address in spellings[:2]:
            statuses.append((await try_invite(client, keys, sender, email=address)).status_code)
    assert statuses == [201] * 5 + [429] * 3
    response = await try_invite(client, keys, senders[0], email=spellings[2])
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    async with app.state.sessions() as session:
        to_victim = (
            await session.execute(
                select(func.count()).select_from(OutboxMail).where(OutboxMail.recipient.ilike("victim%"))
            )
        ).scalar_one()
    assert to_victim == 5
    # Someone else can still be invited.
    assert (await try_invite(client, keys, senders[0], email="carol@example.test")).status_code == 201


async def test_the_mail_names_the_verified_sender_and_quotes_the_senders_text(
    app: FastAPI, client: httpx.AsyncClient, keys: KeyPool, strict: Settings, clock: FrozenClock
) -> None:
    mallory = await verified(
        client, app, strict, clock, keys, "mallory@example.test", full_name="Strongroom Security Team"
    )
    phish = "Your account is suspended.\nVerify at https://strongroom.example.evil/login now"
    response = await try_invite(client, keys, mallory, email="victim@example.test", message=phish)
    assert response.status_code == 201
    await deliver(app, strict, clock)
    [mail] = mails_to(strict, "victim@example.test")
    subject = mail.splitlines()[0]
    assert subject == "Subject: mallory@example.test invites you to connect on Strongroom"
    assert "Security" not in subject
    body = mail.split("\n\n", 1)[1]
    assert "mallory@example.test" in body.splitlines()[0]
    # Every line of the sender's own text is quoted, below a warning that Strongroom did not write it.
    for line in ("Strongroom Security Team", "Your account is suspended.", "Verify at"):
        [found] = [raw for raw in body.splitlines() if line in raw]
        assert found.startswith("> "), found
    warning = body.index("not written or checked by Strongroom")
    assert warning < body.index("> Your account is suspended.")


async def test_without_required_verification_the_mail_says_the_sender_is_unverified(
    settings: Settings, keys: KeyPool, clock: FrozenClock
) -> None:
    relaxed = settings.model_copy(update={"require_verified_email": False})
    app = create_app(relaxed, clock=clock)
    async with app_client(app) as client:
        user = await sign_up(client, keys, full_name="Bank of Example")
        assert (await try_invite(client, keys, user, email="v@example.test")).status_code == 201
        await deliver(app, relaxed, clock)
    [mail] = mails_to(relaxed, "v@example.test")
    assert mail.splitlines()[0] == (
        "Subject: A Strongroom user with an unverified address invites you to connect on Strongroom"
    )
    assert "> Name: Bank of Example\n" in mail


async def sign_up_with(client: httpx.AsyncClient, keys: KeyPool, **extra: Any) -> httpx.Response:
    body = {"public_key": keys.take().public_pem, "admission_token": await admission_token(client), **extra}
    return await client.post("/me", json=body)


async def test_closed_signups_refuse_every_new_account(
    strict: Settings, keys: KeyPool, clock: FrozenClock
) -> None:
    app = create_app(strict.model_copy(update={"signups": "closed"}), clock=clock)
    async with app_client(app) as client:
        response = await sign_up_with(client, keys)
        assert response.status_code == 403
        assert error_code(response) == "signups_closed"
        assert await count(app, User) == 0


async def test_invite_only_signups_need_a_live_invitation(
    strict: Settings, keys: KeyPool, clock: FrozenClock
) -> None:
    policy = strict.model_copy(update={"signups": "invite", "signup_domains": "example.test"})
    app = create_app(policy, clock=clock)
    async with app_client(app) as client:
        # The first account comes from an open server (e.g. the operator's); here: made before the switch.
        open_app = create_app(strict, clock=clock)
        async with app_client(open_app) as opener:
            alice = await verified(opener, open_app, strict, clock, keys, "alice@example.test")
        assert error_code(await sign_up_with(client, keys)) == "invitation_required"
        assert error_code(await sign_up_with(client, keys, invitation_token="inv_nonsense")) == (
            "invitation_required"
        )
        outside = (await try_invite(client, keys, alice, email="eve@other.test")).json()["invitation"]
        response = await sign_up_with(client, keys, invitation_token=outside["token"])
        assert response.status_code == 403
        assert error_code(response) == "email_domain_not_allowed"
        invitation = (await try_invite(client, keys, alice, email="bob@example.test")).json()["invitation"]
        users_before = await count(app, User)
        response = await sign_up_with(client, keys, invitation_token=invitation["token"])
        assert response.status_code == 201, response.text
        bob = response.json()["user"]
        assert bob["email"] == "bob@example.test"
        assert bob["verified_at"] is not None
        assert await count(app, User) == users_before + 1
        # An expired invitation admits nobody.
        late = (await try_invite(client, keys, alice, email="carl@example.test")).json()["invitation"]
        clock.advance(policy.invitation_lifetime + 1)
        assert error_code(await sign_up_with(client, keys, invitation_token=late["token"])) == (
            "invitation_required"
        )


async def test_the_mails_newcomer_command_signs_up_on_an_invite_only_server(
    strict: Settings, keys: KeyPool, clock: FrozenClock
) -> None:
    """The mail's ``users create`` line carries the invitation token, which an invite-only server needs."""
    from typer.main import get_command

    from strongroom.cli._users import users

    policy = strict.model_copy(update={"signups": "invite"})
    app = create_app(policy, clock=clock)
    async with app_client(app) as client:
        open_app = create_app(strict, clock=clock)
        async with app_client(open_app) as opener:
            alice = await verified(opener, open_app, strict, clock, keys, "alice@example.test")
        invitation = (await try_invite(client, keys, alice, email="bob@example.test")).json()["invitation"]
        async with app.state.sessions() as session:
            body = (
                await session.scalars(
                    select(OutboxMail.body).where(OutboxMail.recipient == "bob@example.test")
                )
            ).one()
        assert body is not None
        [line] = [line for line in body.splitlines() if "strongroom users create" in line]
        words = shlex.split(line)
        assert words[:3] == ["strongroom", "users", "create"]
        token = words[words.index("--invitation-token") + 1]
        assert token == invitation["token"]
        create = get_command(users).commands["create"]  # type: ignore[attr-defined]
        options = {option for param in create.params for option in param.opts}
        assert set(words[3::2]) <= options  # every flag of the line is one the CLI takes
        response = await sign_up_with(client, keys, invitation_token=token)
        assert response.status_code == 201, response.text
        assert response.json()["user"]["email"] == "bob@example.test"


async def test_signup_domains_limit_the_addresses_that_can_be_verified(
    strict: Settings, keys: KeyPool, clock: FrozenClock
) -> None:
    app = create_app(strict.model_copy(update={"signup_domains": "example.test, Example.org"}), clock=clock)
    async with app_client(app) as client:
        user = await sign_up(client, keys)
        response = await client.post(
            "/me/email_verification", json={"email": "me@evil.test"}, headers=user.headers
        )
        assert response.status_code == 403
        assert error_code(response) == "email_domain_not_allowed"
        assert await count(app, OutboxMail) == 0
        response = await client.post(
            "/me/email_verification", json={"email": "me@EXAMPLE.org"}, headers=user.headers
        )
        assert response.status_code == 202
