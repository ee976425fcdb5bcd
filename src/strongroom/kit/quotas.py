"""Per-user quotas: how many records of a kind, and how many bytes of ciphertext, one user may store.

Checked before a write, in the write's own transaction: a count over the user's rows (each table is indexed
by ``user_id``). Counts over the limit answer 422 ``quota_exceeded``; stored bytes over the limit answer 413
``storage_quota_exceeded``. The limits are settings (``quota_*``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from strongroom.kit.errors import AppError


def quota_exceeded(what: str, limit: int) -> AppError:
    return AppError(422, "quota_exceeded", f"at most {limit} {what} per user")


def storage_quota_exceeded(limit: int) -> AppError:
    return AppError(413, "storage_quota_exceeded", f"at most {limit} bytes of stored data per user")


async def enforce_count(
    session: AsyncSession, user_column: InstrumentedAttribute[Any], user_id: uuid.UUID, limit: int, what: str
) -> None:
    """Refuse one more row (422 ``quota_exceeded``) when the user already has ``limit`` of them."""
    count = await session.scalar(select(func.count()).where(user_column == user_id))
    if (count or 0) >= limit:
        raise quota_exceeded(what, limit)


async def enforce_bytes(
    session: AsyncSession,
    value_column: InstrumentedAttribute[Any],
    user_column: InstrumentedAttribute[Any],
    user_id: uuid.UUID,
    incoming: int,
    limit: int,
) -> None:
    """Refuse a write of ``incoming`` bytes (413 ``storage_quota_exceeded``) that would take the user's
    stored ciphertext past ``limit``. The incoming size is the request body's: an upper bound of what it
    stores, so the check never lets a user past the quota."""
    stored = await session.scalar(
        select(func.coalesce(func.sum(func.length(value_column)), 0)).where(user_column == user_id)
    )
    if int(stored or 0) + incoming > limit:
        raise storage_quota_exceeded(limit)
