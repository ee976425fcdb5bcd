"""The mail outbox and its delivery worker: maildir, a real SMTP server (aiosmtpd), outages, races."""

from __future__ import annotations

import asyncio
import email
import email.policy
import mailbox
import os
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from sqlalchemy import select

from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from strongroom.vault.app import create_app
from strongroom.vault.mail.transport import MaildirTransport, SmtpTransport
from strongroom.vault.mail.worker import MailWorker, backoff, serve_worker
from strongroom.vault.models import MailState, OutboxMail
from tests.support import app_client
from tests.vault.helpers import KeyPool, VaultUser, add_public_key, invite, sign_up


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.inbox = Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port)

    def __enter__(self) -> Inbox:
        self.controller.start()
        return self.inbox

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[Inbox]:
    with SmtpServer(smtp_port) as inbox:
        yield inbox


def smtp_settings(settings: Settings, port: int, **extra: Any) -> Settings:
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_timeout": 5.0, **extra}
    )


async def mailed_invitation(
    vault: httpx.AsyncClient, keys: KeyPool, inviter: VaultUser, to: str = "bob@example.test", **extra: Any
) -> dict[str, Any]:
    key = await add_public_key(vault, inviter, keys.take())
    return await invite(vault, inviter, key["id"], email=to, **extra)


async def outbox(app: FastAPI) -> list[OutboxMail]:
    async with app.state.sessions() as session:
        return list((await session.execute(select(OutboxMail).order_by(OutboxMail.id))).scalars())


def maildir_messages(path: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(path, create=False)
    found = []
    for key in box.iterkeys():
        message = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def text_of(message: EmailMessage) -> str:
    content = message.get_content()
    assert isinstance(content, str)
    return content


async def test_invitation_mail_goes_to_the_maildir_once(
    vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool, settings: Settings, clock: FrozenClock
) -> None:
    alice = await sign_up(vault, keys, full_name="Alice")
    invitation = await mailed_invitation(vault, keys, alice, message="See you there")
    worker = MailWorker(vault_app.state.sessions, settings, clock=clock)
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0

    [message] = maildir_messages(settings.resolved_mail_dir)
    assert message["To"] == "bob@example.test"
    assert message["From"] == settings.mail_from
    body = text_of(message)
    assert (
        f"strongroom connections accept --url {settings.public_url} --invitation-id {invitation['id']} "
        f"--token {invitation['token']}" in body
    )
    assert "A Strongroom user with an unverified address invites you" in body
    assert "> Name: Alice\n" in body
    assert "> See you there\n" in body
    [row] = await outbox(vault_app)
    assert row.state == MailState.SENT.value
    assert row.sent_at == clock.now()
    assert row.body is None  # the token does not stay in the database
    assert row.attempts == 1
    assert message["Message-ID"] == row.message_id


async def test_maildir_transport_skips_a_key_it_already_holds(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "x"
    message.set_content("hello")
    transport = MaildirTransport(tmp_path / "box")
    await transport.deliver(message, "strongroom-one")
    await transport.deliver(message, "strongroom-one")
    await transport.deliver(message, "strongroom-two")
    assert sorted(mailbox.Maildir(tmp_path / "box").keys()) == ["strongroom-one", "strongroom-two"]


async def test_a_new_maildir_appears_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader polling for the folder never finds it without ``cur``: the worker test once raced on that."""
    box = tmp_path / "mail" / "box"
    half_made: list[str] = []
    real_mkdir = os.mkdir

    def watching_mkdir(path: Any, mode: int = 0o777, *, dir_fd: int | None = None) -> None:
        real_mkdir(path, mode, dir_fd=dir_fd)
        if box.exists() and not all((box / sub).is_dir() for sub in ("tmp", "new", "cur")):
            half_made.append(str(path))

    monkeypatch.setattr(os, "mkdir", watching_mkdir)
    message = EmailMessage()
    message.set_content("hello")
    await MaildirTransport(box).deliver(message, "strongroom-one")
    assert half_made == []
    assert list(mailbox.Maildir(box).keys()) == ["strongroom-one"]
    assert [p.name for p in box.parent.iterdir()] == ["box"]


async def test_invitation_mail_over_smtp(
    vault_app: FastAPI,
    vault: httpx.AsyncClient,
    keys: KeyPool,
    settings: Settings,
    clock: FrozenClock,
    smtp: Inbox,
    smtp_port: int,
) -> None:
    alice = await sign_up(vault, keys)
    invitation = await mailed_invitation(vault, keys, alice)
    worker = MailWorker(vault_app.state.sessions, smtp_settings(settings, smtp_port), clock=clock)
    assert await worker.run_once() == 1
    [message] = smtp.messages
    assert message["To"] == "bob@example.test"
    assert message["Subject"].startswith("A Strongroom user with an unverified address invites you")
    assert invitation["token"] in text_of(message)
    [row] = await outbox(vault_app)
    assert message["Message-ID"] == row.message_id
    assert row.body is None
    assert not settings.resolved_mail_dir.exists()


async def test_mail_made_while_the_server_is_down_is_delivered_once_it_is_back(
    vault_app: FastAPI,
    vault: httpx.AsyncClient,
    keys: KeyPool,
    settings: Settings,
    clock: FrozenClock,
    smtp_port: int,
) -> None:
    alice = await sign_up(vault, keys)
    invitation = await mailed_invitation(vault, keys, alice)
    configured = smtp_settings(settings, smtp_port)
    worker = MailWorker(vault_app.state.sessions, configured, clock=clock)

    assert await worker.run_once() == 0  # nothing listens on the port
    [row] = await outbox(vault_app)
    assert row.state == MailState.PENDING.value
    assert row.attempts == 1
    assert row.last_error
    assert row.next_attempt_at == clock.now() + __import__("datetime").timedelta(
        seconds=backoff(configured, 1)
    )
    assert row.locked_by is None
    assert row.body is not None

    with SmtpServer(smtp_port) as inbox:
        assert await worker.run_once() == 0  # not due yet: backoff
        assert inbox.messages == []
        clock.advance(backoff(configured, 1))
        assert await worker.run_once() == 1
        clock.advance(3600)
        assert await worker.run_once() == 0
        assert len(inbox.messages) == 1
        assert invitation["token"] in text_of(inbox.messages[0])
    [row] = await outbox(vault_app)
    assert row.state == MailState.SENT.value
    assert row.attempts == 2


async def test_backoff_grows_and_is_capped(settings: Settings) -> None:
    tuned = settings.model_copy(update={"mail_backoff_base": 5.0, "mail_backoff_max": 60.0})
    assert [backoff(tuned, n) for n in (1, 2, 3, 4, 5, 6)] == [5.0, 10.0, 20.0, 40.0, 60.0, 60.0]


async def test_a_mail_is_given_up_after_the_last_attempt(
    vault_app: FastAPI,
    vault: httpx.AsyncClient,
    keys: KeyPool,
    settings: Settings,
    clock: FrozenClock,
    smtp_port: int,
) -> None:
    alice = await sign_up(vault, keys)
    await mailed_invitation(vault, keys, alice)
    configured = smtp_settings(settings, smtp_port, mail_max_attempts=2)
    worker = MailWorker(vault_app.state.sessions, configured, clock=clock)
    assert await worker.run_once() == 0
    clock.advance(configured.mail_backoff_max)
    assert await worker.run_once() == 0
    [row] = await outbox(vault_app)
    assert row.state == MailState.FAILED.value
    assert row.attempts == 2
    assert row.body is None
    clock.advance(configured.mail_backoff_max)
    with SmtpServer(smtp_port) as inbox:
        assert await worker.run_once() == 0
        assert inbox.messages == []


async def test_mail_of_a_closed_invitation_is_not_sent(
    vault_app: FastAPI,
    vault: httpx.AsyncClient,
    keys: KeyPool,
    settings: Settings,
    clock: FrozenClock,
    smtp: Inbox,
    smtp_port: int,
) -> None:
    alice = await sign_up(vault, keys)
    await mailed_invitation(vault, keys, alice, expires_in=600)
    deleted = await mailed_invitation(vault, keys, alice)
    assert (await vault.delete(f"/invitations/{deleted['id']}", headers=alice.headers)).status_code == 204
    clock.advance(600)  # the first one expires before the worker runs
    worker = MailWorker(vault_app.state.sessions, smtp_settings(settings, smtp_port), clock=clock)
    assert await worker.run_once() == 0
    assert smtp.messages == []
    rows = await outbox(vault_app)
    assert [r.state for r in rows] == [MailState.CANCELLED.value] * 2
    assert all(r.body is None for r in rows)


async def test_racing_workers_deliver_each_mail_once(
    vault_app: FastAPI,
    vault: httpx.AsyncClient,
    keys: KeyPool,
    settings: Settings,
    clock: FrozenClock,
    smtp: Inbox,
    smtp_port: int,
) -> None:
    alice = await sign_up(vault, keys)
    key = await add_public_key(vault, alice, keys.take())
    tokens = {
        (await invite(vault, alice, key["id"], email=f"friend{i}@example.test"))["token"] for i in range(12)
    }
    configured = smtp_settings(settings, smtp_port)
    workers = [MailWorker(vault_app.state.sessions, configured, clock=clock, name=f"w{i}") for i in range(3)]
    sent = 0
    for _ in range(5):
        sent += sum(await asyncio.gather(*(w.run_once() for w in workers)))
    assert sent == 12
    assert len(smtp.messages) == 12
    assert {m["Message-ID"] for m in smtp.messages} == {r.message_id for r in await outbox(vault_app)}
    delivered = {t for t in tokens for m in smtp.messages if t in text_of(m)}
    assert delivered == tokens
    assert all(r.state == MailState.SENT.value for r in await outbox(vault_app))


async def test_racing_worker_processes_deliver_each_mail_once(
    settings: Settings, keys: KeyPool, clock: FrozenClock, smtp: Inbox, smtp_port: int
) -> None:
    """Two apps (as two server processes would) on one database, each with its own engine and worker."""
    configured = smtp_settings(settings, smtp_port)
    first, second = create_app(configured, clock=clock), create_app(configured, clock=clock)
    async with app_client(first) as vault, app_client(second):
        alice = await sign_up(vault, keys)
        key = await add_public_key(vault, alice, keys.take())
        for i in range(10):
            await invite(vault, alice, key["id"], email=f"friend{i}@example.test")
        workers = [
            MailWorker(app.state.sessions, configured, clock=clock, name=name)
            for app, name in ((first, "a"), (second, "b"))
        ]
        total = 0
        for _ in range(3):
            total += sum(await asyncio.gather(*(w.run_once() for w in workers)))
    assert total == 10
    assert len(smtp.messages) == 10
    assert len({m["Message-ID"] for m in smtp.messages}) == 10


async def test_a_leased_mail_waits_for_its_lease(
    vault_app: FastAPI,
    vault: httpx.AsyncClient,
    keys: KeyPool,
    settings: Settings,
    clock: FrozenClock,
    smtp: Inbox,
    smtp_port: int,
) -> None:
    """A worker that died after claiming: the mail is retried (same Message-ID) only after the lease."""
    from strongroom.vault.mail import outbox as box

    alice = await sign_up(vault, keys)
    await mailed_invitation(vault, keys, alice)
    configured = smtp_settings(settings, smtp_port)
    async with vault_app.state.sessions() as session, session.begin():
        [mail_id] = await box.due_ids(session, clock.now(), 10)
        assert await box.claim(session, mail_id, "dead-worker", clock.now(), configured.mail_lease)
    worker = MailWorker(vault_app.state.sessions, configured, clock=clock)
    assert await worker.run_once() == 0
    clock.advance(configured.mail_lease)
    assert await worker.run_once() == 1
    assert len(smtp.messages) == 1


async def test_the_app_runs_the_worker_when_asked(
    settings: Settings, keys: KeyPool, clock: FrozenClock
) -> None:
    configured = settings.model_copy(update={"run_mail_worker": True, "mail_poll_interval": 0.05})
    app = create_app(configured, clock=clock)
    async with app_client(app) as vault:
        alice = await sign_up(vault, keys)
        invitation = await mailed_invitation(vault, keys, alice)
        for _ in range(400):
            if configured.resolved_mail_dir.exists() and maildir_messages(configured.resolved_mail_dir):
                break
            await asyncio.sleep(0.025)
    [message] = maildir_messages(configured.resolved_mail_dir)
    assert invitation["token"] in text_of(message)


async def test_the_standalone_worker_delivers_until_stopped(
    settings: Settings, keys: KeyPool, clock: FrozenClock
) -> None:
    app = create_app(settings, clock=clock)
    async with app_client(app) as vault:
        alice = await sign_up(vault, keys)
        invitation = await mailed_invitation(vault, keys, alice)
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve_worker(settings.model_copy(update={"mail_poll_interval": 0.05}), stop_event=stop, clock=clock)
    )
    for _ in range(400):
        if settings.resolved_mail_dir.exists() and maildir_messages(settings.resolved_mail_dir):
            break
        await asyncio.sleep(0.025)
    stop.set()
    await asyncio.wait_for(task, timeout=30)
    [message] = maildir_messages(settings.resolved_mail_dir)
    assert invitation["token"] in text_of(message)


async def test_smtp_with_credentials_reaches_the_server(
    settings: Settings, smtp: Inbox, smtp_port: int
) -> None:
    """Credentials are only offered when configured; a plain server without AUTH refuses them loudly."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = "x@example.test"
    message["Subject"] = "hello"
    message.set_content("body")
    await SmtpTransport(smtp_settings(settings, smtp_port)).deliver(message, "k")
    assert len(smtp.messages) == 1
    with pytest.raises(Exception):  # noqa: B017, PT011 - aiosmtplib's error for AUTH on a server without it
        await SmtpTransport(smtp_settings(settings, smtp_port, smtp_username="u")).deliver(message, "k")
    assert len(smtp.messages) == 1


def test_invitation_mail_text_is_safe_and_readable() -> None:
    import uuid
    from datetime import UTC, datetime

    from strongroom.vault.mail.compose import invitation_mail

    invitation_id = uuid.uuid4()
    subject, body = invitation_mail(
        inviter_email="eve@example.test",
        inviter_name="Eve\r\nBcc: victim@example.test",
        message="word " * 400,
        invitation_id=invitation_id,
        token="inv_abc",
        expires_at=datetime(2026, 1, 1, tzinfo=UTC),
        server_url="http://127.0.0.1:8000",
    )
    assert "\n" not in subject
    assert "\r" not in subject
    assert subject == "eve@example.test invites you to connect on Strongroom"
    assert "> Name: Eve Bcc: victim@example.test\n" in body
    # Only the commands, which a shell must get whole, may pass 80 columns.
    assert max(len(line) for line in body.splitlines() if not line.startswith("    strongroom ")) <= 80
    accept = (
        f"    strongroom connections accept --url http://127.0.0.1:8000 --invitation-id {invitation_id} "
        "--token inv_abc\n"
    )
    assert accept in body
    # Someone without an account gets the two commands, complete: create it, then accept.
    newcomer = body.split("New to Strongroom?")[1]
    create = "    strongroom users create --url http://127.0.0.1:8000 --invitation-token inv_abc\n"
    assert create + accept in newcomer
    assert "2026-01-01T00:00:00.000Z" in body
