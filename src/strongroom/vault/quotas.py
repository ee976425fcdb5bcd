"""The Vault's per-user quotas (kit/quotas.py) as route dependencies: items, and stored ciphertext bytes.

Stored bytes are the user's slot values and the copies of them the user sent in shares (a share's
``encrypted_values``, paid for by its sender: what others send a user never eats into the user's own quota).
Attachment blobs have a budget of their own (``blob_quota_bytes``, vault/attachments).
"""

from __future__ import annotations

from fastapi import Depends, Request

from strongroom.kit.db import DbSession
from strongroom.kit.quotas import StoredColumns, enforce_bytes, enforce_count
from strongroom.vault.auth import CurrentUser
from strongroom.vault.deps import AppSettings
from strongroom.vault.models import Item, Share, Slot

_STORED: tuple[StoredColumns, ...] = (
    (Slot.encrypted_value, Slot.user_id),
    (Share.encrypted_values, Share.sender_id),
)


async def _storage(
    request: Request, principal: CurrentUser, session: DbSession, settings: AppSettings
) -> None:
    incoming = len(await request.body())  # already read (and bounded) for the body's parsing
    await enforce_bytes(
        session,
        _STORED,
        principal.user_id,
        incoming,
        settings.quota_bytes_per_user,
    )


async def _new_item(principal: CurrentUser, session: DbSession, settings: AppSettings) -> None:
    await enforce_count(session, Item.user_id, principal.user_id, settings.quota_items_per_user, "items")


StorageQuota = Depends(_storage)
ItemQuota = Depends(_new_item)
