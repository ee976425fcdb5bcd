"""Request (``*In``) and response (``*Out``) bodies of ``/items`` and ``/slots``.

Slot attributes carry ``encrypted_value`` (a cryppo ``Aes256Gcm`` string, checked by the service); a
plaintext ``value`` key, which the reference model also has, is never read or stored.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from strongroom.kit.pagination import Meta
from strongroom.vault.cards import ItemOut, Sideloads, SlotOut
from strongroom.vault.validation import MAX_ENCRYPTED_VALUE

MAX_ITEM_SLOTS = 200


class AttachmentRefIn(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: uuid.UUID | None = None
    destroy: bool = Field(default=False, alias="_destroy")


class SlotAttributesIn(BaseModel):
    """One entry of ``slots_attributes``: matched to an existing slot by ``id``, else by ``name`` (or the
    machine name of ``label``); unmatched entries add a slot. ``_destroy: true`` removes the matched slot."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: uuid.UUID | None = None
    name: str | None = Field(default=None, max_length=100)
    label: str | None = Field(default=None, max_length=200)
    slot_type_name: str | None = Field(default=None, max_length=50)
    description: str | None = Field(default=None, max_length=1000)
    encrypted_value: str | None = Field(default=None, max_length=MAX_ENCRYPTED_VALUE)
    destroy: bool = Field(default=False, alias="_destroy")
    # The attachment whose file key the value is, in any of the reference clients' spellings.
    attachment_id: uuid.UUID | None = None
    attachment_attributes: AttachmentRefIn | None = None
    attachments_attributes: list[AttachmentRefIn] | None = Field(default=None, max_length=1)

    def attachment(self) -> tuple[bool, uuid.UUID | None]:
        """``(given, id)``: whether the entry sets the slot's attachment, and to which (None: removes it)."""
        if "attachment_id" in self.model_fields_set:
            return True, self.attachment_id
        ref = self.attachment_attributes or (
            self.attachments_attributes[0] if self.attachments_attributes else None
        )
        if ref is None:
            return False, None
        return True, None if ref.destroy else ref.id


class ItemAttributesIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    label: str | None = Field(default=None, max_length=200)
    slots_attributes: list[SlotAttributesIn] = Field(default_factory=list, max_length=MAX_ITEM_SLOTS)


class ItemCreateIn(BaseModel):
    """``POST /items``: a card from template ``template_name`` (``custom`` when left out)."""

    model_config = ConfigDict(extra="ignore")

    template_name: str | None = Field(default=None, max_length=100)
    item: ItemAttributesIn = Field(default_factory=ItemAttributesIn)


class ItemUpdateIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    item: ItemAttributesIn


class ItemEnvelope(Sideloads):
    item: ItemOut
    slots: list[SlotOut]
    connections: list[Any] = Field(default_factory=list)
    shares: list[Any] = Field(default_factory=list)


class ItemsOut(Sideloads):
    items: list[ItemOut]
    slots: list[SlotOut]
    shares: list[Any] = Field(default_factory=list)
    meta: Meta
    next_page_after: uuid.UUID | None


class SlotFieldsIn(BaseModel):
    """What ``PUT /slots/{id}`` may change; a field left out stays, ``encrypted_value: null`` clears."""

    model_config = ConfigDict(extra="ignore")

    label: str | None = Field(default=None, max_length=200)
    slot_type_name: str | None = Field(default=None, max_length=50)
    description: str | None = Field(default=None, max_length=1000)
    encrypted_value: str | None = Field(default=None, max_length=MAX_ENCRYPTED_VALUE)


class SlotUpdateIn(SlotFieldsIn):
    """Both forms: ``{slot: {...}}`` (spec) and the fields at the top level (the reference client)."""

    slot: SlotFieldsIn | None = None


class SlotEnvelope(BaseModel):
    slot: SlotOut
