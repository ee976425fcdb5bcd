"""``strongroom unlock`` and ``strongroom lock``: type the passphrase once per working session."""

from __future__ import annotations

from typing import Annotated

import typer

from strongroom.cli._context import (
    DEFAULT_AUTH,
    AuthOpt,
    KeystoreUrlOpt,
    UrlOpt,
    VaultUrlOpt,
    logged_in,
    run,
)
from strongroom.cli._durations import duration_option, parse_duration
from strongroom.cli._errors import guarded
from strongroom.cli._output import note
from strongroom.cli._session import SESSION_ENV, lock, open_session

__all__ = ["lock_app", "unlock_app"]

DEFAULT_LIFETIME = "8h"

unlock_app = typer.Typer(add_completion=False)
lock_app = typer.Typer(add_completion=False)


@unlock_app.command("unlock")
@guarded
def unlock(
    lifetime: Annotated[
        str,
        duration_option("--for", help=f"How long it stays unlocked (default {DEFAULT_LIFETIME})"),
    ] = DEFAULT_LIFETIME,
    raw: Annotated[bool, typer.Option("--raw", help="Print only the session value.")] = False,
    fish: Annotated[bool, typer.Option("--fish", help="Print a fish `set -gx` line instead.")] = False,
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Open the account with its passphrase once and print `export STRONGROOM_SESSION=...`.

    Run it as `eval "$(strongroom unlock)"`: while STRONGROOM_SESSION is set, commands acting as this
    account ask no passphrase. The account's key is kept on disk encrypted under the session value
    (which only your shell holds) until the session ends (--for) or `strongroom lock`.
    """
    span = parse_duration(lifetime)

    async def go() -> tuple[str, str]:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, auth):
            await client.me()  # the tokens work too, not only the passphrase
            return auth.username, open_session(auth.username, client.unlock_key, span)

    username, value = run(go())
    if raw:
        typer.echo(value)
    elif fish:
        typer.echo(f"set -gx {SESSION_ENV} {value}")
    else:
        typer.echo(f"export {SESSION_ENV}={value}")
    note(f"Unlocked {username} for {lifetime}; `strongroom lock` ends it sooner.")


@lock_app.command("lock")
@guarded
def lock_(
    every: Annotated[bool, typer.Option("--all", help="End every unlocked session on this machine.")] = False,
) -> None:
    """End the unlocked session of STRONGROOM_SESSION (its key is deleted); prints `unset ...`."""
    ended = lock(every=every)
    typer.echo(f"unset {SESSION_ENV}")
    note(f"Locked ({ended} session{'s' if ended != 1 else ''} ended).")
