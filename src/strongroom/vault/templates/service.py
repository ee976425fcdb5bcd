"""Template rules: what a user sees (built-ins and own), and making a custom template."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.errors import conflict, invalid, not_found
from strongroom.kit.ids import new_id
from strongroom.kit.pagination import ListParams, cut, meta
from strongroom.vault.auth import Principal
from strongroom.vault.cards import SlotOut, check_slot_type, template_out, template_slot_out
from strongroom.vault.models import ItemTemplate, TemplateSlot
from strongroom.vault.templates import repository as repo
from strongroom.vault.templates.schemas import TemplateEnvelope, TemplateIn, TemplatesOut
from strongroom.vault.validation import name_for


def _slots_out(slots: list[TemplateSlot], builtin: dict[uuid.UUID, bool]) -> list[SlotOut]:
    return [template_slot_out(s, builtin=builtin[s.item_template_id]) for s in slots]


async def list_templates(session: AsyncSession, principal: Principal, params: ListParams) -> TemplatesOut:
    rows = await repo.list_templates(session, principal.user_id, params)
    templates, next_after = cut(rows, params, lambda t: t.id)
    slots = await repo.slots_of(session, [t.id for t in templates])
    by_template: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for slot in slots:
        by_template[slot.item_template_id].append(slot.id)
    builtin = {t.id: t.user_id is None for t in templates}
    return TemplatesOut(
        item_templates=[template_out(t, by_template[t.id]) for t in templates],
        slots=_slots_out(slots, builtin),
        meta=meta(next_after, params),
        next_page_after=next_after,
    )


async def get_template(
    session: AsyncSession, principal: Principal, template_id: uuid.UUID
) -> TemplateEnvelope:
    template = await repo.get_template(session, principal.user_id, template_id)
    if template is None:
        raise not_found("item template")
    slots = await repo.slots_of(session, [template.id])
    return TemplateEnvelope(
        item_template=template_out(template, [s.id for s in slots]),
        slots=_slots_out(slots, {template.id: template.user_id is None}),
    )


async def create_template(
    session: AsyncSession, principal: Principal, body: TemplateIn, now: datetime
) -> TemplateEnvelope:
    """A template of the user's own. 409 ``template_name_taken`` when the name is a built-in's or already
    one of the user's; 422 for a bad slot type, a missing name or two slots of one name."""
    name = name_for(body.name, body.label, "item template")
    if await repo.template_by_name(session, principal.user_id, name) is not None:
        raise conflict("template_name_taken", f"an item template named '{name}' exists")
    template = ItemTemplate(
        id=new_id(),
        user_id=principal.user_id,
        name=name,
        label=body.label.strip() or name,
        description=body.description,
        ordinal=0,
        created_at=now,
        updated_at=now,
    )
    slots: list[TemplateSlot] = []
    seen: set[str] = set()
    for ordinal, attrs in enumerate(body.slots_attributes, start=1):
        slot_name = name_for(attrs.name, attrs.label, f"slot {ordinal}")
        if slot_name in seen:
            raise invalid("duplicate_slot", f"slot '{slot_name}' is given twice")
        seen.add(slot_name)
        slots.append(
            TemplateSlot(
                item_template_id=template.id,
                name=slot_name,
                label=(attrs.label or "").strip() or slot_name,
                slot_type_name=check_slot_type(attrs.slot_type_name, f"slot '{slot_name}'"),
                description=attrs.description,
                required=attrs.required,
                ordinal=ordinal,
                created_at=now,
                updated_at=now,
            )
        )
    try:
        await repo.add(session, template, slots)
    except IntegrityError:  # a concurrent request took the name
        raise conflict("template_name_taken", f"an item template named '{name}' exists") from None
    return TemplateEnvelope(
        item_template=template_out(template, [s.id for s in slots]),
        slots=_slots_out(slots, {template.id: False}),
    )
