"""Rules of linking an encryption space to a connection.

A Keystore encryption space id may be linked by at most the two users of one connection, each to their own
record of it: the sharer when creating the space, the recipient when joining it. A user links a given space
to one connection only. Linking makes it the record's latest space (``encryption_space_id``), which the
other user's record shows as ``other_user_connection_encryption_space_id``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.errors import conflict, not_found
from strongroom.vault.auth import Principal
from strongroom.vault.spaces import repository
from strongroom.vault.spaces.schemas import EncryptionSpaceCreate, EncryptionSpaceRead


async def link_space(
    session: AsyncSession,
    principal: Principal,
    connection_id: uuid.UUID,
    body: EncryptionSpaceCreate,
    now: datetime,
) -> EncryptionSpaceRead:
    """Link ``body.encryption_space_id`` to the caller's connection ``connection_id``.

    404 when the connection is not the caller's; 409 ``encryption_space_linked_elsewhere`` when the caller
    linked this space to another connection; 409 ``encryption_space_taken`` when someone other than the
    connection's other user linked it. Linking the same space to the same connection again is allowed
    (it becomes the latest again).
    """
    connection = await repository.own_connection(session, principal.user_id, connection_id)
    if connection is None:
        raise not_found("connection")
    space_id = body.encryption_space_id
    links = await repository.links_of(session, space_id)
    own = [link for link in links if link.user_id == principal.user_id]
    others = [link for link in links if link.user_id != principal.user_id]
    if own and own[0].connection_id != connection.id:
        raise conflict(
            "encryption_space_linked_elsewhere", "this encryption space is linked to another connection"
        )
    if others:
        twin = await repository.twin_id(session, connection)
        if any(link.user_id != connection.other_user_id or link.connection_id != twin for link in others):
            raise conflict("encryption_space_taken", "this encryption space belongs to another connection")
    if not own:
        repository.add_link(session, space_id, principal.user_id, connection.id, now)
    await repository.set_connection_space(session, connection.id, space_id, now)
    try:
        await session.flush()
    except IntegrityError as exc:
        # A concurrent request linked the same space for this user first.
        raise conflict(
            "encryption_space_linked_elsewhere", "this encryption space is linked to another connection"
        ) from exc
    return EncryptionSpaceRead(id=space_id, connection_id=connection.id)
