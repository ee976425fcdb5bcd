"""All SQL of admission tokens (scoped to the owner)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.keystore.models import AdmissionToken


async def token_of(session: AsyncSession, user_id: uuid.UUID) -> AdmissionToken | None:
    return await session.get(AdmissionToken, user_id, populate_existing=True)


async def add_token(session: AsyncSession, row: AdmissionToken) -> None:
    """Insert ``row`` inside a savepoint; raises ``IntegrityError`` (savepoint rolled back, the request's
    transaction intact) if the user got a token in the meantime."""
    async with session.begin_nested():
        session.add(row)
    # The savepoint's rollback on IntegrityError expunges ``row``; nothing else to undo.
