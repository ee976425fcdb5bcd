"""How a mail leaves: SMTP (aiosmtplib) when ``smtp_host`` is set, else a maildir folder.

Both take the outbox id as ``key``. The maildir transport files the message under that key and skips a key
it already holds, so a retry after a crash between delivery and bookkeeping delivers nothing twice; over
SMTP the Message-ID (derived from the same id) lets the receiving side recognise a resend.
"""

from __future__ import annotations

import asyncio
import mailbox
import os
import shutil
import ssl
import tempfile
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Protocol

import aiosmtplib

from strongroom.kit.settings import Settings, SmtpSecurity
from strongroom.vault.models import OutboxMail


class Transport(Protocol):
    async def deliver(self, message: EmailMessage, key: str) -> None:
        """Hand ``message`` over for delivery; raise on failure (the worker retries later)."""
        ...


def message_domain(settings: Settings) -> str:
    """The domain of the sender address, for Message-IDs (``strongroom.invalid`` when there is none)."""
    _, address = parseaddr(settings.mail_from)
    domain = address.rpartition("@")[2].strip().lower()
    return domain if domain and all(c.isalnum() or c in ".-" for c in domain) else "strongroom.invalid"


def build_message(mail: OutboxMail, settings: Settings, now: datetime) -> EmailMessage:
    """The message for outbox row ``mail`` (whose body must still be there)."""
    assert mail.body is not None
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(now)
    message["Auto-Submitted"] = "auto-generated"
    # Not quoted-printable: the accept command must stay one readable line in the raw message as well.
    message.set_content(mail.body, cte="7bit" if mail.body.isascii() else "8bit")
    return message


class SmtpTransport:
    """Delivery to ``settings.smtp_host``: plain, STARTTLS or implicit TLS, with optional credentials."""

    def __init__(self, settings: Settings, *, tls_context: ssl.SSLContext | None = None) -> None:
        self._settings = settings
        self._tls_context = tls_context

    async def deliver(self, message: EmailMessage, key: str) -> None:
        s = self._settings
        password = s.smtp_password.get_secret_value()
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=password if s.smtp_username else None,
            use_tls=s.smtp_security is SmtpSecurity.TLS,
            start_tls=s.smtp_security is SmtpSecurity.STARTTLS,
            tls_context=self._tls_context,
            timeout=s.smtp_timeout,
        )


class MaildirTransport:
    """Delivery into a maildir folder (created when missing), one file per outbox row, never two."""

    def __init__(self, path: Path) -> None:
        self._path = path

    async def deliver(self, message: EmailMessage, key: str) -> None:
        await asyncio.to_thread(self._write, message.as_bytes(), key)

    def _write(self, data: bytes, key: str) -> None:
        box = _open_maildir(self._path)
        if key in box:
            return
        tmp = self._path / "tmp" / key
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self._path / "new" / key)


def _open_maildir(path: Path) -> mailbox.Maildir:
    """Open the maildir, creating it whole: a reader never sees the folder without ``cur``/``new``/``tmp``.

    The folder is built beside its final place and renamed into it, so a mail client (or a test) that polls
    for it finds either nothing or a complete maildir.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}-"))
        for sub in ("tmp", "new", "cur"):
            (staging / sub).mkdir()
        try:
            os.rename(staging, path)
        except OSError:  # another worker made it first
            shutil.rmtree(staging, ignore_errors=True)
    return mailbox.Maildir(path, create=True)


def transport_for(settings: Settings) -> Transport:
    """SMTP when ``smtp_host`` is configured, else the maildir folder ``resolved_mail_dir``."""
    if settings.smtp_host:
        return SmtpTransport(settings)
    return MaildirTransport(settings.resolved_mail_dir)
