"""``strongroom templates`` and ``strongroom items``: cards, with values encrypted and decrypted locally.

Item config files follow Meeco's CLI::

    kind: Item
    metadata:
      template: vehicle
    spec:
      label: My car
      slots:
        - name: make
          value: Volvo
        - label: Secret note        # a slot the template lacks
          value: under the mat

Printed items use the same names (``template`` is the template's name, as in the config). For
``items update`` the spec names the card (``id``: an id, unique id prefix, name or label) and lists only
the slots to change; a slot with ``_destroy: true`` is removed.
"""

from __future__ import annotations

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
    act,
    confirm,
    declined,
    logged_in,
    run,
)
from strongroom.cli._errors import EXIT_INPUT, CliError, guarded
from strongroom.cli._lookup import check_id, find_card, is_id
from strongroom.cli._output import Format, note, render, to_yaml

if TYPE_CHECKING:
    from strongroom.client import Card, SlotInput, Strongroom, TaskRun, Template

__all__ = ["card_spec", "items", "templates"]

templates = typer.Typer(help="Card templates.", no_args_is_help=True)
items = typer.Typer(help="Cards (items): create, list, read by name, update, delete.", no_args_is_help=True)

ItemFileOpt = Annotated[
    Path, typer.Option("-i", "--item", metavar="FILE", help="Item config file (YAML, kind: Item).")
]
ItemArg = Annotated[str, typer.Argument(metavar="ITEM", help="The card: its name, label or id (prefix).")]
HIDDEN = "(hidden: --reveal)"


def card_spec(
    card: Card, *, template_names: dict[str, str] | None = None, reveal: bool = True
) -> dict[str, Any]:
    """A card as printed: its metadata and every slot with its plaintext value (unless not ``reveal``).

    ``template`` is the template's name (as in item configs) when ``template_names`` knows it.
    """
    name = (template_names or {}).get(card.template_id or "")
    return {
        "id": card.id,
        "name": card.name,
        "label": card.label,
        "template": name or card.template_label,
        "template_label": card.template_label,
        "created_at": card.created_at,
        "updated_at": card.updated_at,
        "slots": [
            {
                "id": s.id,
                "name": s.name,
                "label": s.label,
                "slot_type_name": s.slot_type_name,
                "value": s.value if reveal or s.value is None else HIDDEN,
            }
            for s in card.slots
        ],
    }


async def template_names(client: Strongroom) -> dict[str, str]:
    """Template id → name, to print cards with the names configs use."""
    return {t.id: t.name for t in await client.templates()}


def slot_value(card: Card, field: str) -> str:
    """The value of the slot ``field`` names (its name or label, any case); CliError (exit 2) otherwise."""
    wanted = field.strip().casefold()
    for slot in card.slots:
        if wanted in {(slot.name or "").casefold(), (slot.label or "").casefold()}:
            return slot.value or ""
    known = ", ".join(s.name or s.label or s.id for s in card.slots) or "none"
    raise CliError(f"{card.label or card.id!r} has no field {field!r} (fields: {known})", EXIT_INPUT)


def _template_spec(template: Template) -> dict[str, Any]:
    return {
        "id": template.id,
        "name": template.name,
        "label": template.label,
        "description": template.description,
        "slots": [
            {"name": s.name, "label": s.label, "slot_type_name": s.slot_type_name} for s in template.slots
        ],
    }


@templates.command("list")
@guarded
def templates_list(
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """List the templates cards can be made from."""

    found = act(auth_path, url, keystore_url, vault_url, lambda client: client.templates())
    rows = [{"name": t.name, "label": t.label, "slots": [s.name for s in t.slots]} for t in found]
    render("Templates", rows, output=output, columns=("name", "label", "slots"))


@templates.command("info")
@guarded
def templates_info(
    name: Annotated[str, typer.Argument(metavar="TEMPLATE", help="Template name.")],
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Show a template and its slots."""

    template = act(auth_path, url, keystore_url, vault_url, lambda client: client.template(name))
    spec = _template_spec(template)
    if output is Format.table:
        render("Template slots", spec["slots"], output=output)
    else:
        render("Template", spec, output=output)


@items.command("create-config")
@guarded
def create_config(
    template_name: Annotated[
        str, typer.Argument(metavar="TEMPLATE", help="Template name (see `strongroom templates list`).")
    ],
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Print an item config for a template: fill in the label and values, then `items create -i FILE`."""

    template = act(auth_path, url, keystore_url, vault_url, lambda client: client.template(template_name))
    document = {
        "kind": "Item",
        "metadata": {"template": template.name},
        "spec": {
            "label": template.label or template.name,
            "slots": [{"name": s.name, "label": s.label, "value": ""} for s in template.slots],
        },
    }
    typer.echo(to_yaml(document), nl=False)


def _slot_inputs(spec: dict[str, Any], path: Path) -> tuple[list[SlotInput], list[str]]:
    """The slots of an item config: values to write, and names (or ids) to remove (``_destroy``)."""
    from strongroom.client import SlotInput

    raw = spec.get("slots") or []
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: spec.slots must be a list")
    inputs: list[SlotInput] = []
    remove: list[str] = []
    for index, slot in enumerate(raw):
        where = f"spec.slots[{index}]"
        if not isinstance(slot, dict):
            raise ConfigError(f"{path}: {where} must be a mapping")
        name = optional_str(slot, "name", path, where) or optional_str(slot, "id", path, where)
        label = optional_str(slot, "label", path, where)
        if name is None and label is None:
            raise ConfigError(f"{path}: {where} needs a name or a label")
        if slot.get("_destroy") is True:
            remove.append(name or label or "")
            continue
        inputs.append(
            SlotInput(
                name=name,
                value=optional_str(slot, "value", path, where),
                label=label,
                slot_type_name=optional_str(slot, "slot_type_name", path, where),
            )
        )
    return inputs, remove


@items.command("create")
@guarded
def create(
    item_file: ItemFileOpt,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Create a card from an item config file."""
    metadata, spec = load_document(item_file, kinds=("Item",))
    template = require_str(metadata, "template", item_file, "metadata")
    label = require_str(spec, "label", item_file)
    slots, remove = _slot_inputs(spec, item_file)
    if remove:
        raise ConfigError(f"{item_file}: _destroy makes no sense when creating a card")

    async def go() -> dict[str, Any]:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            card = await client.create_card(
                template, label, [s for s in slots if s.value is not None or s.label]
            )
            return card_spec(card, template_names=await template_names(client))

    render("Item", run(go()), output=output, columns=("id", "label", "template"))


@items.command("list")
@guarded
def list_(
    reveal: Annotated[bool, typer.Option("--reveal", help="Show the slots' values too.")] = False,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """List your cards (values hidden unless --reveal; `items get ITEM` shows one card's)."""

    async def go() -> list[dict[str, Any]]:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            names = await template_names(client)
            return [card_spec(c, template_names=names, reveal=reveal) for c in await client.cards()]

    cards = run(go())
    if output is Format.table:
        rows = [
            {
                "id": c["id"],
                "label": c["label"],
                "template": c["template"],
                "fields": [s["name"] or s["label"] for s in c["slots"]],
            }
            for c in cards
        ]
        render("Items", rows, output=output, columns=("id", "label", "template", "fields"))
    else:
        render("Items", cards, output=output)


@items.command("get")
@guarded
def get(
    item: ItemArg,
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
    """Show one card with its values decrypted (or, with --field, one bare value for `$(...)`)."""

    async def go() -> tuple[Card, dict[str, str]]:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            card = await find_card(client, item)
            return card, ({} if field else await template_names(client))

    card, names = run(go())
    if field is not None:
        typer.echo(slot_value(card, field))
        return
    spec = card_spec(card, template_names=names)
    if output is Format.table:
        render("Item slots", spec["slots"], output=output, columns=("name", "label", "value"))
    else:
        render("Item", spec, output=output)


@items.command("update")
@guarded
def update(
    item_file: ItemFileOpt,
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
    """Update a card from a config file (spec.id; only the slots listed change; `_destroy: true` removes).

    Then carries the change to everyone the card is shared with (the client tasks the Vault made),
    so that their next read shows it; --no-propagate leaves that to `strongroom client-tasks run`.
    """
    _, spec = load_document(item_file, kinds=("Item",))
    ref = require_str(spec, "id", item_file)
    label = optional_str(spec, "label", item_file)
    slots, remove = _slot_inputs(spec, item_file)

    async def go() -> tuple[dict[str, Any], list[TaskRun] | None]:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            card_id = ref if is_id(ref) else (await find_card(client, ref)).id
            card = await client.update_card(card_id, label=label, slots=slots, remove=remove)
            printed = card_spec(card, template_names=await template_names(client))
            return printed, None if no_propagate else await propagate(client)

    printed, runs = run(go())
    render("Item", printed, output=output, columns=("id", "label", "template"))
    if runs is None:
        note("Not carried to recipients yet: run `strongroom client-tasks run`.")


async def propagate(client: Strongroom) -> list[TaskRun]:
    """Run the pending client tasks (re-encrypting shares after an edit), saying so on stderr."""
    from strongroom.client import ApiError

    try:
        pending = await client.client_tasks(state="todo")
    except ApiError:
        return []  # a server without client tasks: nothing to carry
    if not pending:
        return []
    note(f"Updating the shares of this card for their recipients ({len(pending)} task(s))…")
    runs = await client.run_client_tasks()
    updated = sum(r.updated_shares for r in runs)
    failed = [r for r in runs if r.state == "failed"]
    if failed:
        which = ", ".join(f"{r.task_id} ({r.error})" for r in failed)
        raise CliError(
            f"the card changed but {len(failed)} client task(s) failed: {which}; "
            "retry with `strongroom client-tasks run`"
        )
    note(f"Updated {updated} share(s).")
    return runs


@items.command("remove-slot")
@guarded
def remove_slot(
    target: Annotated[str, typer.Argument(metavar="ITEM|SLOT_ID", help="The card (or a slot's id).")],
    field: Annotated[
        str | None, typer.Argument(metavar="[FIELD]", help="The slot to remove (name or label).")
    ] = None,
    yes: YesOpt = False,
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Remove one slot from its card: `items remove-slot ITEM FIELD` (or a slot id); asks unless -y."""
    if field is None:
        slot_id = check_id(target, "slot id")
        if not confirm(f"Remove slot {slot_id} and its value?", yes=yes):
            declined("nothing was removed")
            return
        act(auth_path, url, keystore_url, vault_url, lambda client: client.remove_slot(slot_id))
        note(f"Removed slot {slot_id}.")
        return
    wanted = field

    async def go() -> str | None:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            card = await find_card(client, target)
            slot = next(
                (
                    s
                    for s in card.slots
                    if wanted.casefold() in {(s.name or "").casefold(), (s.label or "").casefold()}
                ),
                None,
            )
            if slot is None:
                slot_value(card, wanted)  # raises, naming the card's fields
                return None
            if not confirm(f"Remove {slot.name or slot.label!r} from {card.label!r}?", yes=yes):
                return None
            await client.remove_slot(slot.id)
            return slot.name or slot.label

    removed = run(go())
    if removed is None:
        declined("nothing was removed")
    else:
        note(f"Removed {removed!r}.")


@items.command("delete")
@guarded
def delete(
    item: ItemArg,
    yes: YesOpt = False,
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Delete a card (its shares are revoked); asks unless -y."""

    async def go() -> Card | None:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            card = await find_card(client, item)
            if not confirm(f"Delete {card.label!r} ({card.id}) and revoke its shares?", yes=yes):
                return None
            await client.delete_card(card.id)
            return card

    card = run(go())
    if card is None:
        declined("nothing was deleted")
    else:
        note(f"Deleted item {card.label!r} ({card.id}).")
