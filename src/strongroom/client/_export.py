"""Encrypted export and restore of one's own cards (README "Export files").

:meth:`ExportFlows.export` streams the cards a page at a time into an :class:`ExportWriter`, so memory stays
bounded however large the vault; :meth:`ExportFlows.import_export` reads the whole file once to verify it
(passphrase, integrity, completeness) and only then creates anything.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from strongroom.client._attachments import ATTACHMENT_SLOT_TYPE
from strongroom.client._core import iso
from strongroom.client._errors import AcceptanceRequired, ShareUnavailable
from strongroom.client._export_file import EXPORT_VERSION, ITERATIONS, ExportError, ExportReader, ExportWriter
from strongroom.client._tasks import TaskFlows
from strongroom.client._views import Card, SlotInput

__all__ = ["ExportError", "ExportFlows", "ImportSummary"]


@dataclass(frozen=True)
class ImportSummary:
    """What an import created: cards (own and formerly received ones) and templates; and how many
    attachment slots it left out (an export holds card values, not attached files)."""

    cards: int
    templates: int
    attachments_left_out: int = 0


def _slots(card: Card) -> list[dict[str, Any]]:
    return [
        {"name": s.name, "label": s.label, "slot_type_name": s.slot_type_name, "value": s.value}
        for s in card.slots
    ]


# Cards created at a time on import: enough to overlap the round trips, few enough to keep memory bounded.
IMPORT_BATCH = 4


class ExportFlows(TaskFlows):
    async def export(
        self,
        out: BinaryIO,
        passphrase: str,
        *,
        include_received: bool = False,
        iterations: int = ITERATIONS,
    ) -> dict[str, int]:
        """Write an encrypted export of the caller's own cards (values included), own templates, and
        connection and share metadata to ``out``, under a key derived from ``passphrase`` (an export
        passphrase of its own). ``include_received`` adds the cards shared with the caller as plain
        copies. Returns the counts written."""
        self._ring()
        writer = ExportWriter(out, passphrase, iterations=iterations)
        writer.write(
            {
                "type": "export",
                "version": EXPORT_VERSION,
                "exported_at": iso(datetime.now(UTC)),
                "username": self.credentials.username,
                "include_received": include_received,
            }
        )
        page = await self.vault.templates()
        slots_by_id = {s.id: s for s in page.slots}
        names = {t.id: t.name for t in page.templates}
        templates = 0
        for template in page.templates:
            if template.user_id is None:
                continue
            writer.write(
                {
                    "type": "template",
                    "name": template.name,
                    "label": template.label,
                    "description": template.description,
                    "slots": [
                        {"name": s.name, "label": s.label, "slot_type_name": s.slot_type_name}
                        for s in (slots_by_id[i] for i in template.slot_ids if i in slots_by_id)
                    ],
                }
            )
            templates += 1
        cards = 0
        async for items, slots in self.vault.item_pages():
            by_id = {s.id: s for s in slots}
            for item in items:
                card = self._card(item, [by_id[i] for i in item.slot_ids if i in by_id])
                writer.write(
                    {
                        "type": "card",
                        "id": card.id,
                        "template": names.get(card.template_id or ""),
                        "label": card.label,
                        "slots": _slots(card),
                        "created_at": iso(card.created_at) if card.created_at else None,
                        "updated_at": iso(card.updated_at) if card.updated_at else None,
                    }
                )
                cards += 1
        for connection in await self.connections():
            writer.write(
                {
                    "type": "connection",
                    "id": connection.id,
                    "nickname": connection.nickname,
                    "user_id": connection.user_id,
                    "user_name": connection.user_name,
                    "user_email": connection.user_email,
                    "their_fingerprint": connection.their_fingerprint,
                }
            )
        received = 0
        for share in await self.shares():
            writer.write(
                {
                    "type": "share",
                    "id": share.id,
                    "direction": "given" if share.outgoing else "received",
                    "card_id": share.card_id,
                    "card_label": share.card_label,
                    "connection_id": share.connection_id,
                    "terms": share.terms,
                    "distributable": share.distributable,
                    "parent_share_id": share.parent_share_id,
                    "expires_at": iso(share.expires_at) if share.expires_at else None,
                }
            )
            if include_received and not share.outgoing:
                try:
                    shared = await self.read_share(share.id)
                except (AcceptanceRequired, ShareUnavailable):
                    continue  # terms not accepted yet, or gone meanwhile: nothing to copy
                writer.write(
                    {
                        "type": "received_card",
                        "share_id": share.id,
                        "label": shared.label,
                        "template_label": shared.template_label,
                        "slots": [
                            {
                                "name": s.name,
                                "label": s.label,
                                "slot_type_name": s.slot_type_name,
                                "value": s.value,
                            }
                            for s in shared.slots
                        ],
                    }
                )
                received += 1
        counts = {"cards": cards, "received_cards": received, "templates": templates}
        writer.write({"type": "end", **counts})
        writer.close()
        return counts

    async def import_export(self, source: BinaryIO, passphrase: str) -> ImportSummary:
        """Restore the cards (and own templates) of an export file into the caller's account.

        The whole file is verified first: :class:`ExportError` for a wrong export passphrase, an altered
        or truncated file, or an unknown version, and then nothing is created. Received cards come in as
        the caller's own cards (a ``note`` template when theirs is unknown here). Attachment slots are left
        out and counted (``attachments_left_out``): the file holds their keys, not the files.
        """
        self._ring()
        reader = ExportReader(source, passphrase)
        reader.verify()
        known = {t.name for t in await self.templates()}
        templates = 0
        batch: list[tuple[str, str, list[SlotInput]]] = []
        cards = left_out = 0
        for record in reader.records():
            kind = record["type"]
            if kind == "template" and record.get("name") not in known:
                await self.create_template(
                    str(record.get("label") or record.get("name") or "Imported"),
                    [
                        SlotInput(
                            name=slot.get("name"),
                            label=slot.get("label"),
                            slot_type_name=slot.get("slot_type_name"),
                        )
                        for slot in record.get("slots") or []
                        if isinstance(slot, dict)
                    ],
                    name=record.get("name"),
                )
                known.add(str(record.get("name")))
                templates += 1
            elif kind in ("card", "received_card"):
                template = record.get("template") if kind == "card" else None
                slots = [slot for slot in record.get("slots") or [] if isinstance(slot, dict)]
                # An attachment slot's value is a file key; without the file it would open nothing.
                kept = [slot for slot in slots if slot.get("slot_type_name") != ATTACHMENT_SLOT_TYPE]
                left_out += len(slots) - len(kept)
                batch.append(
                    (
                        template if isinstance(template, str) and template in known else "note",
                        str(record.get("label") or "Imported card"),
                        [
                            SlotInput(
                                name=slot.get("name"),
                                value=slot.get("value"),
                                label=slot.get("label"),
                                slot_type_name=slot.get("slot_type_name"),
                            )
                            for slot in kept
                        ],
                    )
                )
                if len(batch) == IMPORT_BATCH:
                    cards += await self._create_cards(batch)
                    batch = []
        cards += await self._create_cards(batch)
        return ImportSummary(cards=cards, templates=templates, attachments_left_out=left_out)

    async def _create_cards(self, batch: list[tuple[str, str, list[SlotInput]]]) -> int:
        await asyncio.gather(*(self.create_card(template, label, slots) for template, label, slots in batch))
        return len(batch)
