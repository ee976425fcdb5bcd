"""Checks shared by the Vault's services: encrypted values, machine names, e-mail addresses."""

from __future__ import annotations

import re

from strongroom.crypto import is_encrypted
from strongroom.kit.errors import invalid

AES_STRATEGY = "Aes256Gcm"
MAX_ENCRYPTED_VALUE = 100_000
"""Longest accepted cryppo string (characters) for one value."""

_NAME_CLEAN = re.compile(r"[^a-z0-9]+")
MAX_NAME = 100


def check_encrypted(
    value: object, what: str, *, field: str = "encrypted_value", strategy: str = AES_STRATEGY
) -> None:
    """Refuse (422 ``invalid_encrypted_value``) anything but a well-formed cryppo string of ``strategy``.

    ``what`` names the record (e.g. ``"slot 'vin'"``) and ``field`` the field in the message; the value
    itself is never echoed. Callers decide whether None is allowed before calling.
    """
    if not isinstance(value, str) or len(value) > MAX_ENCRYPTED_VALUE or not is_encrypted(value, strategy):
        raise invalid("invalid_encrypted_value", f"{what}: {field} is not a serialized encrypted string")


def machine_name(label: str) -> str:
    """The machine name for ``label``: lowercase ASCII letters and digits joined by single underscores.

    ``"My car"`` → ``"my_car"``; a label without any letter or digit gives ``""`` (callers refuse it).
    """
    return _NAME_CLEAN.sub("_", label.lower()).strip("_")[:MAX_NAME].strip("_")


def name_for(name: str | None, label: str | None, what: str) -> str:
    """The machine name of ``name`` if given, else of ``label``; 422 ``invalid_name`` when that is empty."""
    derived = machine_name(name if name else (label or ""))
    if not derived:
        raise invalid("invalid_name", f"{what}: a name or a label with letters or digits is required")
    return derived


_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f<>,;\"]+@[^@\s\x00-\x1f\x7f<>,;\"]+\.[^@\s\x00-\x1f\x7f<>,;\".]+$")


def check_email(value: str) -> str:
    """A plausible single address (no spaces, controls or header syntax); 422 ``invalid_email`` otherwise."""
    value = value.strip()
    if len(value) > 320 or not _EMAIL.match(value):
        raise invalid("invalid_email", "email is not a valid address")
    return value


def mailbox_key(address: str) -> str:
    """The mailbox an address reaches, for limits: lowercased, without a ``+tag`` in the local part
    (``Bob+x@Example.org`` and ``bob@example.org`` land in the same inbox on most mail servers)."""
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def email_domain(address: str) -> str:
    return address.strip().lower().rpartition("@")[2]
