"""``strongroom items attach-file|get-attachment`` and ``strongroom shares get-attachment``: encrypted files.

The file is encrypted (and decrypted) here, block by block; the Vault only ever sees ciphertext. A progress
bar shows on stderr when it is a terminal and the file is large.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from strongroom.cli._context import (
    DEFAULT_AUTH,
    AuthOpt,
    KeystoreUrlOpt,
    OutputOpt,
    UrlOpt,
    VaultUrlOpt,
    act,
    logged_in,
    run,
)
from strongroom.cli._errors import EXIT_INPUT, CliError, guarded
from strongroom.cli._items import ItemArg, card_spec, propagate
from strongroom.cli._lookup import find_card, find_share
from strongroom.cli._output import Format, err_console, render
from strongroom.cli._shares import ShareArg

if TYPE_CHECKING:
    from rich.progress import Progress

    from strongroom.client import Card, CardSlot, Strongroom, TransferProgress

__all__ = ["register_items", "register_shares"]

BAR_FROM = 8 << 20
"""Files at least this large get a progress bar (on a terminal)."""

SlotOpt = Annotated[str, typer.Option("--slot", help="The attachment slot (name or id).")]
OutOpt = Annotated[Path, typer.Option("-o", "--out", help="Where to write the decrypted file.")]


@contextmanager
def _bar(what: str) -> Iterator[TransferProgress]:
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

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


_SlotsOf = Callable[["Strongroom"], Awaitable[tuple[tuple["CardSlot", ...], str]]]
"""Finds the card's slots and the words that name the card in a message (``card Locker``)."""


def _download(
    slots_of: _SlotsOf,
    slot: str,
    out: Path,
    output: Format,
    auth_path: Path | None,
    url: str | None,
    keystore_url: str | None,
    vault_url: str | None,
) -> None:
    """Download and decrypt the file of ``slot`` (a slot of what ``slots_of`` finds) to ``out``."""

    async def download(client: Strongroom) -> int:
        slots, where = await slots_of(client)
        chosen = _attachment_slot(slots, slot, where)
        with _bar("downloading and decrypting") as progress:
            return await client.download_attachment(chosen, out, progress=progress)

    size = act(auth_path, url, keystore_url, vault_url, download)
    render("Attachment", {"path": str(out), "size": size}, output=output)


def attach_file(
    item: ItemArg,
    file: Annotated[Path, typer.Option("--file", help="The file to attach.")],
    label: Annotated[
        str | None,
        typer.Option("--label", help="Slot label (default: the file name; labels are visible to the Vault)."),
    ] = None,
    no_propagate: Annotated[
        bool,
        typer.Option(
            "--no-propagate", help="Do not carry the change to the card's recipients now (client tasks)."
        ),
    ] = False,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Encrypt a file and attach it to one of your cards as an attachment slot; the card's recipients get
    its key at once (--no-propagate leaves that to `strongroom client-tasks run`)."""
    if not file.is_file():
        raise CliError(f"{file}: not a file", EXIT_INPUT)

    async def go() -> Card:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            card_id = (await find_card(client, item)).id
            with _bar("encrypting and uploading") as progress:
                card = await client.attach_file(card_id, file, label=label, progress=progress)
            if not no_propagate:
                await propagate(client)
            return card

    render("Item", card_spec(run(go())), output=output)


def get_attachment(
    item: ItemArg,
    slot: SlotOpt,
    out: OutOpt,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Download and decrypt the file of an attachment slot of one of your cards."""

    async def slots_of(client: Strongroom) -> tuple[tuple[CardSlot, ...], str]:
        card = await find_card(client, item)
        return card.slots, f"card {card.label or card.id}"

    _download(slots_of, slot, out, output, auth_path, url, keystore_url, vault_url)


def get_shared_attachment(
    share: ShareArg,
    slot: SlotOpt,
    out: OutOpt,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Download and decrypt the file of an attachment slot of a card shared with you."""

    async def slots_of(client: Strongroom) -> tuple[tuple[CardSlot, ...], str]:
        found = await find_share(client, share)
        return (await client.read_share(found.id)).slots, f"share {found.id}"

    _download(slots_of, slot, out, output, auth_path, url, keystore_url, vault_url)


def register_items(items: typer.Typer) -> None:
    """Add the attachment commands to the ``items`` group."""
    items.command("attach-file")(guarded(attach_file))
    items.command("get-attachment")(guarded(get_attachment))


def register_shares(shares: typer.Typer) -> None:
    """Add the attachment command to the ``shares`` group."""
    shares.command("get-attachment")(guarded(get_shared_attachment))
