"""``strongroom export -o FILE`` and ``strongroom import -i FILE``: encrypted backups of one's cards.

The export passphrase is the file's own (asked twice at a terminal, else ``STRONGROOM_EXPORT_PASSPHRASE``);
it is not the account's. Registered on the root application by :func:`register`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from strongroom.cli._context import DEFAULT_AUTH, AuthOpt, KeystoreUrlOpt, UrlOpt, VaultUrlOpt, act
from strongroom.cli._errors import EXIT_AUTH, EXIT_INPUT, CliError, guarded
from strongroom.cli._output import note

__all__ = ["export_app", "import_app"]

EXPORT_PASSPHRASE_ENV = "STRONGROOM_EXPORT_PASSPHRASE"  # noqa: S105 -- the name of a variable


def _export_passphrase(*, confirm: bool) -> str:
    value = os.environ.get(EXPORT_PASSPHRASE_ENV)
    if value is None:
        if not sys.stdin.isatty():
            raise CliError(
                f"no export passphrase: set {EXPORT_PASSPHRASE_ENV} or run in a terminal", EXIT_AUTH
            )
        value = typer.prompt(
            "Export passphrase", hide_input=True, confirmation_prompt=confirm, err=True, type=str
        )
    if not value:
        raise CliError("the export passphrase must not be empty", EXIT_AUTH)
    return value


export_app = typer.Typer()
import_app = typer.Typer()


@export_app.command("export")
@guarded
def export(
    out: Annotated[Path, typer.Option("-o", "--out", help="The export file to write (mode 0600).")],
    include_received: Annotated[
        bool, typer.Option("--include-received", help="Add the cards shared with you, as plain copies.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Write an encrypted export of your cards, templates, connections and shares (see README)."""
    if out.exists() and not force:
        raise CliError(f"{out} exists: choose another file or pass --force", EXIT_INPUT)
    passphrase = _export_passphrase(confirm=True)
    scratch = out.with_name(f".{out.name}.partial")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            counts = act(
                auth_path,
                url,
                keystore_url,
                vault_url,
                lambda client: client.export(handle, passphrase, include_received=include_received),
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(scratch, out)  # a half-written export never takes the name
    finally:
        scratch.unlink(missing_ok=True)
    note(
        f"Wrote {out}: {counts['cards']} cards, {counts['received_cards']} received cards, "
        f"{counts['templates']} templates. Keep the export passphrase: without it the file opens for nobody."
    )


@import_app.command("import")
@guarded
def import_(
    source: Annotated[
        Path, typer.Option("-i", "--in", help="An export file written by `strongroom export`.")
    ],
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Restore the cards of an export file into this account (the file is checked whole first)."""
    passphrase = _export_passphrase(confirm=False)
    with source.open("rb") as handle:
        summary = act(
            auth_path, url, keystore_url, vault_url, lambda client: client.import_export(handle, passphrase)
        )
    note(f"Imported {summary.cards} cards and {summary.templates} templates from {source}.")
    if summary.attachments_left_out:
        note(
            f"Left out {summary.attachments_left_out} attached files: an export holds card values, not files"
            " (save them with `items get-attachment` and attach them again)."
        )
