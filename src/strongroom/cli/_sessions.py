"""``strongroom users sessions`` and ``strongroom users end-session ID | --others``: one's sessions.

Registered on the ``users`` group by :func:`register`. Sessions of both services are listed together
(``service`` says which); ``current`` marks the ones this auth file holds. An id may be given whole or as
a unique prefix (as the list shows it); ending asks first (``-y`` skips), and a "no" changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from strongroom.cli._context import (
    DEFAULT_AUTH,
    AuthOpt,
    KeystoreUrlOpt,
    OutputOpt,
    UrlOpt,
    VaultUrlOpt,
    YesOpt,
    act,
    confirm,
    declined,
)
from strongroom.cli._errors import EXIT_FAILURE, EXIT_INPUT, CliError, guarded
from strongroom.cli._lookup import is_id, pick
from strongroom.cli._output import Format, note, render, short_id

if TYPE_CHECKING:
    from strongroom.client import SessionInfo, Strongroom

__all__ = ["register"]

# The table leaves out expires_at (YAML and JSON have every field) so that a row fits 80 columns.
COLUMNS = ("service", "id", "client_name", "created_at", "last_used_at", "current")


def register(users: typer.Typer) -> None:
    """Add the session commands to the ``users`` group."""
    users.command("sessions")(sessions)
    users.command("end-session")(end_session)


@guarded
def sessions(
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Your live sessions in both services: when made and last used, the client's name, this one marked.

    The Vault lists sessions that have made a request; "last used" is accurate to a few minutes.
    """
    found = act(auth_path, url, keystore_url, vault_url, lambda client: client.sessions())
    render("Sessions", found, output=output, columns=COLUMNS)


async def _find(client: Strongroom, ref: str) -> tuple[SessionInfo, list[str]]:
    """The session ``ref`` designates (a whole id, or a unique prefix of one in the list), and the ids of
    every session listed (to show the found one's id as a prefix that designates it)."""
    listed = await client.sessions()
    ids = [s.id for s in listed]
    if is_id(ref):
        wanted = ref.strip().lower()
        for found in listed:
            if found.id == wanted:
                return found, ids
        raise CliError(f"no live session {wanted} of yours (see `strongroom users sessions`)", EXIT_FAILURE)
    found = pick(
        ref,
        "session",
        listed,
        ident=lambda s: s.id,
        names=lambda s: (),
        describe=lambda s: f"{s.service} {s.client_name or ''}".rstrip(),
        listing="strongroom users sessions",
    )
    return found, ids


@guarded
def end_session(
    session_id: Annotated[
        str | None, typer.Argument(help="Session id (or a unique prefix), from `users sessions`.")
    ] = None,
    others: Annotated[
        bool, typer.Option("--others", help="End every session but this one, in both services.")
    ] = False,
    yes: YesOpt = False,
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """End one of your sessions (its device must log in again), or all but this one with --others.

    Asks unless -y. Ending this one's own session logs this auth file out of that service.
    """
    if others == (session_id is not None):
        raise CliError("give either a session id or --others", EXIT_INPUT)
    if others:
        if not confirm("End every other session of this account, in both services?", yes=yes):
            declined("no session was ended")
            return
        ended = act(auth_path, url, keystore_url, vault_url, lambda client: client.end_other_sessions())
        note(f"Ended {ended['keystore']} other Keystore and {ended['vault']} other Vault sessions.")
        return
    assert session_id is not None

    async def target(client: Strongroom) -> tuple[SessionInfo, list[str]]:
        return await _find(client, session_id)

    found, ids = act(auth_path, url, keystore_url, vault_url, target)
    what = f"{found.service} session {short_id(found.id, ids)}" + (
        f" ({found.client_name})" if found.client_name else ""
    )
    if found.current:
        what += ", the one this auth file uses"
    if not confirm(f"End the {what}?", yes=yes):
        declined("no session was ended")
        return
    act(
        auth_path,
        url,
        keystore_url,
        vault_url,
        lambda client: client.end_session(found.id, service=found.service),
    )
    note(f"Ended the {what}.")
