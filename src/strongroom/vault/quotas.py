"""The Vault's per-user quotas (kit/quotas.py) as route dependencies: items, and stored ciphertext bytes."""

from __future__ import annotations

from fastapi import Depends, Request

from strongroom.kit.db import DbSession
from strongroom.kit.quotas import enforce_bytes, enforce_count
from strongroom.vault.auth import CurrentUser
from strongroom.vault.deps import AppSettings
from strongroom.vault.models import Item, Slot


async def _storage(
    request: Request, principal: CurrentUser, session: DbSession, settings: AppSettings
) -> None:
    incoming = len(await request.body())  # already read (and bounded) for the body's parsing
    await enforce_bytes(
        session,
        Slot.encrypted_value,
        Slot.user_id,
        principal.user_id,
        incoming,
        settings.quota_bytes_per_user,
    )


async def _new_item(principal: CurrentUser, session: DbSession, settings: AppSettings) -> None:
    await enforce_count(session, Item.user_id, principal.user_id, settings.quota_items_per_user, "items")


StorageQuota = Depends(_storage)
ItemQuota = Depends(_new_item)
