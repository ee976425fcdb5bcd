"""``strongroom invitations list | delete ID``, and ``strongroom templates create -i FILE``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strongroom.cli._config import ConfigError, load_document
from strongroom.cli._connections import invitation_spec
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
)
from strongroom.cli._errors import guarded
from strongroom.cli._output import Format, note, render

__all__ = ["invitations", "register_templates"]

invitations = typer.Typer(help="Invitations you sent: list, delete.", no_args_is_help=True)


@invitations.command("list")
@guarded
def list_(
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """The invitations you sent (their tokens are never shown again)."""
    found = act(auth_path, url, keystore_url, vault_url, lambda client: client.invitations())
    render(
        "Invitations",
        [invitation_spec(i) for i in found],
        output=output,
        columns=("id", "nickname", "email", "state", "expires_at"),
    )


@invitations.command("delete")
@guarded
def delete(
    invitation_id: Annotated[str, typer.Argument(help="Invitation id.")],
    yes: YesOpt = False,
    auth_path: AuthOpt = DEFAULT_AUTH,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Delete an invitation: its token stops working (asks unless -y)."""
    if not confirm(f"Delete invitation {invitation_id}?", yes=yes):
        declined("nothing was deleted")
        return
    act(auth_path, url, keystore_url, vault_url, lambda client: client.cancel_invitation(invitation_id))
    note(f"Deleted invitation {invitation_id}.")


def register_templates(templates: typer.Typer) -> None:
    templates.command("create")(templates_create)


@guarded
def templates_create(
    source: Annotated[
        Path, typer.Option("-i", "--in", help="A Template document (as `templates info` prints).")
    ],
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Create a template of your own from a file: ``kind: Template`` with ``spec: {label, name?, slots}``."""
    from strongroom.client import SlotInput

    _, spec = load_document(source, kinds=("Template",))
    label = spec.get("label")
    raw_slots = spec.get("slots") or []
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"{source}: spec.label must be a non-empty string")
    if not isinstance(raw_slots, list) or not all(isinstance(s, dict) for s in raw_slots):
        raise ConfigError(f"{source}: spec.slots must be a list of slots (name, label, slot_type_name)")
    slots = [
        SlotInput(name=s.get("name"), label=s.get("label"), slot_type_name=s.get("slot_type_name"))
        for s in raw_slots
    ]
    name = spec.get("name") if isinstance(spec.get("name"), str) else None
    made = act(
        auth_path,
        url,
        keystore_url,
        vault_url,
        lambda client: client.create_template(label, slots, name=name),
    )
    render(
        "Template",
        {
            "name": made.name,
            "label": made.label,
            "slots": [
                {"name": s.name, "label": s.label, "slot_type_name": s.slot_type_name} for s in made.slots
            ],
        },
        output=output,
        columns=("name", "label"),
    )
