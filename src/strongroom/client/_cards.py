"""Templates and cards: slot values encrypted with the private DEK on the way out, decrypted on the way in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from strongroom.client._core import Core
from strongroom.client._errors import InvalidArgument
from strongroom.client._models import ItemRecord, SlotRecord
from strongroom.client._views import Card, CardSlot, SlotInput, Template, TemplateSlot

__all__ = ["CardFlows", "SlotsArg", "as_slot_inputs"]

SlotsArg = Sequence[SlotInput] | Mapping[str, str | None]
DEFAULT_SLOT_TYPE = "key_value"


def as_slot_inputs(slots: SlotsArg) -> list[SlotInput]:
    """``{name: value}`` or a sequence of :class:`SlotInput` as a list of SlotInput."""
    if isinstance(slots, Mapping):
        return [SlotInput(name=name, value=value) for name, value in slots.items()]
    return list(slots)


def _ordered(slots: Iterable[SlotRecord]) -> list[SlotRecord]:
    return sorted(slots, key=lambda s: s.ordinal if s.ordinal is not None else 1 << 30)


class CardFlows(Core):
    async def templates(self) -> list[Template]:
        """Every template the caller can use (built-in and own), with its slots."""
        page = await self.vault.templates()
        by_id = {s.id: s for s in page.slots}
        return [
            Template(
                id=t.id,
                name=t.name,
                label=t.label,
                description=t.description,
                slots=tuple(
                    TemplateSlot(name=s.name or s.id, label=s.label, slot_type_name=s.slot_type_name)
                    for s in _ordered(by_id[i] for i in t.slot_ids if i in by_id)
                ),
            )
            for t in page.templates
        ]

    async def template(self, name_or_id: str) -> Template:
        """The template named (or with the id) ``name_or_id``; raises InvalidArgument if there is none."""
        for template in await self.templates():
            if name_or_id in (template.name, template.id):
                return template
        raise InvalidArgument(f"no template named {name_or_id!r}")

    async def create_template(
        self, label: str, slots: Sequence[SlotInput] = (), *, name: str | None = None
    ) -> Template:
        """A template of the caller's own: ``label`` (its machine name derived from it unless ``name``)
        and its slots (``name``/``label``/``slot_type_name`` of each; values are ignored)."""
        attributes = [
            {
                k: v
                for k, v in (("name", s.name), ("label", s.label), ("slot_type_name", s.slot_type_name))
                if v
            }
            for s in slots
        ]
        made = await self.vault.create_template(label, attributes, name=name)
        record = made.templates[0]
        by_id = {s.id: s for s in made.slots}
        return Template(
            id=record.id,
            name=record.name,
            label=record.label,
            description=record.description,
            slots=tuple(
                TemplateSlot(name=s.name or s.id, label=s.label, slot_type_name=s.slot_type_name)
                for s in _ordered(by_id[i] for i in record.slot_ids if i in by_id)
            ),
        )

    async def create_card(self, template: str, label: str, slots: SlotsArg = ()) -> Card:
        """A new card from ``template`` (a template name) with ``slots`` ({name: value} or SlotInputs).

        Template slots are matched by name; other names become extra slots (``key_value`` unless
        ``slot_type_name`` says otherwise). Values are encrypted with the private DEK before they leave.
        """
        dek = self._ring().private_dek
        attributes: list[dict[str, Any]] = []
        for slot in as_slot_inputs(slots):
            if not slot.name and not slot.label:
                raise InvalidArgument("every slot needs a name or a label")
            attribute: dict[str, Any] = {}
            for key in ("name", "label", "slot_type_name"):
                value = getattr(slot, key)
                if value is not None:
                    attribute[key] = value
            attribute["encrypted_value"] = self._encrypt(dek, slot.value)
            attributes.append(attribute)
        created = await self.vault.create_item(template, label, attributes)
        return self._card(created.item, created.slots)

    async def cards(self) -> list[Card]:
        """Every card the caller owns, decrypted."""
        self._ring()
        items, slots = await self.vault.items()
        by_id = {s.id: s for s in slots}
        return [self._card(item, [by_id[i] for i in item.slot_ids if i in by_id]) for item in items]

    async def card(self, card_id: str) -> Card:
        """One of the caller's cards, decrypted (NotFound for another user's)."""
        self._ring()
        found = await self.vault.item(card_id)
        return self._card(found.item, found.slots)

    async def update_card(
        self,
        card_id: str,
        *,
        label: str | None = None,
        slots: SlotsArg = (),
        remove: Sequence[str] = (),
    ) -> Card:
        """Change a card: ``label``; ``slots`` sets values by slot name or id (None clears a value; unknown
        names add slots); ``remove`` deletes slots by name or id.

        When the card is shared, the Vault queues an ``update_shares`` client task: run
        :meth:`run_client_tasks` to carry the new values to the recipients.
        """
        dek = self._ring().private_dek
        current = await self.vault.item(card_id)
        by_key: dict[str, SlotRecord] = {}
        for record in current.slots:
            by_key[record.id] = record
            if record.name:
                by_key.setdefault(record.name, record)
        attributes: list[dict[str, Any]] = []
        for slot in as_slot_inputs(slots):
            key = slot.name or slot.label
            if key is None:
                raise InvalidArgument("every slot needs a name or a label")
            existing = by_key.get(key)
            encrypted = self._encrypt(dek, slot.value)
            if existing is not None:
                change: dict[str, Any] = {"id": existing.id, "encrypted_value": encrypted}
                if slot.label is not None:
                    change["label"] = slot.label
                attributes.append(change)
            else:
                attributes.append(
                    {
                        k: v
                        for k, v in (
                            ("name", slot.name),
                            ("label", slot.label),
                            ("slot_type_name", slot.slot_type_name or DEFAULT_SLOT_TYPE),
                            ("encrypted_value", encrypted),
                        )
                        if v is not None
                    }
                )
        for key in remove:
            existing = by_key.get(key)
            if existing is None:
                raise InvalidArgument(f"the card has no slot {key!r}")
            attributes.append({"id": existing.id, "_destroy": True})
        updated = await self.vault.update_item(card_id, label=label, slots_attributes=attributes)
        return self._card(updated.item, updated.slots)

    async def remove_slot(self, slot_id: str) -> None:
        """Delete one slot (by id) from its card."""
        await self.vault.delete_slot(slot_id)

    async def delete_card(self, card_id: str) -> None:
        """Delete a card; the Vault revokes its shares."""
        await self.vault.delete_item(card_id)

    def _card(self, item: ItemRecord, slots: Iterable[SlotRecord]) -> Card:
        dek = self._ring().private_dek
        return Card(
            id=item.id,
            name=item.name,
            label=item.label,
            template_id=item.item_template_id,
            template_label=item.item_template_label,
            slots=tuple(
                CardSlot(
                    id=s.id,
                    name=s.name,
                    label=s.label,
                    slot_type_name=s.slot_type_name,
                    value=self._decrypt(dek, s.encrypted_value, f"slot {s.name or s.id}"),
                    ordinal=s.ordinal,
                    attachment_id=s.attachment_id,
                )
                for s in _ordered(slots)
            ),
            created_at=item.created_at,
            updated_at=item.updated_at,
        )
