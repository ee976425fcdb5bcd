"""How cards look on the wire: the 0.9 reference client's ``Item``, ``Slot`` and ``ItemTemplate`` models.

Every field of those models is emitted (null/false/[] where Strongroom has nothing), never a slot ``value``
key. Shared by the templates, items and shares (Vault B) packages: build responses with
:func:`item_out`, :func:`slot_out`, :func:`template_out`, :func:`template_slot_out`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from strongroom.kit.errors import invalid
from strongroom.vault.models import Item, ItemTemplate, Slot, TemplateSlot

SLOT_TYPES = frozenset(
    {
        "key_value",
        "password",
        "date",
        "datetime",
        "phone_number",
        "email",
        "url",
        "note_text",
        "bool",
        "select",
        "color",
        "image",
        "attachment",
        "classification_node",
    }
)
"""The slot types (Meeco's ``slot_type_name`` values) a slot may have."""


def check_slot_type(slot_type_name: str, what: str) -> str:
    """``slot_type_name`` if it is one of :data:`SLOT_TYPES`; 422 ``invalid_slot_type`` otherwise."""
    if slot_type_name not in SLOT_TYPES:
        raise invalid("invalid_slot_type", f"{what}: unknown slot_type_name")
    return slot_type_name


class SlotOut(BaseModel):
    id: uuid.UUID
    name: str
    label: str
    description: str | None
    slot_type_name: str
    encrypted: bool
    encrypted_value: str | None
    ordinal: int
    visible: bool = True
    required: bool = False
    slotable_id: uuid.UUID
    slotable_type: Literal["Item", "ItemTemplate"]
    creator: Literal["user", "system"]
    image: str | None = None
    classification_node_ids: list[str] = Field(default_factory=list)
    # ``attachment`` slots: the attachment whose file key is the slot's value (Meeco's ``attachment_id``).
    attachment_id: uuid.UUID | None = None
    created_at: datetime
    updated_at: datetime


class ItemOut(BaseModel):
    id: uuid.UUID
    name: str
    label: str
    description: str | None = None
    item_template_id: uuid.UUID
    item_template_label: str
    slot_ids: list[uuid.UUID]
    ordinal: int = 0
    visible: bool = True
    shareable: bool = True
    me: bool = False
    image: str | None = None
    item_image: str | None = None
    item_image_background_colour: str | None = None
    background_color: str | None = None
    classification_node_ids: list[str] = Field(default_factory=list)
    association_ids: list[str] = Field(default_factory=list)
    associations_to_ids: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class ItemTemplateOut(BaseModel):
    id: uuid.UUID
    name: str
    label: str
    description: str | None
    ordinal: int
    user_id: uuid.UUID | None
    slot_ids: list[uuid.UUID]
    visible: bool = True
    image: str | None = None
    template_type: str = "item_template"
    background_color: str | None = None
    classification_node_ids: list[str] = Field(default_factory=list)
    association_ids: list[str] = Field(default_factory=list)
    associations_to_ids: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class Sideloads(BaseModel):
    """The collections the reference client expects next to items and templates (always empty here)."""

    associations: list[Any] = Field(default_factory=list)
    associations_to: list[Any] = Field(default_factory=list)
    classification_nodes: list[Any] = Field(default_factory=list)
    attachments: list[Any] = Field(default_factory=list)
    thumbnails: list[Any] = Field(default_factory=list)


def slot_out(slot: Slot, *, value: str | Literal[False] | None = False) -> SlotOut:
    """The wire form of ``slot``.

    ``value`` replaces the stored value when given (a share's value, or None to hide it). ``encrypted`` is
    true exactly when a value is emitted: the reference client decrypts those slots.
    """
    shown = slot.encrypted_value if value is False else value
    return SlotOut(
        id=slot.id,
        name=slot.name,
        label=slot.label,
        description=slot.description,
        slot_type_name=slot.slot_type_name,
        encrypted=shown is not None,
        encrypted_value=shown,
        ordinal=slot.ordinal,
        slotable_id=slot.item_id,
        slotable_type="Item",
        creator="user",
        attachment_id=slot.attachment_id,
        created_at=slot.created_at,
        updated_at=slot.updated_at,
    )


def item_out(item: Item, slot_ids: list[uuid.UUID], *, me: bool = False) -> ItemOut:
    return ItemOut(
        id=item.id,
        name=item.name,
        label=item.label,
        item_template_id=item.item_template_id,
        item_template_label=item.item_template_label,
        slot_ids=slot_ids,
        me=me,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def template_slot_out(slot: TemplateSlot, *, builtin: bool) -> SlotOut:
    return SlotOut(
        id=slot.id,
        name=slot.name,
        label=slot.label,
        description=slot.description,
        slot_type_name=slot.slot_type_name,
        encrypted=False,
        encrypted_value=None,
        ordinal=slot.ordinal,
        required=slot.required,
        slotable_id=slot.item_template_id,
        slotable_type="ItemTemplate",
        creator="system" if builtin else "user",
        created_at=slot.created_at,
        updated_at=slot.updated_at,
    )


def template_out(template: ItemTemplate, slot_ids: list[uuid.UUID]) -> ItemTemplateOut:
    return ItemTemplateOut(
        id=template.id,
        name=template.name,
        label=template.label,
        description=template.description,
        ordinal=template.ordinal,
        user_id=template.user_id,
        slot_ids=slot_ids,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )
