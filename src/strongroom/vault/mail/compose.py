"""The texts of the mails the Vault sends."""

from __future__ import annotations

import shlex
import textwrap
import uuid
from datetime import datetime

from strongroom.kit.clock import isoformat


def accept_command(invitation_id: uuid.UUID, token: str, server_url: str = "") -> str:
    """The exact shell command that accepts the invitation (on the server ``server_url``)."""
    url = f" --url {shlex.quote(server_url)}" if server_url else ""
    return f"strongroom connections accept{url} --invitation-id {invitation_id} --token {shlex.quote(token)}"


def sign_up_command(server_url: str, recipient: str | None, token: str) -> str:
    """The command that makes an account on ``server_url`` for the invitee (who may have none yet).

    It carries the invitation token: an invite-only server admits nobody without it, and on any server it
    proves the address, so the new account's email is verified from the start.
    """
    url = f" --url {shlex.quote(server_url)}" if server_url else ""
    email = f" --email {shlex.quote(recipient)}" if recipient else ""
    return f"strongroom users create{url}{email} --invitation-token {shlex.quote(token)}"


UNVERIFIED = "A Strongroom user with an unverified address"


def _one_line(text: str | None, limit: int = 200) -> str:
    return " ".join((text or "").split())[:limit]


def _quoted(text: str) -> list[str]:
    """``text`` as mail quotes: every line starts with ``> `` so it cannot pass for Strongroom's own words."""
    lines: list[str] = []
    for paragraph in text.strip().splitlines():
        wrapped = textwrap.wrap(paragraph, width=72, break_long_words=True) or [""]
        lines += [f"> {line}".rstrip() for line in wrapped]
    return lines


def accept_link(web_url: str, invitation_id: uuid.UUID, token: str) -> str:
    """The web client's accept page; the token is in the fragment, which browsers never send to a server."""
    return f"{web_url.rstrip('/')}/#/accept?invitation={invitation_id}&token={token}"


def invitation_mail(
    *,
    inviter_email: str | None,
    inviter_name: str | None,
    message: str | None,
    invitation_id: uuid.UUID,
    token: str,
    expires_at: datetime,
    server_url: str,
    recipient: str | None = None,
    web_url: str | None = None,
) -> tuple[str, str]:
    """``(subject, body)`` of an invitation mail. The body holds the token: the outbox blanks it once sent.

    The sender is named only by ``inviter_email``, the address Strongroom verified (None: not verified).
    Everything the sender typed (profile name, message) is quoted below a warning, never in the subject.
    """
    who = _one_line(inviter_email, 320) or UNVERIFIED
    subject = f"{who} invites you to connect on Strongroom"
    lines = [f"{who} invites you to connect on Strongroom,", "to share cards end-to-end encrypted.", ""]
    if inviter_email is None:
        lines += ["Strongroom has not verified the sender's email address.", ""]
    name = _one_line(inviter_name)
    has_message = bool(message and message.strip())
    if name or has_message:
        lines += [
            "The quoted text below comes from the sender:",
            "it was not written or checked by Strongroom.",
            "Strongroom never asks for your passphrase or secret key by mail.",
            "",
        ]
        if name:
            lines += [f"> Name: {name}"]
        if name and has_message:
            lines += [">"]
        if has_message:
            assert message is not None
            lines += _quoted(message)
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
        f"    {accept_command(invitation_id, token, server_url)}",
        "",
        "New to Strongroom? Install it (pip install strongroom), then create",
        "your account and accept:",
        "",
        f"    {sign_up_command(server_url, recipient, token)}",
        f"    {accept_command(invitation_id, token, server_url)}",
        "",
        f"Server: {server_url}",
        f"The invitation expires at {isoformat(expires_at)}. It works once.",
        "",
        "If you do not know the sender, ignore this mail.",
    ]
    return subject, "\n".join(lines) + "\n"


def verification_mail(*, code: str, expires_at: datetime, server_url: str) -> tuple[str, str]:
    """``(subject, body)`` of the mail carrying an email verification code (blanked once sent)."""
    lines = [
        "Someone asked to use this address for a Strongroom account.",
        "",
        f"Your verification code: {code}",
        "",
        f"Server: {server_url}",
        f"The code expires at {isoformat(expires_at)}.",
        "",
        "If that was not you, ignore this mail: the address stays unverified.",
    ]
    return "Your Strongroom verification code", "\n".join(lines) + "\n"
