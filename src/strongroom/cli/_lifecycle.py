"""``strongroom users change-passphrase | rotate-secret-key | rotate-keys | delete``: an account's later life.

Registered on the ``users`` group by :func:`register`. New passphrases come from
``STRONGROOM_NEW_PASSPHRASE`` or a hidden prompt asked twice; the deletion asks first (``-y`` skips) and a
"no" changes nothing and exits 0.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from strongroom.cli._auth import load_auth, write_auth
from strongroom.cli._context import (
    DEFAULT_AUTH,
    AuthOpt,
    KeystoreUrlOpt,
    OutputOpt,
    UrlOpt,
    VaultUrlOpt,
    YesOpt,
    account_flag,
    act,
    ask_passphrase,
    confirm,
    declined,
    logged_in,
    resolve_auth,
    run,
)
from strongroom.cli._errors import EXIT_INPUT, CliError, guarded, using_auth
from strongroom.cli._output import Format, note, render

__all__ = ["register"]

NEW_PASSPHRASE_ENV = "STRONGROOM_NEW_PASSPHRASE"  # noqa: S105 -- the name of a variable, not a secret

LogOutOthersOpt = Annotated[
    bool,
    typer.Option("--log-out-others", help="Also end every other Keystore session of the account."),
]


def _new_passphrase() -> str:
    """The new passphrase: ``STRONGROOM_NEW_PASSPHRASE``, else a hidden prompt asked twice (one line when
    piped)."""
    value = os.environ.get(NEW_PASSPHRASE_ENV)
    if value is None:
        if sys.stdin.isatty():
            value = typer.prompt(
                "New passphrase", hide_input=True, confirmation_prompt=True, err=True, type=str
            )
        else:
            sys.stderr.write("New passphrase: ")
            sys.stderr.flush()
            value = sys.stdin.readline().rstrip("\r\n")
            sys.stderr.write("\n")
    if not value:
        raise CliError(f"the new passphrase must not be empty (prompt or {NEW_PASSPHRASE_ENV})", EXIT_INPUT)
    return value


def _end_unlocked(username: str) -> None:
    """End this account's unlocked session (``strongroom unlock``): it holds a key that is gone now."""
    from strongroom.cli._session import lock, unlocked

    try:
        mine = unlocked(username) is not None
    except CliError:  # locked or expired already
        return
    if mine and lock():
        note("The unlocked session ended: run `strongroom unlock` again.")


def _passphrase(auth_path: Path) -> str:
    """The current passphrase, from the usual sources (saved, ``STRONGROOM_PASSPHRASE``, prompt)."""
    auth = load_auth(auth_path)
    return ask_passphrase(f"{auth.username} ({auth_path})", saved=auth.passphrase)


def register(users: typer.Typer) -> None:
    """Add the lifecycle commands to the ``users`` group."""
    users.command("change-passphrase")(change_passphrase)
    users.command("rotate-secret-key")(rotate_secret_key)
    users.command("rotate-keys")(rotate_keys)
    users.command("delete")(delete)
    users.command("update")(update)


@guarded
def change_passphrase(
    auth_path: AuthOpt = DEFAULT_AUTH,
    log_out_others: LogOutOthersOpt = False,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Change the passphrase (the new one from a prompt asked twice, or STRONGROOM_NEW_PASSPHRASE).

    One Keystore request re-wraps the key encryption key and replaces the login verifier: after any
    interruption exactly one of the two passphrases works.
    """
    flag = account_flag(auth_path)
    auth_path = resolve_auth(auth_path)
    using_auth(auth_path, flag)
    auth = load_auth(auth_path)
    current = _passphrase(auth_path)
    new = _new_passphrase()
    if new == current:
        raise CliError("the new passphrase is the current one: nothing to change", EXIT_INPUT)

    async def go() -> None:
        async with logged_in(auth_path, url, keystore_url, vault_url, passphrase=current) as (client, _):
            await client.change_passphrase(current, new, end_other_sessions=log_out_others)
        if auth.passphrase is not None:
            write_auth(replace(load_auth(auth_path), passphrase=new), auth_path)

    run(go())
    note(
        f"Changed the passphrase of {auth.username}"
        + (" and ended its other sessions." if log_out_others else ".")
    )


@guarded
def rotate_secret_key(
    auth_path: AuthOpt = DEFAULT_AUTH,
    log_out_others: LogOutOthersOpt = False,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Replace the secret key (the passphrase stays); the new key goes to the auth file and is shown once.

    The new key is written to the auth file before the Keystore switches to it, so an interruption never
    loses it: the next command keeps whichever key opens the account.
    """
    flag = account_flag(auth_path)
    auth_path = resolve_auth(auth_path)
    using_auth(auth_path, flag)
    passphrase = _passphrase(auth_path)

    async def go() -> str:
        async with logged_in(auth_path, url, keystore_url, vault_url, passphrase=passphrase) as (
            client,
            auth,
        ):
            new = client.new_secret_key()
            write_auth(replace(auth, pending_secret_key=new), auth_path)
            await client.rotate_secret_key(passphrase, new, end_other_sessions=log_out_others)
            write_auth(replace(auth, secret_key=new, pending_secret_key=None), auth_path)
            return new

    new = run(go())
    sys.stdout.write(f"{new}\n")
    note("That is the new secret key (shown this once; it is in the auth file): keep a copy somewhere safe.")


@guarded
def rotate_keys(
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Make a new key encryption key and re-wrap every key under it (atomically on the Keystore).

    Every other session of the account ends: other devices log in again.
    """
    flag = account_flag(auth_path)
    auth_path = resolve_auth(auth_path)
    using_auth(auth_path, flag)
    passphrase = _passphrase(auth_path)

    async def go() -> int:
        async with logged_in(auth_path, url, keystore_url, vault_url, passphrase=passphrase) as (client, _):
            return await client.rotate_keys(passphrase)

    count = run(go())
    note(f"Rotated the key encryption key: {count} keys re-wrapped; other sessions ended.")
    _end_unlocked(load_auth(auth_path).username)


@guarded
def delete(
    auth_path: AuthOpt = DEFAULT_AUTH,
    yes: YesOpt = False,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Delete the account from both services (Vault, then Keystore), with everything in it; asks unless -y.

    Cards, connections, invitations and shares given and received go; the auth file is removed.
    """
    flag = account_flag(auth_path)
    auth_path = resolve_auth(auth_path)
    using_auth(auth_path, flag)
    auth = load_auth(auth_path)
    if not confirm(
        f"Delete the account {auth.username} and everything in it from both services? This cannot be undone.",
        yes=yes,
    ):
        declined("nothing was deleted")
        return

    passphrase = _passphrase(auth_path)

    async def go() -> None:
        async with logged_in(auth_path, url, keystore_url, vault_url, passphrase=passphrase) as (client, _):
            await client.delete_account(passphrase)

    run(go())
    _end_unlocked(auth.username)
    auth_path.unlink(missing_ok=True)
    note(f"Deleted the account {auth.username} from both services and removed {auth_path}.")


@guarded
def update(
    name: Annotated[str | None, typer.Option("--name", help="Full name shown to your connections.")] = None,
    email: Annotated[
        str | None, typer.Option("--email", help="Email address (invitations sent to it are yours).")
    ] = None,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Change your full name or email address."""
    if name is None and email is None:
        raise CliError("nothing to change: pass --name and/or --email", EXIT_INPUT)
    me = act(auth_path, url, keystore_url, vault_url, lambda c: c.update_profile(full_name=name, email=email))
    render(
        "User",
        {"username": me.username, "id": me.id, "full_name": me.full_name, "email": me.email},
        output=output,
        columns=("username", "full_name", "email"),
    )
