"""Routes: ``/items`` and ``/slots``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from strongroom.kit.db import DbSession
from strongroom.kit.errors import error_responses, invalid
from strongroom.kit.pagination import ListPage
from strongroom.vault.auth import CurrentUser
from strongroom.vault.deps import Now
from strongroom.vault.items import service
from strongroom.vault.items.schemas import (
    ItemCreateIn,
    ItemEnvelope,
    ItemsOut,
    ItemUpdateIn,
    SlotEnvelope,
    SlotUpdateIn,
)
from strongroom.vault.quotas import ItemQuota, StorageQuota

router = APIRouter(tags=["items"])

MAX_TEMPLATE_FILTER = 100


def _template_filter(template_ids: str | None, for_template: list[str] | None) -> list[uuid.UUID] | None:
    """Template ids from ``template_ids`` (comma-separated) and ``for_template`` (repeated, or commas)."""
    raw = [
        part
        for value in [template_ids or "", *(for_template or [])]
        for part in value.split(",")
        if part.strip()
    ]
    if not raw:
        return None
    if len(raw) > MAX_TEMPLATE_FILTER:
        raise invalid("invalid_template_id", f"at most {MAX_TEMPLATE_FILTER} template ids")
    try:
        return [uuid.UUID(part.strip()) for part in raw]
    except ValueError:
        raise invalid("invalid_template_id", "template ids must be UUIDs") from None


@router.get("/items", response_model=ItemsOut, responses=error_responses(401, 422))
async def list_items(
    principal: CurrentUser,
    session: DbSession,
    page: ListPage,
    template_ids: Annotated[str | None, Query(max_length=4000)] = None,
    for_template: Annotated[list[str] | None, Query(max_length=MAX_TEMPLATE_FILTER)] = None,
) -> ItemsOut:
    """The caller's items with their slots; ``template_ids`` / ``for_template`` filter by template."""
    return await service.list_items(session, principal, page, _template_filter(template_ids, for_template))


@router.post(
    "/items",
    status_code=201,
    response_model=ItemEnvelope,
    responses=error_responses(401, 413, 422),
    dependencies=[ItemQuota, StorageQuota],
)
async def create_item(
    body: ItemCreateIn, principal: CurrentUser, session: DbSession, now: Now
) -> ItemEnvelope:
    """A card from a template: its slots get values by name; slots the template lacks are added."""
    return await service.create_item(session, principal, body, now)


@router.get("/items/{item_id}", response_model=ItemEnvelope, responses=error_responses(401, 404))
async def get_item(principal: CurrentUser, session: DbSession, item_id: uuid.UUID) -> ItemEnvelope:
    return await service.get_item(session, principal, item_id)


@router.put(
    "/items/{item_id}",
    response_model=ItemEnvelope,
    responses=error_responses(401, 404, 409, 413, 422),
    dependencies=[StorageQuota],
)
async def put_item(
    item_id: uuid.UUID, body: ItemUpdateIn, principal: CurrentUser, session: DbSession, now: Now
) -> ItemEnvelope:
    """Change the label and slots (``_destroy`` removes one); queues share updates when the item is shared."""
    return await service.update_item(
        session, principal, item_id, body.item.label, body.item.slots_attributes, now
    )


@router.delete("/items/{item_id}", status_code=204, responses=error_responses(401, 404))
async def delete_item(principal: CurrentUser, session: DbSession, item_id: uuid.UUID, now: Now) -> Response:
    """Delete the card; its shares are revoked."""
    await service.delete_item(session, principal, item_id, now)
    return Response(status_code=204)


@router.get("/slots/{slot_id}", response_model=SlotEnvelope, responses=error_responses(401, 404))
async def get_slot(principal: CurrentUser, session: DbSession, slot_id: uuid.UUID) -> SlotEnvelope:
    return await service.get_slot(session, principal, slot_id)


@router.put(
    "/slots/{slot_id}",
    response_model=SlotEnvelope,
    responses=error_responses(401, 404, 413, 422),
    dependencies=[StorageQuota],
)
async def put_slot(
    slot_id: uuid.UUID, body: SlotUpdateIn, principal: CurrentUser, session: DbSession, now: Now
) -> SlotEnvelope:
    """Change a slot: ``{slot: {...}}`` or the same fields at the top level."""
    return await service.update_slot(session, principal, slot_id, body, now)


@router.delete("/slots/{slot_id}", status_code=204, responses=error_responses(401, 404))
async def delete_slot(principal: CurrentUser, session: DbSession, slot_id: uuid.UUID, now: Now) -> Response:
    await service.delete_slot(session, principal, slot_id, now)
    return Response(status_code=204)
