"""The texts of the mails the Vault sends."""

from __future__ import annotations

import shlex
import textwrap
import uuid
from datetime import datetime

from strongroom.kit.clock import isoformat

ANONYMOUS = "A Strongroom user"


def accept_command(invitation_id: uuid.UUID, token: str, server_url: str = "") -> str:
    """The exact shell command that accepts the invitation (on the server ``server_url``)."""
    url = f" --url {shlex.quote(server_url)}" if server_url else ""
    return f"strongroom connections accept{url} --invitation-id {invitation_id} --token {shlex.quote(token)}"


def sign_up_command(server_url: str, recipient: str | None) -> str:
    """The command that makes an account on ``server_url`` for the invitee (who may have none yet)."""
    url = f" --url {shlex.quote(server_url)}" if server_url else ""
    email = f" --email {shlex.quote(recipient)}" if recipient else ""
    return f"strongroom users create{url}{email}"


def invitation_mail(
    *,
    inviter_name: str | None,
    message: str | None,
    invitation_id: uuid.UUID,
    token: str,
    expires_at: datetime,
    server_url: str,
    recipient: str | None = None,
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
        "To accept, run:",
        "",
        f"    {accept_command(invitation_id, token, server_url)}",
        "",
        "New to Strongroom? Install it (pip install strongroom), then create",
        "your account and accept:",
        "",
        f"    {sign_up_command(server_url, recipient)}",
        f"    {accept_command(invitation_id, token, server_url)}",
        "",
        f"Server: {server_url}",
        f"The invitation expires at {isoformat(expires_at)}. It works once.",
        "",
        "If you do not know the sender, ignore this mail.",
    ]
    return subject, "\n".join(lines) + "\n"
