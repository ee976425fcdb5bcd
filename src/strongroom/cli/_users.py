"""``strongroom users``: create an account, log in, show it, log out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strongroom.cli._auth import AuthFile, load_auth, write_auth
from strongroom.cli._context import (
    DEFAULT_AUTH,
    AuthOpt,
    KeystoreUrlOpt,
    OutputOpt,
    Progress,
    Server,
    UrlOpt,
    VaultUrlOpt,
    account_flag,
    act,
    ask_passphrase,
    ask_secret,
    logged_in,
    resolve_auth,
    run,
)
from strongroom.cli._errors import EXIT_INPUT, CliError, guarded, using_auth
from strongroom.cli._output import Format, note, render

__all__ = ["users"]

users = typer.Typer(help="Accounts: create, log in, show, log out.", no_args_is_help=True)

SavePassphraseOpt = Annotated[
    bool,
    typer.Option(
        "--save-passphrase",
        help="Also store the passphrase, in plaintext, in the auth file: then anyone who can read the file "
        "opens the account (prefer `strongroom unlock`).",
    ),
]


@users.command("create")
@guarded
def create(
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            "-a",
            "--auth",
            metavar="FILE",
            help="Write the auth file here (mode 0600; `-` for stdout). Default: the profile's file "
            "under $XDG_CONFIG_HOME/strongroom/ (see --profile).",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Full name shown to your connections.")] = None,
    email: Annotated[
        str | None, typer.Option("--email", help="Email address (invitations sent to it are yours).")
    ] = None,
    invitation_token: Annotated[
        str | None,
        typer.Option(
            "--invitation-token", help="Token of an invitation mailed to you (invite-only servers need one)."
        ),
    ] = None,
    save_passphrase: SavePassphraseOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing auth file.")] = False,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Create an account (RSA-4096 key generation takes a few seconds) and write its auth file.

    The auth file holds the secret key, shown nowhere else: keep it (and a copy of the secret key) safe.
    """
    to_stdout = out == Path("-")
    chosen = out
    if not to_stdout:
        out = resolve_auth(out)
    if out is not None and not to_stdout and out.exists() and not force:
        raise CliError(
            f"{out} exists and may hold another account's secret key: choose another file or pass --force",
            EXIT_INPUT,
        )
    server = Server.choose(url, keystore_url, vault_url)
    passphrase = ask_passphrase("the new account", confirm=True)

    async def go() -> AuthFile:
        progress = Progress()
        client = server.client(progress)
        try:
            credentials = await client.sign_up(
                passphrase, full_name=name, email=email, invitation_token=invitation_token
            )
        finally:
            progress.stop()
            await client.aclose()
        return AuthFile.from_credentials(
            credentials,
            keystore_url=server.keystore_url,
            vault_url=server.vault_url,
            passphrase=passphrase if save_passphrase else None,
        )

    auth = run(go())
    write_auth(auth, None if to_stdout else out)
    flag = account_flag(None if to_stdout or chosen is None else out)
    note(f'Created user {auth.username}. Next, `eval "$(strongroom unlock{flag})"` saves the passphrase.')


@users.command("login")
@guarded
def login(
    auth_path: AuthOpt = DEFAULT_AUTH,
    save_passphrase: SavePassphraseOpt = False,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Log in with the secret key and passphrase; writes fresh session tokens to the auth file.

    With an auth file, its secret key is used. On a new device (no auth file yet) the secret key is
    asked with a hidden prompt (or read as the first line of piped stdin, the passphrase the second),
    never taken from the command line, where shell history and `ps` would keep it.
    """
    auth_path = resolve_auth(auth_path)
    using_auth(auth_path)
    existing = load_auth(auth_path) if auth_path.exists() else None
    secret_key = existing.secret_key if existing is not None else ask_secret("Secret key", "secret key")
    server = Server.choose(url, keystore_url, vault_url, existing)
    label = f"{existing.username} ({auth_path})" if existing else str(auth_path)
    passphrase = ask_passphrase(label, saved=existing.passphrase if existing else None)

    async def go() -> AuthFile:
        progress = Progress()
        client = server.client(progress)
        try:
            credentials = await client.log_in(secret_key, passphrase)
        finally:
            progress.stop()
            await client.aclose()
        keep = passphrase if save_passphrase or (existing is not None and existing.passphrase) else None
        return AuthFile.from_credentials(
            credentials, keystore_url=server.keystore_url, vault_url=server.vault_url, passphrase=keep
        )

    auth = run(go())
    write_auth(auth, auth_path)
    note(f"Logged in as {auth.username}.")


@users.command("get")
@guarded
def get(
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Show the account of the auth file (checks that its session and passphrase still work)."""

    async def go() -> dict[str, object]:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            me = await client.me()
            return {
                "username": me.username,
                "id": me.id,
                "full_name": me.full_name,
                "email": me.email,
                "email_verified_at": me.email_verified_at,
                "joined_at": me.joined_at,
                "keystore_url": client.keystore.base_url,
                "vault_url": client.vault.base_url,
            }

    render("User", run(go()), output=output, columns=("username", "id", "full_name", "email"))


@users.command("verify-email")
@guarded
def verify_email(
    auth_path: AuthOpt = DEFAULT_AUTH,
    email: Annotated[
        str | None, typer.Option("--email", help="Verify this address (it becomes the account's).")
    ] = None,
    code: Annotated[str | None, typer.Option("--code", help="The code from the mail: confirm it.")] = None,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Prove your email address: first mail yourself a code, then run again with --code."""
    if code is not None:
        if email is not None:
            raise CliError("give either --email (to get a code) or --code (to confirm it)", EXIT_INPUT)
        confirmed = act(auth_path, url, keystore_url, vault_url, lambda client: client.confirm_email(code))
        note(f"Verified {confirmed.email}.")
        return
    expires_at = act(
        auth_path, url, keystore_url, vault_url, lambda client: client.request_email_verification(email)
    )
    note(
        f"Mailed a code to {email or 'your address'} (valid until {expires_at:%Y-%m-%d %H:%M} UTC); "
        "then run: strongroom users verify-email --code CODE"
    )


@users.command("logout")
@guarded
def logout(
    auth_path: AuthOpt = DEFAULT_AUTH,
    everywhere: Annotated[
        bool, typer.Option("--everywhere", help="End every session of the account, not only this one.")
    ] = False,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """End the session and remove its tokens from the auth file (the secret key stays).

    Also ends the unlocked session of STRONGROOM_SESSION, if one is set.
    """
    auth_path = resolve_auth(auth_path)
    using_auth(auth_path)
    auth = load_auth(auth_path)
    server = Server.choose(url, keystore_url, vault_url, auth)
    credentials = auth.credentials

    async def go() -> None:
        if credentials is None:
            return
        client = server.client()
        try:
            client.keystore.use_token(credentials.keystore_token)
            client.vault.use_token(credentials.vault_token)
            await client.log_out(everywhere=everywhere)
        finally:
            await client.aclose()

    run(go())
    write_auth(auth.logged_out(), auth_path)
    from strongroom.cli._session import lock

    ended = lock()  # the unlocked session (if any) ends with the login it came from
    note(f"Logged out {auth.username}." + (" The unlocked session ended too." if ended else ""))
