"""Checks of share inputs that need no database: encrypted values and the acceptance setting."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection

from strongroom.kit.errors import invalid
from strongroom.vault.models import AcceptanceRequired
from strongroom.vault.shares.schemas import EncryptedValuesIn
from strongroom.vault.validation import check_encrypted

MAX_VALUES = 500
"""Most slots one share may carry."""


def parse_values(raw: EncryptedValuesIn | None) -> dict[str, str]:
    """``encrypted_values`` as a dict slot id (canonical UUID text) → cryppo ``Aes256Gcm`` string.

    Accepts an object or a JSON text of one (the 0.9 client sends the text). ``null`` entries are dropped
    (that client sends them for slots without a value). 422 ``encrypted_values_required`` when missing,
    ``invalid_encrypted_values`` when not an object of slot ids, ``invalid_encrypted_value`` for a value
    that is not an ``Aes256Gcm`` cryppo string. Values are never echoed in messages.
    """
    if raw is None:
        raise invalid("encrypted_values_required", "encrypted_values is required")
    if isinstance(raw, str):
        try:
            decoded: object = json.loads(raw)
        except ValueError as exc:
            raise invalid("invalid_encrypted_values", "encrypted_values is not a JSON object") from exc
    else:
        decoded = raw
    if not isinstance(decoded, dict):
        raise invalid("invalid_encrypted_values", "encrypted_values is not a JSON object")
    if len(decoded) > MAX_VALUES:
        raise invalid("invalid_encrypted_values", f"encrypted_values has more than {MAX_VALUES} slots")
    values: dict[str, str] = {}
    for key, value in decoded.items():
        try:
            slot_id = uuid.UUID(str(key))
        except ValueError as exc:
            raise invalid("invalid_encrypted_values", "encrypted_values keys must be slot ids") from exc
        if value is None:
            continue
        check_encrypted(value, f"slot {slot_id}", field="encrypted_values")
        values[str(slot_id)] = value
    return values


def check_slots(
    values: dict[str, str],
    item_slots: Collection[uuid.UUID],
    slot_id: uuid.UUID | None,
    coverage: Collection[uuid.UUID] | None,
) -> None:
    """Every key is a slot of the item (422 ``unknown_slot``), exactly ``slot_id`` when given (422
    ``slot_mismatch``), and within ``coverage`` (the parent's slots, for an on-share; 422
    ``slot_not_shared``)."""
    keys = {uuid.UUID(key) for key in values}
    if slot_id is not None and slot_id not in item_slots:
        raise invalid("unknown_slot", "slot_id is not a slot of the item")
    if not keys <= set(item_slots):
        raise invalid("unknown_slot", "encrypted_values names a slot that is not part of the item")
    if slot_id is not None and keys != {slot_id}:
        raise invalid("slot_mismatch", "a single-slot share carries exactly the value of slot_id")
    if coverage is not None:
        allowed = set(coverage)
        if (slot_id is not None and slot_id not in allowed) or not keys <= allowed:
            raise invalid("slot_not_shared", "an on-share can carry only slots its parent share carries")


def initial_acceptance(value: str | bool | None, terms: str | None) -> AcceptanceRequired:
    """The acceptance state a new share starts in: required when asked for, or when it carries terms.

    ``value``: ``acceptance_required`` / ``acceptance_not_required`` (or true / false, or nothing).
    ``accepted`` cannot be chosen by the sender (422 ``invalid_acceptance``).
    """
    if value is None or value is False or value == AcceptanceRequired.NOT_REQUIRED.value:
        asked = False
    elif value is True or value == AcceptanceRequired.REQUIRED.value:
        asked = True
    else:
        raise invalid(
            "invalid_acceptance",
            "acceptance_required must be acceptance_required or acceptance_not_required",
        )
    return AcceptanceRequired.REQUIRED if asked or terms else AcceptanceRequired.NOT_REQUIRED
