"""Wire records: what the Keystore and the Vault answer, parsed and typed (unknown fields ignored).

These are the services' JSON objects as they are (ciphertext and wrapped keys included); the flows in
:mod:`strongroom.client._flows` turn them into the plaintext views of :mod:`strongroom.client._views`.
Fields the services add later are ignored; a missing required field is a :class:`ProtocolError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from strongroom.client._errors import ProtocolError

__all__ = [
    "ClientTaskRecord",
    "ConnectionRecord",
    "DataEncryptionKeyRecord",
    "EncryptionSpaceKeyRecord",
    "InvitationRecord",
    "ItemRecord",
    "KeyEncryptionKeyRecord",
    "KeypairRecord",
    "KeystoreSession",
    "KeystoreUser",
    "PublicKeyRecord",
    "SessionRecord",
    "ShareRecord",
    "SharedKeyClaimed",
    "SharedKeyRecord",
    "SlotRecord",
    "SrpChallenge",
    "TemplateRecord",
    "UsernameReservation",
    "VaultUser",
    "ended_count",
    "parse",
    "parse_list",
]


class Record(BaseModel):
    # Schemas are built on first use: a process pays only for the records it reads (CLI start-up).
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


R = TypeVar("R", bound=Record)


def parse(model: type[R], data: Mapping[str, Any], key: str | None, *, where: str) -> R:
    """``data[key]`` (or ``data`` itself) as ``model``; raises ProtocolError naming ``where``."""
    value: Any = data if key is None else data.get(key)
    if not isinstance(value, Mapping):
        raise ProtocolError(f"{where}: the answer has no {key or 'object'}")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise ProtocolError(f"{where}: unexpected {key or 'answer'} ({_first_problem(exc)})") from None


def ended_count(data: Mapping[str, Any], where: str) -> int:
    """The ``ended`` count of a ``DELETE /sessions`` answer."""
    ended = data.get("ended")
    if not isinstance(ended, int) or isinstance(ended, bool) or ended < 0:
        raise ProtocolError(f"{where}: no count of ended sessions")
    return ended


def parse_list(model: type[R], data: Mapping[str, Any], key: str, *, where: str) -> list[R]:
    """``data[key]`` as a list of ``model`` (a missing key is an empty list)."""
    value: Any = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProtocolError(f"{where}: {key} is not a list")
    try:
        return [model.model_validate(v) for v in value]
    except ValidationError as exc:
        raise ProtocolError(f"{where}: unexpected {key} ({_first_problem(exc)})") from None


def _first_problem(exc: ValidationError) -> str:
    # Only the location and pydantic's message: never the input value, which may be key material.
    first = exc.errors(include_input=False, include_url=False)[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    return f"{loc}: {first.get('msg', 'invalid')}" if loc else str(first.get("msg", "invalid"))


# Keystore ----------------------------------------------------------------------------------------------


class UsernameReservation(Record):
    username: str
    expires_at: datetime | None = None


class KeystoreUser(Record):
    id: str
    username: str


class SrpChallenge(Record):
    challenge_salt: str
    challenge_b: str


class KeystoreSession(Record):
    session_authentication_string: str = Field(repr=False)
    id: str | None = None
    valid_from: datetime | None = None
    valid_till: datetime | None = None
    username: str | None = None


class SessionRecord(Record):
    """One entry of ``GET /sessions`` (either service; extension)."""

    id: str
    created_at: datetime
    last_used_at: datetime
    client_name: str | None = None
    expires_at: datetime
    current: bool = False


class KeyEncryptionKeyRecord(Record):
    id: str
    serialized_key_encryption_key: str = Field(repr=False)


class DataEncryptionKeyRecord(Record):
    id: str
    serialized_data_encryption_key: str = Field(repr=False)


class KeypairRecord(Record):
    id: str
    public_key: str = Field(repr=False)
    encrypted_serialized_key: str = Field(repr=False)
    metadata: dict[str, Any] | None = None
    external_identifiers: list[str] = Field(default_factory=list)


class EncryptionSpaceKeyRecord(Record):
    id: str
    encryption_space_id: str
    serialized_data_encryption_key: str = Field(repr=False)


class SharedKeyRecord(Record):
    id: str
    serialized_shared_key: str = Field(repr=False)


class SharedKeyClaimed(Record):
    external_id: str
    serialized_shared_key: str = Field(repr=False)


# Vault -------------------------------------------------------------------------------------------------


class VaultUser(Record):
    id: str
    full_name: str | None = None
    email: str | None = None
    private_encryption_space_id: str | None = None
    joined_at: datetime | None = None
    verified_at: datetime | None = None


class TemplateRecord(Record):
    id: str
    name: str
    label: str | None = None
    description: str | None = None
    user_id: str | None = None
    slot_ids: list[str] = Field(default_factory=list)


class SlotRecord(Record):
    id: str
    name: str | None = None
    label: str | None = None
    slot_type_name: str | None = None
    encrypted_value: str | None = Field(default=None, repr=False)
    ordinal: int | None = None
    attachment_id: str | None = None


class ItemRecord(Record):
    id: str
    name: str | None = None
    label: str | None = None
    item_template_id: str | None = None
    item_template_label: str | None = None
    slot_ids: list[str] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class PublicKeyRecord(Record):
    id: str
    key_store_id: str | None = None
    encryption_strategy: str | None = None
    public_key: str = Field(repr=False)
    fingerprint: str | None = None


class InvitationRecord(Record):
    id: str
    token: str | None = Field(default=None, repr=False)
    email: str | None = None
    message: str | None = None
    sent_at: datetime | None = None
    public_key_id: str | None = None
    key_store_keypair_id: str | None = None
    encrypted_recipient_name: str | None = Field(default=None, repr=False)
    expires_at: datetime | None = None
    state: str | None = None


class InvitationPreviewRecord(Record):
    id: str
    user_id: str | None = None
    user_name: str | None = None
    message: str | None = None
    expires_at: datetime | None = None


class ConnectionRecord(Record):
    id: str
    user_id: str | None = None
    user_name: str | None = None
    user_email: str | None = None
    public_key: str | None = Field(default=None, repr=False)
    key_store_keypair_id: str | None = None
    other_user_connection_public_key: str | None = Field(default=None, repr=False)
    other_user_connection_key_store_keypair_id: str | None = None
    encryption_space_id: str | None = None
    other_user_connection_encryption_space_id: str | None = None
    encrypted_recipient_name: str | None = Field(default=None, repr=False)
    created_at: datetime | None = None
    public_key_fingerprint: str | None = None
    other_user_connection_public_key_fingerprint: str | None = None


class ShareRecord(Record):
    id: str
    shareable_type: str | None = None
    shareable_id: str
    slot_id: str | None = None
    connection_id: str | None = None
    encryption_space_id: str | None = None
    encrypted_values: dict[str, str | None] | None = Field(default=None, repr=False)
    outgoing: bool = False
    user_id: str | None = None
    owner_id: str | None = None
    sender_id: str | None = None
    recipient_id: str | None = None
    terms: str | None = None
    distributable: bool = False
    acceptance_required: str | None = None
    parent_share_id: str | None = None
    expires_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _slotable_id(cls, value: object) -> object:
        # The 0.9 client's name for slot_id is slotable_id; accept either.
        if isinstance(value, dict) and value.get("slot_id") is None and value.get("slotable_id"):
            return {**value, "slot_id": value["slotable_id"]}
        return value

    @field_validator("encrypted_values", mode="before")
    @classmethod
    def _json_text(cls, value: object) -> object:
        # The 0.9 reference client sends (and some servers echo) the object as JSON text.
        if isinstance(value, str):
            try:
                return json.loads(value) if value else None
            except ValueError:
                return value
        return value


class ShareEventRecord(Record):
    id: str
    share_id: str
    reader_id: str
    read_at: datetime


class OnShareRecord(Record):
    id: str
    parent_share_id: str | None = None
    sender_id: str
    recipient_id: str
    created_at: datetime


class ClientTaskRecord(Record):
    id: str
    work_type: str
    target_id: str | None = None
    state: str
    report: Any = None
    created_at: datetime | None = None


class RemoteFileRecord(Record):
    id: str
    byte_size: int


class AttachmentRecord(Record):
    id: str
    user_id: str | None = None
    slot_id: str | None = None
    item_id: str | None = None
    main: RemoteFileRecord
    encryption_artifact: RemoteFileRecord


class UploadUrlRecord(Record):
    url: str
    blob_id: str
    blob_key: str | None = None
