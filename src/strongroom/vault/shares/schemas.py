"""Request (``ShareCreate``, ``ShareUpdate``) and response (``ShareRead``, envelopes) bodies of shares.

Requests accept what the 0.9 reference client sends (``outgoing``, ``user_id``, ``encrypted_values`` as a JSON
text, whole ``Share`` objects on update) and ignore unknown fields. Responses are the reference client's
``SharesResponse`` (``shares``, ``items``, ``users``, ``slots``), plus Strongroom's extensions.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from strongroom.kit.clock import InputDatetime
from strongroom.kit.pagination import Meta
from strongroom.vault.cards import ItemOut, Sideloads, SlotOut

MAX_SHARES_PER_REQUEST = 100
MAX_TERMS = 10_000
MAX_VALUES_JSON = 4_000_000
"""Longest accepted ``encrypted_values`` JSON text (characters)."""

EncryptedValuesIn = dict[str, str | None] | Annotated[str, StringConstraints(max_length=MAX_VALUES_JSON)]


class ShareCreate(BaseModel):
    """One share to create. ``connection_id`` is the sender's connection; without it, ``user_id`` names the
    sender's connection with that user. Without ``encryption_space_id`` the connection's latest space is used.
    """

    model_config = ConfigDict(extra="ignore")

    shareable_type: str | None = Field(default="Item", max_length=40)
    shareable_id: uuid.UUID
    connection_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    outgoing: bool | None = None
    encryption_space_id: uuid.UUID | None = None
    encrypted_values: EncryptedValuesIn | None = None
    slot_id: uuid.UUID | None = None
    expires_at: InputDatetime | None = None
    distributable: bool | None = None
    terms: str | None = Field(default=None, max_length=MAX_TERMS)
    acceptance_required: Annotated[str, StringConstraints(max_length=40)] | bool | None = None


class SharesCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    shares: list[ShareCreate] = Field(min_length=1, max_length=MAX_SHARES_PER_REQUEST)


class ShareUpdate(BaseModel):
    """Changes to one of the caller's outgoing shares. A field left out (or null, except ``expires_at``)
    stays; ``expires_at: null`` removes the expiry. ``version`` or ``updated_at``, when given, must match the
    share's current one (409 ``stale_update`` otherwise)."""

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    encrypted_values: EncryptedValuesIn | None = None
    expires_at: InputDatetime | None = None
    distributable: bool | None = None
    version: int | None = Field(default=None, ge=1)
    updated_at: InputDatetime | None = None


class SharesUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    shares: list[ShareUpdate] = Field(min_length=1, max_length=MAX_SHARES_PER_REQUEST)


class ShareRead(BaseModel):
    """A share as the viewer sees it: ``connection_id`` is the viewer's own connection record,
    ``user_id`` the other party, ``outgoing`` true when the viewer gave it."""

    id: uuid.UUID
    shareable_type: str
    shareable_id: uuid.UUID
    slot_id: uuid.UUID | None
    slotable_id: uuid.UUID | None
    connection_id: uuid.UUID
    encryption_space_id: uuid.UUID
    encrypted_values: dict[str, str] | None
    outgoing: bool
    user_id: uuid.UUID
    shareable_user_id: uuid.UUID
    owner_id: uuid.UUID
    sender_id: uuid.UUID
    recipient_id: uuid.UUID
    terms: str | None
    note: str | None = None
    tradeable: bool = False
    distributable: bool
    acceptance_required: str
    parent_share_id: uuid.UUID | None
    expires_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class PublicUserRead(BaseModel):
    """The other party of a share, with what they chose to reveal to their connections."""

    id: uuid.UUID
    full_name: str | None
    email: str | None
    organisation: bool = False
    is_app_logging_enabled: bool = False
    image: str | None = None


class SharesEnvelope(BaseModel):
    """The reference client's ``SharesResponse``."""

    shares: list[ShareRead]
    items: list[ItemOut]
    users: list[PublicUserRead]
    slots: list[SlotOut]


class SharesPage(SharesEnvelope):
    meta: Meta
    next_page_after: uuid.UUID | None


class ShareEnvelope(SharesEnvelope):
    """``GET /shares/{id}``: ``SharesResponse`` plus ``share`` and ``item`` (the spec's singular keys)."""

    share: ShareRead
    item: ItemOut


class IncomingItemsPage(Sideloads):
    """``GET /items/incoming``: the reference client's ``ItemsIncomingResponse``."""

    items: list[ItemOut]
    slots: list[SlotOut]
    shares: list[ShareRead]
    meta: Meta
    next_page_after: uuid.UUID | None


class ShareReadEventRead(BaseModel):
    """One read of a share's values by its recipient: which share, who, when (nothing else is recorded)."""

    id: uuid.UUID
    share_id: uuid.UUID
    reader_id: uuid.UUID
    read_at: datetime


class OnShareRead(BaseModel):
    """An on-share made from the share (or from one of its on-shares): who passed the card on, to whom."""

    id: uuid.UUID
    parent_share_id: uuid.UUID | None
    sender_id: uuid.UUID
    recipient_id: uuid.UUID
    created_at: datetime


class ShareEventsPage(BaseModel):
    """``GET /shares/{id}/events`` (extension): the share's reads, oldest first, a page at a time; for the
    card's owner also the on-shares made from it (the first page only)."""

    share_events: list[ShareReadEventRead]
    on_shares: list[OnShareRead]
    meta: Meta
    next_page_after: uuid.UUID | None
