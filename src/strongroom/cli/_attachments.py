"""``strongroom items attach-file|get-attachment`` and ``strongroom shares get-attachment``: encrypted files.

The file is encrypted (and decrypted) here, block by block; the Vault only ever sees ciphertext. A progress
bar shows on stderr when it is a terminal and the file is large.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

from strongroom.cli._context import (
    DEFAULT_AUTH,
    AuthOpt,
    KeystoreUrlOpt,
    OutputOpt,
    UrlOpt,
    VaultUrlOpt,
    logged_in,
    run,
)
from strongroom.cli._errors import CliError, guarded
from strongroom.cli._items import card_spec
from strongroom.cli._output import Format, err_console, render
from strongroom.client import Card, CardSlot, TransferProgress

__all__ = ["register_items", "register_shares"]

BAR_FROM = 8 << 20
"""Files at least this large get a progress bar (on a terminal)."""

SlotOpt = Annotated[str, typer.Option("--slot", help="The attachment slot (name or id).")]
OutOpt = Annotated[Path, typer.Option("-o", "--out", help="Where to write the decrypted file.")]


@contextmanager
def _bar(what: str) -> Iterator[TransferProgress]:
    console = err_console()
    bar: Progress | None = None
    task = None

    def update(done: int, total: int) -> None:
        nonlocal bar, task
        if not console.is_terminal or total < BAR_FROM:
            return
        if bar is None:
            bar = Progress(
                f"[progress.description]{what}",
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            bar.start()
            task = bar.add_task(what, total=total)
        assert task is not None
        bar.update(task, completed=done)

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()


def _attachment_slot(slots: tuple[CardSlot, ...], slot: str, where: str) -> CardSlot:
    chosen = next((s for s in slots if slot in (s.id, s.name)), None)
    if chosen is None:
        raise CliError(f"{where} has no slot {slot!r}")
    if chosen.attachment_id is None:
        raise CliError(f"slot {slot!r} of {where} holds no attachment")
    return chosen


def _saved(out: Path, size: int, output: Format) -> None:
    render("Attachment", {"path": str(out), "size": size}, output=output)


def attach_file(
    item_id: Annotated[str, typer.Argument(help="Card (item) id.")],
    file: Annotated[Path, typer.Option("--file", help="The file to attach.")],
    label: Annotated[
        str | None,
        typer.Option("--label", help="Slot label (default: the file name; labels are visible to the Vault)."),
    ] = None,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Encrypt a file and attach it to one of your cards as an attachment slot."""
    if not file.is_file():
        raise CliError(f"{file}: not a file", 2)

    async def go() -> Card:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            with _bar("encrypting and uploading") as progress:
                return await client.attach_file(item_id, file, label=label, progress=progress)

    render("Item", card_spec(run(go())), output=output)


def get_attachment(
    item_id: Annotated[str, typer.Argument(help="Card (item) id.")],
    slot: SlotOpt,
    out: OutOpt,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Download and decrypt the file of an attachment slot of one of your cards."""

    async def go() -> int:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            card = await client.card(item_id)
            chosen = _attachment_slot(card.slots, slot, f"card {item_id}")
            with _bar("downloading and decrypting") as progress:
                return await client.download_attachment(chosen, out, progress=progress)

    _saved(out, run(go()), output)


def get_shared_attachment(
    share_id: Annotated[str, typer.Argument(help="Share id.")],
    slot: SlotOpt,
    out: OutOpt,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Download and decrypt the file of an attachment slot of a card shared with you."""

    async def go() -> int:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            shared = await client.read_share(share_id)
            chosen = _attachment_slot(shared.slots, slot, f"share {share_id}")
            with _bar("downloading and decrypting") as progress:
                return await client.download_attachment(chosen, out, progress=progress)

    _saved(out, run(go()), output)


def register_items(items: typer.Typer) -> None:
    """Add the attachment commands to the ``items`` group."""
    items.command("attach-file")(guarded(attach_file))
    items.command("get-attachment")(guarded(get_attachment))


def register_shares(shares: typer.Typer) -> None:
    """Add the attachment command to the ``shares`` group."""
    shares.command("get-attachment")(guarded(get_shared_attachment))
