"""``strongroom shares events ID``: who read a share's values and when (for its card's owner and its
sender), and the on-shares made from it (for the owner). Registered on the ``shares`` group."""

from __future__ import annotations

from typing import Annotated

import typer

from strongroom.cli._context import (
    DEFAULT_AUTH,
    AuthOpt,
    KeystoreUrlOpt,
    OutputOpt,
    UrlOpt,
    VaultUrlOpt,
    act,
)
from strongroom.cli._errors import guarded
from strongroom.cli._output import Format, render

__all__ = ["register"]

READS_RECORDED = "Reads of a share's values are recorded: its owner and its sender see who read it and when."


def register(shares: typer.Typer) -> None:
    shares.command("events")(events)


@guarded
def events(
    share_id: Annotated[str, typer.Argument(help="Share id.")],
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Who read the share's values and when; for the card's owner also the on-shares made from it."""
    activity = act(auth_path, url, keystore_url, vault_url, lambda client: client.share_events(share_id))
    if output is Format.table:
        render("Share reads", list(activity.events), output=output, columns=("reader_id", "read_at"))
        return
    render(
        "ShareEvents", {"events": list(activity.events), "on_shares": list(activity.on_shares)}, output=output
    )
