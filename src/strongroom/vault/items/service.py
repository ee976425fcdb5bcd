"""Card rules: making an item from a template, changing and deleting items and slots.

Every slot value must be a cryppo ``Aes256Gcm`` string (the owner's DEK); plaintext is refused with 422
``invalid_encrypted_value``. After any change of an item the shares hook runs (``hooks.on_item_changed``),
and before a deletion ``hooks.on_item_deleted``, both in the request's transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.errors import conflict, invalid, not_found
from strongroom.kit.ids import new_id
from strongroom.kit.pagination import ListParams, cut, meta
from strongroom.vault.attachments import service as attachments
from strongroom.vault.auth import Principal
from strongroom.vault.cards import check_slot_type, item_out, slot_out
from strongroom.vault.items import hooks
from strongroom.vault.items import repository as repo
from strongroom.vault.items.schemas import (
    MAX_ITEM_SLOTS,
    ItemCreateIn,
    ItemEnvelope,
    ItemsOut,
    SlotAttributesIn,
    SlotEnvelope,
    SlotFieldsIn,
    SlotUpdateIn,
)
from strongroom.vault.models import Item, Slot
from strongroom.vault.templates import repository as templates
from strongroom.vault.validation import check_encrypted, machine_name, name_for

DEFAULT_TEMPLATE = "custom"
DEFAULT_SLOT_TYPE = "key_value"


def _envelope(item: Item, slots: list[Slot]) -> ItemEnvelope:
    return ItemEnvelope(item=item_out(item, [s.id for s in slots]), slots=[slot_out(s) for s in slots])


def _checked_value(value: str | None, slot_name: str) -> str | None:
    if value is not None:
        check_encrypted(value, f"slot '{slot_name}'")
    return value


class _SlotSet:
    """The slots of one item being edited: lookup by id and name, additions, removals, ordinals."""

    def __init__(self, item: Item, slots: list[Slot], now: datetime) -> None:
        self.item = item
        self.now = now
        self.slots = list(slots)
        self.removed: list[Slot] = []
        self.linked: list[Slot] = []  # slots given an attachment by this request
        self.changed = False

    def by_id(self, slot_id: uuid.UUID) -> Slot:
        for slot in self.slots:
            if slot.id == slot_id:
                return slot
        raise invalid("unknown_slot", "slots_attributes: no slot with that id in this item")

    def by_name(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)

    def apply(self, attrs: SlotAttributesIn, position: int) -> None:
        """Apply one ``slots_attributes`` entry (see :class:`SlotAttributesIn`)."""
        fields = attrs.model_fields_set
        if attrs.id is not None:
            slot: Slot | None = self.by_id(attrs.id)
            name = name_for(attrs.name, None, f"slot {position}") if attrs.name else None
        else:
            name = name_for(attrs.name, attrs.label, f"slot {position}")
            slot = self.by_name(name)
        if attrs.destroy:
            if slot is not None:
                self.slots.remove(slot)
                self.removed.append(slot)
                self.changed = True
            return
        if slot is None:
            assert name is not None
            self.add(attrs, name)
            return
        if name is not None and name != slot.name:
            if self.by_name(name) is not None:
                raise invalid("duplicate_slot", f"slot '{name}' exists in this item")
            slot.name = name
        if attrs.label is not None:
            slot.label = attrs.label.strip() or slot.name
        if attrs.slot_type_name is not None:
            slot.slot_type_name = check_slot_type(attrs.slot_type_name, f"slot '{slot.name}'")
        if attrs.description is not None:
            slot.description = attrs.description
        if "encrypted_value" in fields:
            slot.encrypted_value = _checked_value(attrs.encrypted_value, slot.name)
        given, attachment_id = attrs.attachment()
        if given and attachment_id != slot.attachment_id:
            slot.attachment_id = attachment_id
            if attachment_id is not None:
                self.linked.append(slot)
        slot.updated_at = self.now
        self.changed = True

    def add(self, attrs: SlotAttributesIn, name: str) -> None:
        if len(self.slots) >= MAX_ITEM_SLOTS:
            raise invalid("too_many_slots", f"an item has at most {MAX_ITEM_SLOTS} slots")
        slot_type = attrs.slot_type_name or DEFAULT_SLOT_TYPE
        slot = Slot(
            id=new_id(),
            item_id=self.item.id,
            user_id=self.item.user_id,
            name=name,
            label=(attrs.label or "").strip() or name.replace("_", " ").capitalize(),
            slot_type_name=check_slot_type(slot_type, f"slot '{name}'"),
            description=attrs.description,
            encrypted_value=_checked_value(attrs.encrypted_value, name),
            attachment_id=attrs.attachment()[1],
            ordinal=max((s.ordinal for s in self.slots), default=0) + 1,
            created_at=self.now,
            updated_at=self.now,
        )
        self.slots.append(slot)
        if slot.attachment_id is not None:
            self.linked.append(slot)
        self.changed = True


def _no_repeats(attributes: list[SlotAttributesIn]) -> None:
    """Refuse two entries that address the same slot (422 ``duplicate_slot``)."""
    seen: set[object] = set()
    for position, attrs in enumerate(attributes, start=1):
        key: object = (
            attrs.id if attrs.id is not None else name_for(attrs.name, attrs.label, f"slot {position}")
        )
        if key in seen:
            raise invalid("duplicate_slot", f"slot {position} repeats an earlier entry")
        seen.add(key)


async def create_item(
    session: AsyncSession, principal: Principal, body: ItemCreateIn, now: datetime
) -> ItemEnvelope:
    """An item from the template ``body.template_name`` (the caller's own or a built-in; 422
    ``unknown_template`` otherwise): the template's slots, values given by slot name, extra slots added."""
    template_name = body.template_name or DEFAULT_TEMPLATE
    template = await templates.template_by_name(session, principal.user_id, template_name)
    if template is None:
        raise invalid("unknown_template", f"no item template named '{template_name[:100]}'")
    label = (body.item.label or "").strip() or template.label
    item = Item(
        id=new_id(),
        user_id=principal.user_id,
        item_template_id=template.id,
        item_template_label=template.label,
        name=machine_name(label) or template.name,
        label=label,
        created_at=now,
        updated_at=now,
    )
    template_slots = await templates.slots_of(session, [template.id])
    initial = [
        Slot(
            id=new_id(),
            item_id=item.id,
            user_id=principal.user_id,
            name=t.name,
            label=t.label,
            slot_type_name=t.slot_type_name,
            description=t.description,
            encrypted_value=None,
            ordinal=t.ordinal,
            created_at=now,
            updated_at=now,
        )
        for t in template_slots
    ]
    _no_repeats(body.item.slots_attributes)
    slot_set = _SlotSet(item, initial, now)
    for position, attrs in enumerate(body.item.slots_attributes, start=1):
        if attrs.id is not None:
            raise invalid("unknown_slot", f"slot {position}: a new item's slots have no ids yet")
        slot_set.apply(attrs, position)
    await attachments.link(session, principal.user_id, slot_set.linked, now)
    await repo.add(session, item, slot_set.slots)
    return _envelope(item, slot_set.slots)


async def _own_item(session: AsyncSession, principal: Principal, item_id: uuid.UUID) -> Item:
    item = await repo.get_item(session, principal.user_id, item_id)
    if item is None:
        raise not_found("item")
    return item


async def get_item(session: AsyncSession, principal: Principal, item_id: uuid.UUID) -> ItemEnvelope:
    item = await _own_item(session, principal, item_id)
    return _envelope(item, await repo.slots_of(session, [item.id]))


# What an item's row adds to a list page besides its slots' ciphertext (label, ids, times), roughly.
ITEM_OVERHEAD = 512


async def list_items(
    session: AsyncSession, principal: Principal, params: ListParams, template_ids: list[uuid.UUID] | None
) -> ItemsOut:
    rows = await repo.list_items(session, principal.user_id, params, template_ids)
    sizes = {item.id: size for item, size in rows}
    items, next_after = cut(
        [item for item, _ in rows], params, lambda i: i.id, lambda i: ITEM_OVERHEAD + sizes[i.id]
    )
    slots = await repo.slots_of(session, [i.id for i in items])
    by_item: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for slot in slots:
        by_item[slot.item_id].append(slot.id)
    return ItemsOut(
        items=[item_out(i, by_item[i.id]) for i in items],
        slots=[slot_out(s) for s in slots],
        meta=meta(next_after, params),
        next_page_after=next_after,
    )


async def update_item(
    session: AsyncSession,
    principal: Principal,
    item_id: uuid.UUID,
    label: str | None,
    attributes: list[SlotAttributesIn],
    now: datetime,
) -> ItemEnvelope:
    """Apply ``PUT /items/{id}``: a new label and slot changes (see :class:`SlotAttributesIn`)."""
    item = await _own_item(session, principal, item_id)
    slot_set = _SlotSet(item, await repo.slots_of(session, [item.id]), now)
    _no_repeats(attributes)
    if label is not None and label.strip():
        item.label = label.strip()
    for position, attrs in enumerate(attributes, start=1):
        slot_set.apply(attrs, position)
    if slot_set.removed:
        await hooks.on_slots_deleted(session, [slot.id for slot in slot_set.removed], now)
    await attachments.link(session, principal.user_id, slot_set.linked, now)
    for slot in slot_set.removed:
        await session.delete(slot)
    session.add_all(s for s in slot_set.slots if s not in session)
    item.updated_at = now
    try:
        await session.flush()
    except IntegrityError:  # a concurrent request added a slot of the same name
        raise conflict("duplicate_slot", "a slot of that name was added concurrently") from None
    await hooks.on_item_changed(session, item.id, now)
    return _envelope(item, slot_set.slots)


async def delete_item(session: AsyncSession, principal: Principal, item_id: uuid.UUID, now: datetime) -> None:
    """Delete the item, its slots and (through the hook and cascades) its shares."""
    item = await _own_item(session, principal, item_id)
    await hooks.on_item_deleted(session, item.id, now)
    await repo.delete_item(session, item.id)


# --- slots -------------------------------------------------------------------------------------------


async def _own_slot(session: AsyncSession, principal: Principal, slot_id: uuid.UUID) -> Slot:
    slot = await repo.get_slot(session, principal.user_id, slot_id)
    if slot is None:
        raise not_found("slot")
    return slot


async def get_slot(session: AsyncSession, principal: Principal, slot_id: uuid.UUID) -> SlotEnvelope:
    return SlotEnvelope(slot=slot_out(await _own_slot(session, principal, slot_id)))


def _slot_fields(body: SlotUpdateIn) -> tuple[SlotFieldsIn, set[str]]:
    """The fields to change: the wrapped ``slot`` object's, completed by the top-level ones."""
    top = {k: getattr(body, k) for k in body.model_fields_set if k != "slot"}
    inner = {k: getattr(body.slot, k) for k in body.slot.model_fields_set} if body.slot is not None else {}
    merged = {**top, **inner}
    return SlotFieldsIn(**merged), set(merged)


async def update_slot(
    session: AsyncSession, principal: Principal, slot_id: uuid.UUID, body: SlotUpdateIn, now: datetime
) -> SlotEnvelope:
    slot = await _own_slot(session, principal, slot_id)
    fields, present = _slot_fields(body)
    if "encrypted_value" in present:
        slot.encrypted_value = _checked_value(fields.encrypted_value, slot.name)
    if fields.label is not None:
        slot.label = fields.label.strip() or slot.name
    if fields.slot_type_name is not None:
        slot.slot_type_name = check_slot_type(fields.slot_type_name, f"slot '{slot.name}'")
    if "description" in present:
        slot.description = fields.description
    slot.updated_at = now
    item = await repo.get_item(session, principal.user_id, slot.item_id)
    assert item is not None  # the slot's own item, same owner
    item.updated_at = now
    await session.flush()
    await hooks.on_item_changed(session, item.id, now)
    return SlotEnvelope(slot=slot_out(slot))


async def delete_slot(session: AsyncSession, principal: Principal, slot_id: uuid.UUID, now: datetime) -> None:
    slot = await _own_slot(session, principal, slot_id)
    item = await repo.get_item(session, principal.user_id, slot.item_id)
    assert item is not None
    await hooks.on_slots_deleted(session, [slot.id], now)
    await session.delete(slot)
    item.updated_at = now
    await session.flush()
    await hooks.on_item_changed(session, item.id, now)
