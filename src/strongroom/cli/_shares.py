"""``strongroom shares``: share a card (or one slot) over a connection, read, accept, update, revoke.

A share config (``create-config`` / ``create``)::

    kind: Share
    spec:
      item_id: My car            # a card of yours: name, label or id (prefix) (or share_id: a
                                 # distributable share you received)
      connection_id: Bob         # the recipient: their name, or your connection's id (prefix)
      slot: secret_note          # optional: share this slot only
      terms: Do not forward.     # optional; the recipient must accept them before reading
      expires_at: 2026-12-01T00:00:00Z   # optional (or expires_in: 7d, counted when the share is made)
      distributable: false       # may the recipient share it on?
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

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
from strongroom.cli._durations import duration_option, parse_duration, parse_time
from strongroom.cli._errors import EXIT_INPUT, CliError, guarded
from strongroom.cli._lookup import find_card, find_connection, find_share, is_id
from strongroom.cli._output import Format, note, render, to_yaml
from strongroom.cli._share_events import READS_RECORDED

if TYPE_CHECKING:
    from strongroom.client import Share, SharedCard, Strongroom, Unset

__all__ = ["parse_duration", "share_spec", "shared_card_spec", "shares"]

ShareArg = Annotated[
    str,
    typer.Argument(metavar="SHARE", help="The share: its card's label, the other person, or id (prefix)."),
]

shares = typer.Typer(help="Shares of cards between connected users.", no_args_is_help=True)

SHARE_KEYS = frozenset(
    {
        "item_id",
        "share_id",
        "connection_id",
        "slot",
        "terms",
        "expires_at",
        "expires_in",
        "distributable",
        "acceptance_required",
    }
)


def share_spec(share: Share) -> dict[str, Any]:
    return {
        "id": share.id,
        "item_id": share.card_id,
        "item_label": share.card_label,
        "slot_id": share.slot_id,
        "connection_id": share.connection_id,
        "outgoing": share.outgoing,
        "other_user_id": share.other_user_id,
        "terms": share.terms,
        "acceptance": share.acceptance,
        "distributable": share.distributable,
        "parent_share_id": share.parent_share_id,
        "expires_at": share.expires_at,
        "created_at": share.created_at,
    }


def shared_card_spec(card: SharedCard) -> dict[str, Any]:
    return {
        "share": share_spec(card.share),
        "label": card.label,
        "template": card.template_label,
        "slots": [
            {
                "id": s.id,
                "name": s.name,
                "label": s.label,
                "slot_type_name": s.slot_type_name,
                "value": s.value,
            }
            for s in card.slots
        ],
    }


@shares.command("create-config")
@guarded
def create_config(
    connection_id: Annotated[
        str,
        typer.Option(
            "--connection-id", "--to", help="The recipient: their name, or your connection's id (prefix)."
        ),
    ],
    item_id: Annotated[
        str | None, typer.Option("--item-id", "--item", help="The card to share: name, label or id.")
    ] = None,
    share_id: Annotated[
        str | None, typer.Option("--share-id", help="Share on a distributable share you received.")
    ] = None,
    slot: Annotated[str | None, typer.Option("--slot", help="Share only this slot (name or id).")] = None,
    terms: Annotated[str | None, typer.Option("--terms", help="Terms the recipient must accept.")] = None,
    expires_at: Annotated[
        str | None, typer.Option("--expires-at", help="End of the share (ISO 8601).")
    ] = None,
    expires_in: Annotated[
        str | None, duration_option("--expires-in", help="End of the share, counted from its creation")
    ] = None,
    distributable: Annotated[
        bool, typer.Option("--distributable", help="Let the recipient share it on.")
    ] = False,
) -> None:
    """Print a share config (then `shares create -c FILE`)."""
    if (item_id is None) == (share_id is None):
        raise CliError("give exactly one of --item-id and --share-id", EXIT_INPUT)
    spec: dict[str, Any] = {"item_id": item_id} if item_id else {"share_id": share_id}
    spec["connection_id"] = connection_id
    if slot:
        spec["slot"] = slot
    if terms:
        spec["terms"] = terms
    if expires_at and expires_in:
        raise CliError("give --expires-at or --expires-in, not both", EXIT_INPUT)
    if expires_at:
        spec["expires_at"] = parse_time(expires_at, "--expires-at").isoformat().replace("+00:00", "Z")
    if expires_in:
        parse_duration(expires_in)
        spec["expires_in"] = expires_in  # counted from when the share is created, not from now
    spec["distributable"] = distributable
    typer.echo(to_yaml({"kind": "Share", "spec": spec}), nl=False)


def _expiry(expires_at: str | None, expires_in: str | None) -> datetime | None:
    if expires_at and expires_in:
        raise CliError("give --expires-at or --expires-in, not both", EXIT_INPUT)
    if expires_at:
        return parse_time(expires_at, "--expires-at")
    if expires_in:
        return datetime.now(UTC).replace(microsecond=0) + parse_duration(expires_in)
    return None


@shares.command("create")
@guarded
def create(
    config: Annotated[Path, typer.Option("-c", "--config", help="Share config file.")],
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Share a card (or one slot of it) as a share config file describes."""
    _, spec = load_document(config, kinds=("Share",))
    unknown = sorted(set(spec) - SHARE_KEYS)
    if unknown:
        raise ConfigError(f"{config}: unknown key spec.{unknown[0]} (known: {', '.join(sorted(SHARE_KEYS))})")
    item_id = optional_str(spec, "item_id", config)
    parent_id = optional_str(spec, "share_id", config)
    if (item_id is None) == (parent_id is None):
        raise ConfigError(f"{config}: spec needs exactly one of item_id and share_id")
    connection_id = require_str(spec, "connection_id", config)
    slot = optional_str(spec, "slot", config)
    terms = optional_str(spec, "terms", config)
    expires_in = optional_str(spec, "expires_in", config)
    if spec.get("expires_at") and expires_in:
        raise ConfigError(f"{config}: give spec.expires_at or spec.expires_in, not both")
    expires_at = (
        parse_time(spec["expires_at"], f"{config}: spec.expires_at") if spec.get("expires_at") else None
    )
    if expires_in:
        expires_at = datetime.now(UTC).replace(microsecond=0) + parse_duration(expires_in)
    distributable = spec.get("distributable", False)
    acceptance = spec.get("acceptance_required")
    if not isinstance(distributable, bool) or not (acceptance is None or isinstance(acceptance, bool)):
        raise ConfigError(f"{config}: spec.distributable and spec.acceptance_required are true or false")

    async def go() -> Share:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            connection = await find_connection(client, connection_id)
            if parent_id is not None:
                parent = await find_share(client, parent_id)
                made = await client.reshare(
                    parent.id,
                    connection.id,
                    slot=slot,
                    terms=terms,
                    expires_at=expires_at,
                    acceptance_required=acceptance,
                )
                label = parent.card_label
            else:
                assert item_id is not None
                card = await find_card(client, item_id)
                made = await client.share(
                    card.id,
                    connection.id,
                    slot=slot,
                    terms=terms,
                    expires_at=expires_at,
                    distributable=distributable,
                    acceptance_required=acceptance,
                )
                label = card.label
            # The Vault's answer to a new share names no label (it is the sender's, encrypted): we know it.
            return _labelled(made, label)

    render("Share", share_spec(run(go())), output=output, columns=("id", "item_label", "connection_id"))


@shares.command("list")
@guarded
def list_(
    outgoing: Annotated[
        bool | None,
        typer.Option("--outgoing/--incoming", help="Only shares you gave / only shares you received."),
    ] = None,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """List shares you received and gave (metadata; read one with `shares get SHARE`)."""

    async def go() -> list[dict[str, Any]]:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            people = await _people(client)
            return [
                {**share_spec(s), "with": _with(people, s)} for s in await client.shares(outgoing=outgoing)
            ]

    render(
        "Shares",
        run(go()),
        output=output,
        columns=("id", "item_label", "with", "outgoing", "acceptance", "expires_at"),
    )


def _labelled(share: Share, label: str | None) -> Share:
    """``share`` with its card's label (the Vault's answers to writes name none: we know it)."""
    return share if share.card_label else dataclasses.replace(share, card_label=label)


def _with(people: dict[str, str], share: Share) -> str | None:
    return people.get(share.connection_id or "") or people.get(share.other_user_id or "")


async def _people(client: Strongroom) -> dict[str, str]:
    """Connection id and user id → how the CLI names that person."""
    from strongroom.cli._lookup import person_name

    names: dict[str, str] = {}
    for connection in await client.connections():
        names[connection.id] = person_name(connection)
        if connection.user_id:
            names[connection.user_id] = person_name(connection)
    return names


@shares.command("get")
@guarded
def get(
    share: ShareArg,
    field: Annotated[
        str | None,
        typer.Option("--field", "-f", metavar="FIELD", help="Print only this slot's value (name or label)."),
    ] = None,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Read a card shared with you, values decrypted (claims the share key on first read).

    Reads are recorded: the share's owner and sender see who read it and when (`shares events`).
    """

    async def go() -> SharedCard:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            share_id = share.strip().lower() if is_id(share) else (await find_share(client, share)).id
            return await client.read_share(share_id)

    card = run(go())
    spec = shared_card_spec(card)
    if field is not None:
        typer.echo(_field(spec, field))
    elif output is Format.table:
        render("Shared item slots", spec["slots"], output=output, columns=("name", "label", "value"))
    else:
        render("SharedItem", spec, output=output)


def _field(spec: dict[str, Any], field: str) -> str:
    wanted = field.strip().casefold()
    for slot in spec["slots"]:
        if wanted in {(slot["name"] or "").casefold(), (slot["label"] or "").casefold()}:
            return str(slot["value"] or "")
    known = ", ".join(s["name"] or s["label"] or s["id"] for s in spec["slots"]) or "none"
    raise CliError(f"{spec['label'] or 'the share'!r} has no field {field!r} (fields: {known})", EXIT_INPUT)


@shares.command("accept")
@guarded
def accept(
    share: ShareArg,
    yes: Annotated[bool, typer.Option("-y", "--yes", help="Accept the terms without asking.")] = False,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Accept a share's terms (shown first; asks unless -y). Declining changes nothing (exit 0)."""

    async def go() -> Share | None:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            found = await find_share(client, share)
            if found.outgoing:
                raise CliError(f"share {found.id} is one you gave: only its recipient accepts it")
            note(f"Share {found.id} of {found.card_label or found.card_id!r}.")
            note(f"Terms: {found.terms}" if found.terms else "The share states no terms.")
            note(READS_RECORDED)
            if not confirm("Accept these terms?", yes=yes):
                return None
            accepted = await client.accept_share(found.id)
            return _labelled(accepted, found.card_label)

    accepted = run(go())
    if accepted is None:
        declined("the terms were not accepted and nothing changed")
        return
    render("Share", share_spec(accepted), output=output, columns=("id", "item_label", "acceptance"))


@shares.command("delete")
@guarded
def delete(
    share: ShareArg,
    yes: YesOpt = False,
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Revoke a share (as its sender or its recipient); the sender's key material goes too. Asks unless -y."""

    async def go() -> Share | None:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            found = await find_share(client, share)
            if not confirm(f"Revoke share {found.id} of {found.card_label or 'a card'!r}?", yes=yes):
                return None
            await client.revoke_share(found.id)
            return found

    revoked = run(go())
    if revoked is None:
        declined("the share stays")
    else:
        note(f"Revoked share {revoked.id}.")


@shares.command("update")
@guarded
def update(
    share: ShareArg,
    expires_at: Annotated[str | None, typer.Option("--expires-at", help="New end (ISO 8601).")] = None,
    expires_in: Annotated[str | None, duration_option("--expires-in", help="New end, from now")] = None,
    no_expiry: Annotated[bool, typer.Option("--no-expiry", help="Remove the end date.")] = False,
    distributable: Annotated[
        bool | None,
        typer.Option(
            "--distributable/--not-distributable",
            help="Allow or stop on-sharing (stopping revokes on-shares).",
        ),
    ] = None,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Change a share you gave: its expiry or whether it may be shared on."""
    from strongroom.client import UNSET

    when: datetime | Unset | None = UNSET
    if no_expiry:
        if expires_at or expires_in:
            raise CliError("--no-expiry cannot go with --expires-at/--expires-in", EXIT_INPUT)
        when = None
    else:
        chosen = _expiry(expires_at, expires_in)
        if chosen is not None:
            when = chosen
    flag: bool | Unset = UNSET if distributable is None else distributable
    if when is UNSET and flag is UNSET:
        raise CliError(
            "nothing to change: give --expires-at, --expires-in, --no-expiry or --[not-]distributable",
            EXIT_INPUT,
        )

    async def go() -> Share:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            found = await find_share(client, share)
            changed = await client.update_share(found.id, expires_at=when, distributable=flag)
            return _labelled(changed, found.card_label)

    render("Share", share_spec(run(go())), output=output, columns=("id", "expires_at", "distributable"))
