"""A receiving SMTP server for the mail fault tests (aiosmtpd on 127.0.0.1) that can be made slow.

Every message that completes DATA is kept (with its Message-ID and the invitation id its body names),
*before* the server answers: what a real mail server has received even if the sender never hears the
answer. ``stall_at`` makes the next exchange hang at ``"RCPT"`` (before any content arrives) or at
``"DATA"`` (after the content arrived, before the answer), until :meth:`Receiver.release`; ``stalled``
is set while it hangs, so a test can kill the sender right then.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import threading
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["Received", "Receiver"]

_INVITATION_ID = re.compile(r"^Invitation id: ([0-9A-Fa-f-]+)", re.M)


@dataclass(frozen=True)
class Received:
    message_id: str
    recipients: tuple[str, ...]
    invitation_id: str | None
    body: str


class _Handler:
    def __init__(self, receiver: Receiver) -> None:
        self._receiver = receiver

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        await self._receiver._maybe_stall("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        found = _INVITATION_ID.search(body)
        self._receiver._keep(
            Received(
                message_id=str(message["Message-ID"]),
                recipients=tuple(envelope.rcpt_tos),
                invitation_id=found.group(1) if found else None,
                body=body,
            )
        )
        await self._receiver._maybe_stall("DATA")
        return "250 Message accepted for delivery"


class Receiver:
    """An SMTP server on 127.0.0.1:``port``, started and stopped by the test (not listening at first)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.stall_at: str | None = None
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._messages: list[Received] = []
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        self.release()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def release(self) -> None:
        """Let a stalled exchange go on (the next one runs at full speed unless ``stall_at`` is set)."""
        self._release.set()

    async def _maybe_stall(self, stage: str) -> None:
        with self._lock:
            if self.stall_at != stage:
                return
            self.stall_at = None
            self._release.clear()
        self.stalled.set()
        await asyncio.to_thread(self._release.wait)

    def _keep(self, received: Received) -> None:
        with self._lock:
            self._messages.append(received)

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._messages)

    def copies_by_message_id(self) -> Counter[str]:
        return Counter(m.message_id for m in self.messages)

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
