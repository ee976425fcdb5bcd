"""Request (``*In``) and response (``*Out``) bodies of ``/item_templates``."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from strongroom.kit.pagination import Meta
from strongroom.vault.cards import ItemTemplateOut, Sideloads, SlotOut

MAX_TEMPLATE_SLOTS = 100


class TemplateSlotIn(BaseModel):
    """A slot of a new template; ``name`` defaults to the machine name of ``label`` (one is needed)."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, max_length=100)
    label: str | None = Field(default=None, max_length=200)
    slot_type_name: str = Field(default="key_value", max_length=50)
    description: str | None = Field(default=None, max_length=1000)
    required: bool = False


class TemplateIn(BaseModel):
    """``POST /item_templates`` (top level, as the reference client sends it)."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, max_length=100)
    label: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    slots_attributes: list[TemplateSlotIn] = Field(default_factory=list, max_length=MAX_TEMPLATE_SLOTS)


class TemplatesOut(Sideloads):
    item_templates: list[ItemTemplateOut]
    slots: list[SlotOut]
    shares: list[Any] = Field(default_factory=list)
    meta: Meta
    next_page_after: uuid.UUID | None


class TemplateEnvelope(Sideloads):
    item_template: ItemTemplateOut
    slots: list[SlotOut]
    connections: list[Any] = Field(default_factory=list)
    shares: list[Any] = Field(default_factory=list)
