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

For ``items update`` the spec names the card (``id``) and lists only the slots to change; a slot with
``_destroy: true`` is removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from strongroom.cli._config import ConfigError, load_document, optional_str, require_str
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
from strongroom.cli._errors import guarded
from strongroom.cli._output import Format, note, render, to_yaml
from strongroom.client import ApiError, Card, SlotInput, Template

__all__ = ["card_spec", "items", "templates"]

templates = typer.Typer(help="Card templates.", no_args_is_help=True)
items = typer.Typer(help="Cards (items): create, list, read, update, delete.", no_args_is_help=True)

ItemFileOpt = Annotated[Path, typer.Option("-i", "--item", help="Item config file (YAML, kind: Item).")]


def card_spec(card: Card) -> dict[str, Any]:
    """A card as printed: its metadata and every slot with its plaintext value."""
    return {
        "id": card.id,
        "name": card.name,
        "label": card.label,
        "template": card.template_label,
        "created_at": card.created_at,
        "updated_at": card.updated_at,
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
    name: Annotated[str, typer.Argument(help="Template name.")],
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
    template_name: Annotated[str, typer.Argument(help="Template name (see `strongroom templates list`).")],
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

    async def go() -> Card:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            return await client.create_card(
                template, label, [s for s in slots if s.value is not None or s.label]
            )

    render("Item", card_spec(run(go())), output=output, columns=("id", "label", "template"))


@items.command("list")
@guarded
def list_(
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """List your cards with their values."""

    cards = act(auth_path, url, keystore_url, vault_url, lambda client: client.cards())
    if output is Format.table:
        rows = [
            {"id": c.id, "label": c.label, "template": c.template_label, "slots": len(c.slots)} for c in cards
        ]
        render("Items", rows, output=output)
    else:
        render("Items", [card_spec(c) for c in cards], output=output)


@items.command("get")
@guarded
def get(
    item_id: Annotated[str, typer.Argument(help="Card id.")],
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Show one card with its values decrypted."""

    card = act(auth_path, url, keystore_url, vault_url, lambda client: client.card(item_id))
    if output is Format.table:
        render("Item slots", card_spec(card)["slots"], output=output, columns=("name", "label", "value"))
    else:
        render("Item", card_spec(card), output=output)


@items.command("update")
@guarded
def update(
    item_file: ItemFileOpt,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Update a card from a config file (spec.id; only the slots listed change; `_destroy: true` removes).

    If the card is shared, run `strongroom client-tasks run` to carry the change to the recipients.
    """
    _, spec = load_document(item_file, kinds=("Item",))
    card_id = require_str(spec, "id", item_file)
    label = optional_str(spec, "label", item_file)
    slots, remove = _slot_inputs(spec, item_file)

    async def go() -> tuple[Card, int]:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            card = await client.update_card(card_id, label=label, slots=slots, remove=remove)
            try:
                pending = len(await client.client_tasks(state="todo"))
            except ApiError:
                pending = 0  # a server without client tasks: nothing to carry
            return card, pending

    card, pending = run(go())
    render("Item", card_spec(card), output=output, columns=("id", "label", "template"))
    if pending:
        note(f"{pending} client task(s) pending: run `strongroom client-tasks run` to update the shares.")


@items.command("remove-slot")
@guarded
def remove_slot(
    slot_id: Annotated[str, typer.Argument(help="Slot id.")],
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Remove one slot from its card."""

    act(auth_path, url, keystore_url, vault_url, lambda client: client.remove_slot(slot_id))
    note(f"Removed slot {slot_id}.")


@items.command("delete")
@guarded
def delete(
    item_id: Annotated[str, typer.Argument(help="Card id.")],
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Delete a card (its shares are revoked)."""

    act(auth_path, url, keystore_url, vault_url, lambda client: client.delete_card(item_id))
    note(f"Deleted item {item_id}.")
