"""Routes: ``/item_templates``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from strongroom.kit.db import DbSession
from strongroom.kit.errors import error_responses
from strongroom.kit.pagination import ListPage
from strongroom.vault.auth import CurrentUser
from strongroom.vault.deps import Now
from strongroom.vault.templates import service
from strongroom.vault.templates.schemas import TemplateEnvelope, TemplateIn, TemplatesOut

router = APIRouter(tags=["item templates"])


@router.get("/item_templates", response_model=TemplatesOut, responses=error_responses(401, 422))
async def list_item_templates(principal: CurrentUser, session: DbSession, page: ListPage) -> TemplatesOut:
    """The built-in templates and the caller's own, with their slots (classification filters are ignored)."""
    return await service.list_templates(session, principal, page)


@router.get(
    "/item_templates/{template_id}", response_model=TemplateEnvelope, responses=error_responses(401, 404)
)
async def get_item_template(
    principal: CurrentUser, session: DbSession, template_id: uuid.UUID
) -> TemplateEnvelope:
    return await service.get_template(session, principal, template_id)


@router.post(
    "/item_templates",
    status_code=201,
    response_model=TemplateEnvelope,
    responses=error_responses(401, 409, 422),
)
async def create_item_template(
    body: TemplateIn, principal: CurrentUser, session: DbSession, now: Now
) -> TemplateEnvelope:
    """A custom template of the caller's own; slot names default to the machine names of their labels."""
    return await service.create_template(session, principal, body, now)
