"""What happens to shares when connections go away (implemented by the shares package).

The database already takes care of correctness: every share row references its sender's and recipient's
connection rows with ``ON DELETE CASCADE``, so deleting a connection deletes the shares over it. The hook is
for the work the cascade cannot do (e.g. dropping client tasks that refer to those shares).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.vault.shares import service


async def on_connection_deleted(
    session: AsyncSession, connection_ids: Sequence[uuid.UUID], now: datetime
) -> None:
    """Called inside the deleting transaction, *before* the connection rows ``connection_ids`` are deleted.

    ``connection_ids`` holds both rows of each connection being deleted (both users' records). Must revoke
    every share made over them, in both directions; must only flush, never commit. Revokes them (with their
    on-shares), drops the ``update_shares`` tasks left without a share to update, and asks each user's
    client to delete the share keys and the connection keypair the connection leaves in their Keystore.
    """
    await service.connections_deleted(session, connection_ids, now)
