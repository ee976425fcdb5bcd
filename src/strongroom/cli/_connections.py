"""``strongroom connections``: invite, accept, list, verify fingerprints, delete; connect two local users.

A connection config (``create-config`` / ``create``) names two auth files::

    kind: Connection
    spec:
      from: .alice.yaml        # invites
      to: .bob.yaml            # accepts
      from_nickname: Bob       # optional: what Alice calls Bob (encrypted, only Alice sees it)
      to_nickname: Alice       # optional: what Bob calls Alice (default: Alice's profile name)

Connections are named by the other person (your nickname for them, their name or email) or by any
unique id prefix; see ``_lookup``.
"""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from strongroom.cli._auth import load_auth
from strongroom.cli._config import ConfigError, load_document, optional_str, require_str
from strongroom.cli._context import (
    DEFAULT_AUTH,
    AuthOpt,
    KeystoreUrlOpt,
    OutputOpt,
    UrlOpt,
    VaultUrlOpt,
    YesOpt,
    confirm,
    declined,
    logged_in,
    run,
)
from strongroom.cli._durations import duration_option, seconds
from strongroom.cli._errors import EXIT_INPUT, CliError, guarded
from strongroom.cli._lookup import check_id, find_connection, person_name
from strongroom.cli._output import Format, note, render, to_yaml

if TYPE_CHECKING:
    from strongroom.client import Connection, Invitation

__all__ = ["connection_spec", "connections", "parse_invitation_mail"]

connections = typer.Typer(help="Connections between users: invitations, fingerprints.", no_args_is_help=True)

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


ConnectionArg = Annotated[
    str,
    typer.Argument(
        metavar="CONNECTION", help="The other person's name, nickname or email, or the id (prefix)."
    ),
]


def connection_spec(connection: Connection) -> dict[str, Any]:
    return {
        "id": connection.id,
        "name": person_name(connection),
        "nickname": connection.nickname,
        "user_id": connection.user_id,
        "user_name": connection.user_name,
        "user_email": connection.user_email,
        "my_fingerprint": connection.my_fingerprint,
        "their_fingerprint": connection.their_fingerprint,
        "created_at": connection.created_at,
    }


def invitation_spec(invitation: Invitation) -> dict[str, Any]:
    spec = {
        "id": invitation.id,
        "token": invitation.token,
        "email": invitation.email,
        "nickname": invitation.nickname,
        "message": invitation.message,
        "sent_at": invitation.sent_at,
        "expires_at": invitation.expires_at,
        "state": invitation.state,
    }
    if invitation.token is None:
        del spec["token"]
    return spec


def parse_invitation_mail(text: str) -> tuple[str, str | None]:
    """``(token, invitation id)`` found in an invitation mail (or any text that quotes them).

    Reads the accept command the mail suggests (``strongroom connections accept --invitation-id ID
    --token TOKEN``), else ``Token: ...`` and ``Invitation id: ...`` lines. Raises CliError otherwise.
    """
    # Quoted lines are the sender's own text (the mail says so): a command or token there is not ours.
    body = "\n".join(line for line in _mail_body(text).splitlines() if not line.lstrip().startswith(">"))
    token: str | None = None
    invitation_id: str | None = None
    command = re.search(r"connections accept\b([^\n]*)", body)
    if command:
        words = command.group(1).split()
        for flag, value in zip(words, [*words[1:], ""], strict=True):
            if flag == "--token" and value:
                token = value
            elif flag == "--invitation-id" and value:
                invitation_id = value
    if token is None:
        found = re.search(r"^\s*token\s*[:=]\s*(\S+)", body, re.IGNORECASE | re.MULTILINE)
        token = found.group(1) if found else None
    if invitation_id is None:
        found = re.search(rf"invitation[ _-]?id\s*[:=]\s*({_UUID})", body, re.IGNORECASE)
        invitation_id = found.group(1) if found else None
    if token is None:
        raise CliError("no invitation token found in the mail", EXIT_INPUT)
    return token, invitation_id


def _mail_body(text: str) -> str:
    """The plain-text body of a mail file (decoded), or ``text`` itself when it is not a mail."""
    message = email.message_from_string(text, policy=email.policy.default)
    if not message.keys():
        return text
    part = message.get_body(preferencelist=("plain",))
    content = part.get_content() if part is not None else None
    return content if isinstance(content, str) else text


@connections.command("invite")
@guarded
def invite(
    auth_path: AuthOpt = DEFAULT_AUTH,
    email: Annotated[str | None, typer.Option("--email", help="Mail the invitation to this address.")] = None,
    nickname: Annotated[
        str | None, typer.Option("--nickname", help="Your private name for the invitee (encrypted).")
    ] = None,
    message: Annotated[str | None, typer.Option("--message", help="A note for the invitee.")] = None,
    expires_in: Annotated[
        str | None, duration_option("--expires-in", help="How long the invitation stays valid")
    ] = None,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Invite someone to connect (makes an RSA-4096 key pair for the connection)."""
    lifetime = seconds(expires_in)

    async def go() -> tuple[Invitation, str]:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            invitation = await client.invite(
                nickname=nickname, email=email, message=message, expires_in=lifetime
            )
            return invitation, client.vault.base_url.removesuffix("/vault")

    invitation, base = run(go())
    render("Invitation", invitation_spec(invitation), output=output, columns=("id", "token", "email"))
    how = f"The Vault mails it to {email}. " if email else "Hand over the command below. "
    note(
        f"{how}The invitee accepts with `strongroom connections accept --url {base} "
        f"--invitation-id {invitation.id} --token {invitation.token or 'TOKEN'}`."
    )


@connections.command("accept")
@guarded
def accept(
    token_arg: Annotated[str | None, typer.Argument(metavar="[TOKEN]", help="The invitation token.")] = None,
    token_opt: Annotated[str | None, typer.Option("--token", help="The invitation token.")] = None,
    invitation_id: Annotated[str | None, typer.Option("--invitation-id", help="The invitation id.")] = None,
    mail: Annotated[
        Path | None, typer.Option("--mail", help="Take the token and id from the invitation mail (a file).")
    ] = None,
    nickname: Annotated[
        str | None,
        typer.Option("--nickname", help="Your private name for the inviter (default: their profile name)."),
    ] = None,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Accept an invitation (checks it, then makes an RSA-4096 key pair for the connection).

    Give the token (as an argument or --token) and --invitation-id, as the invitation mail says, or
    --mail FILE to take both from the delivered mail.
    """
    if token_arg and token_opt and token_arg != token_opt:
        raise CliError("two different tokens given", EXIT_INPUT)
    token = token_arg or token_opt
    if mail is not None:
        found_token, found_id = parse_invitation_mail(mail.read_text(encoding="utf-8", errors="replace"))
        token = token or found_token
        invitation_id = invitation_id or found_id
    if not token:
        raise CliError("give the invitation token (or --mail FILE)", EXIT_INPUT)
    if invitation_id is not None:
        invitation_id = check_id(invitation_id, "--invitation-id")
    accepted_token = token

    async def go() -> Connection:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            return await client.accept_invitation(
                accepted_token, nickname=nickname, invitation_id=invitation_id
            )

    connection = run(go())
    render("Connection", connection_spec(connection), output=output, columns=("id", "name", "user_email"))
    who = person_name(connection)
    note(f"Connected with {who}: compare fingerprints with `strongroom connections verify {who!r}`.")


@connections.command("list")
@guarded
def list_(
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """List your connections with your nicknames and both keys' fingerprints."""

    async def go() -> list[Connection]:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            return await client.connections()

    rows = [connection_spec(c) for c in run(go())]
    render(
        "Connections", rows, output=output, columns=("id", "name", "user_name", "user_email", "created_at")
    )


@connections.command("get")
@guarded
def get(
    connection: ConnectionArg,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Show one connection."""

    async def go() -> Connection:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            return await find_connection(client, connection)

    render("Connection", connection_spec(run(go())), output=output, columns=("id", "name", "user_email"))


@connections.command("rename")
@guarded
def rename(
    connection: ConnectionArg,
    nickname: Annotated[str, typer.Argument(metavar="NAME", help="Your new private name for them.")],
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Change your private (encrypted) name for the other person; they do not see it."""
    if not nickname.strip():
        raise CliError("the new name must not be empty", EXIT_INPUT)

    async def go() -> Connection:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            found = await find_connection(client, connection)
            return await client.rename_connection(found.id, nickname)

    render("Connection", connection_spec(run(go())), output=output, columns=("id", "name", "user_email"))


@connections.command("verify")
@guarded
def verify(
    connection: ConnectionArg,
    their_key: Annotated[
        str | None,
        typer.Option("--their-key", help="The fingerprint the other person read out as their 'your_key'."),
    ] = None,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Show both keys' fingerprints, to compare with the other person out of band.

    Your "their key" must equal what the other person's `connections verify` shows as "your key", and
    the reverse. "Your key" comes from your own keypair, never from the Vault. Exits 1 when the Vault
    serves another key than yours, when its own fingerprints disagree, or when --their-key differs.
    """

    async def go() -> Connection:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            return await find_connection(client, connection)

    found = run(go())
    spec = {
        "connection_id": found.id,
        "name": person_name(found),
        "your_key": found.my_fingerprint,
        "their_key": found.their_fingerprint,
        "vault_agrees": found.fingerprints_consistent,
    }
    if their_key is not None:
        spec["their_key_matches"] = found.verify(their_key)
    render("ConnectionFingerprints", spec, output=output)
    who = person_name(found)
    if not found.fingerprints_consistent:
        raise CliError(
            "the Vault reports other fingerprints than the keys it serves: do not trust this connection"
        )
    if their_key is not None:
        if not found.verify(their_key):
            raise CliError(
                f"the key the Vault gives you for {who} is not the one {who} holds: "
                "do not share over this connection"
            )
        note(f"The fingerprint matches: you encrypt to {who}'s own key.")
        return
    note(
        f"Compare with {who} (in person or by phone): your 'their_key' must equal their 'your_key', "
        "and the reverse."
    )


@connections.command("delete")
@guarded
def delete(
    connection: ConnectionArg,
    yes: YesOpt = False,
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Delete a connection (both sides) and revoke every share over it; asks unless -y."""

    async def go() -> Connection | None:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            found = await find_connection(client, connection)
            question = f"Disconnect from {person_name(found)} and revoke every share between you?"
            if not confirm(question, yes=yes):
                return None
            await client.delete_connection(found.id)
            return found

    deleted = run(go())
    if deleted is None:
        declined("still connected")
    else:
        note(f"Deleted the connection with {person_name(deleted)} ({deleted.id}).")


@connections.command("create-config")
@guarded
def create_config(
    from_path: Annotated[Path, typer.Option("--from", help="Auth file of the user who invites.")],
    to_path: Annotated[Path, typer.Option("--to", help="Auth file of the user who accepts.")],
) -> None:
    """Print a connection config for two local users (then `connections create -c FILE`)."""
    source = load_auth(from_path)
    target = load_auth(to_path)
    # No nicknames by default: each side then sees the other's profile name (never a random username).
    document = {
        "kind": "Connection",
        "metadata": {"from_username": source.username, "to_username": target.username},
        "spec": {"from": str(from_path), "to": str(to_path)},
    }
    typer.echo(to_yaml(document), nl=False)


@connections.command("create")
@guarded
def create(
    config: Annotated[Path, typer.Option("-c", "--config", help="Connection config file.")],
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Connect two local users in one go: the first invites, the second accepts."""
    _, spec = load_document(config, kinds=("Connection",))
    base = config.parent
    from_path = _relative(base, require_str(spec, "from", config))
    to_path = _relative(base, require_str(spec, "to", config))
    if from_path.resolve() == to_path.resolve():
        raise ConfigError(f"{config}: from and to are the same user")
    from_nickname = optional_str(spec, "from_nickname", config)
    to_nickname = optional_str(spec, "to_nickname", config)

    async def go() -> dict[str, Any]:
        async with (
            logged_in(from_path, url, keystore_url, vault_url) as (inviter, _),
            logged_in(to_path, url, keystore_url, vault_url) as (invitee, _),
        ):
            invitee_name = (await invitee.me()).full_name
            invitation = await inviter.invite(nickname=from_nickname or invitee_name)
            assert invitation.token is not None
            accepted = await invitee.accept_invitation(
                invitation.token, nickname=to_nickname, invitation_id=invitation.id
            )
            # The inviter's record of this connection is the one whose "other" key is the accepter's key.
            mine = next(
                (c for c in await inviter.connections() if c.other_public_key == accepted.public_key), None
            )
            return {
                "from": {"auth": str(from_path), "connection": connection_spec(mine) if mine else None},
                "to": {"auth": str(to_path), "connection": connection_spec(accepted)},
            }

    render("Connection", run(go()), output=output)


def _relative(base: Path, value: str) -> Path:
    path = Path(value)
    if path.is_absolute() or path.exists():
        return path
    candidate = base / path
    return candidate if candidate.exists() else path
