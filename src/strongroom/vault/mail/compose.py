"""The texts of the mails the Vault sends."""

from __future__ import annotations

import textwrap
import uuid
from datetime import datetime

from strongroom.kit.clock import isoformat

ANONYMOUS = "A Strongroom user"


def accept_link(web_url: str, invitation_id: uuid.UUID, token: str) -> str:
    """The web client's accept page; the token is in the fragment, which browsers never send to a server."""
    return f"{web_url.rstrip('/')}/#/accept?invitation={invitation_id}&token={token}"


def accept_command(invitation_id: uuid.UUID, token: str) -> str:
    """The exact shell command that accepts the invitation."""
    return f"strongroom connections accept --invitation-id {invitation_id} --token {token}"


def invitation_mail(
    *,
    inviter_name: str | None,
    message: str | None,
    invitation_id: uuid.UUID,
    token: str,
    expires_at: datetime,
    server_url: str,
    web_url: str | None = None,
) -> tuple[str, str]:
    """``(subject, body)`` of an invitation mail. The body holds the token: the outbox blanks it once sent."""
    who = (inviter_name or "").strip() or ANONYMOUS
    # The name is the inviter's own profile text: keep it to one line so it cannot shape the headers.
    who = " ".join(who.split())[:200]
    subject = f"{who} invites you to connect on Strongroom"
    lines = [f"{who} invites you to connect on Strongroom,", "to share cards end-to-end encrypted.", ""]
    if message and message.strip():
        lines += ["Their message:", ""]
        for paragraph in message.strip().splitlines():
            wrapped = textwrap.wrap(paragraph, width=72, break_long_words=True) or [""]
            lines += [f"    {line}" for line in wrapped]
        lines += [""]
    lines += [
        f"Invitation id: {invitation_id}",
        f"Token: {token}",
        "",
    ]
    if web_url:
        lines += [
            "To accept in your browser, open:",
            "",
            f"    {accept_link(web_url, invitation_id, token)}",
            "",
        ]
    lines += [
        "To accept, run:" if not web_url else "Or, at a shell, run:",
        "",
        f"    {accept_command(invitation_id, token)}",
        "",
        f"Server: {server_url}",
        f"The invitation expires at {isoformat(expires_at)}. It works once.",
        "",
        "If you do not know the sender, ignore this mail.",
    ]
    return subject, "\n".join(lines) + "\n"
