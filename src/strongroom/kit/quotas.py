"""Per-user quotas: how many records of a kind, and how many bytes of ciphertext, one user may store.

Checked before a write, in the write's own transaction: a count over the user's rows (each table is indexed
by ``user_id``). Counts over the limit answer 422 ``quota_exceeded``; stored bytes over the limit answer 413
``storage_quota_exceeded``. The limits are settings (``quota_*``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, cast, func, select
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


StoredColumns = tuple[InstrumentedAttribute[Any], InstrumentedAttribute[Any]]
"""Where a user's stored ciphertext lives: (value column, the column naming the user who pays for it)."""


async def enforce_bytes(
    session: AsyncSession,
    stored_in: Sequence[StoredColumns],
    user_id: uuid.UUID,
    incoming: int,
    limit: int,
) -> None:
    """Refuse a write of ``incoming`` bytes (413 ``storage_quota_exceeded``) that would take the user's
    stored ciphertext, summed over ``stored_in``, past ``limit``. The incoming size is the request body's:
    an upper bound of what it stores, so the check never lets a user past the quota."""
    total = 0
    for value_column, user_column in stored_in:
        size = func.length(cast(value_column, String))  # JSON columns are counted as their text
        stored = await session.scalar(select(func.coalesce(func.sum(size), 0)).where(user_column == user_id))
        total += int(stored or 0)
    if total + incoming > limit:
        raise storage_quota_exceeded(limit)
