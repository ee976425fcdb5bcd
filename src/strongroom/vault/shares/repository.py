"""SQL of shares. Every read of a user's data starts from rows that user may read: their own items and
connections, and shares where they are the sender or the recipient. A guessed id therefore finds nothing.

"Live" means not expired at the request's ``now``; revoked shares do not exist (revocation deletes them).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.pagination import ListParams, paginate
from strongroom.vault.items.repository import SLOTS_OF_ITEMS
from strongroom.vault.models import (
    Connection,
    EncryptionSpace,
    Item,
    PublicKey,
    Share,
    ShareReadEvent,
    Slot,
    User,
)


def live(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """The share has not expired at ``now``."""
    return or_(Share.expires_at.is_(None), Share.expires_at > now)


def _party(user_id: uuid.UUID | ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    return or_(Share.sender_id == user_id, Share.recipient_id == user_id)


# The statements every share read runs, built once (building one costs more than running it on SQLite).
_SHARE = select(Share).where(
    Share.id == bindparam("share_id"), _party(bindparam("user_id")), live(bindparam("now"))
)
_LOCKED_SHARE = _SHARE.with_for_update().execution_options(populate_existing=True)
_ITEMS = select(Item).where(Item.id.in_(bindparam("ids", expanding=True)))
_USERS = select(User).where(User.id.in_(bindparam("ids", expanding=True)))


async def visible_share(
    session: AsyncSession, user_id: uuid.UUID, share_id: uuid.UUID, now: datetime, *, lock: bool = False
) -> Share | None:
    """Live share ``share_id`` if ``user_id`` gave or received it. ``lock``: row lock on PostgreSQL (racing
    updates queue up and each sees the previous one's result)."""
    values = {"share_id": share_id, "user_id": user_id, "now": now}
    return (await session.execute(_LOCKED_SHARE if lock else _SHARE, values)).scalar_one_or_none()


def _side(user_id: uuid.UUID, outgoing: bool, item_id: uuid.UUID | None, now: datetime) -> Select[Share]:
    column = Share.sender_id if outgoing else Share.recipient_id
    stmt = select(Share).where(column == user_id, live(now))
    if item_id is not None:
        stmt = stmt.where(Share.item_id == item_id)
    return stmt


async def page_of_shares(
    session: AsyncSession,
    user_id: uuid.UUID,
    outgoing: bool | None,
    item_id: uuid.UUID | None,
    params: ListParams,
    now: datetime,
) -> list[Share]:
    """One page (plus one row) of the user's live shares in id order: given (``outgoing`` true), received
    (false) or both (None).

    Both directions read each side's (user, id) index for at most a page and merge, so a page costs the
    same however many shares exist. The reference client's offset ``page`` uses one OR query instead.
    """
    if outgoing is not None:
        stmt = paginate(_side(user_id, outgoing, item_id, now), Share.id, params)
        return list((await session.execute(stmt)).scalars().all())
    if params.page is not None:
        both = select(Share).where(_party(user_id), live(now))
        if item_id is not None:
            both = both.where(Share.item_id == item_id)
        return list((await session.execute(paginate(both, Share.id, params))).scalars().all())
    rows: dict[uuid.UUID, Share] = {}
    for side in (True, False):
        stmt = paginate(_side(user_id, side, item_id, now), Share.id, params)
        for share in (await session.execute(stmt)).scalars().all():
            rows[share.id] = share
    return sorted(rows.values(), key=lambda share: share.id)[: params.per_page + 1]


async def own_connection(
    session: AsyncSession, user_id: uuid.UUID, connection_id: uuid.UUID
) -> Connection | None:
    stmt = select(Connection).where(Connection.id == connection_id, Connection.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def connection_with(
    session: AsyncSession, user_id: uuid.UUID, other_user_id: uuid.UUID
) -> Connection | None:
    """The user's own record of their connection with ``other_user_id``."""
    stmt = select(Connection).where(Connection.user_id == user_id, Connection.other_user_id == other_user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def twin_id(session: AsyncSession, connection: Connection) -> uuid.UUID | None:
    """The id of the other user's record of ``connection``."""
    stmt = select(Connection.id).where(
        Connection.pair_id == connection.pair_id, Connection.user_id == connection.other_user_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def own_item(session: AsyncSession, user_id: uuid.UUID, item_id: uuid.UUID) -> Item | None:
    stmt = select(Item).where(Item.id == item_id, Item.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def incoming_shares_of_item(
    session: AsyncSession, user_id: uuid.UUID, item_id: uuid.UUID, now: datetime
) -> Sequence[Share]:
    stmt = select(Share).where(Share.recipient_id == user_id, Share.item_id == item_id, live(now))
    return (await session.execute(stmt.order_by(Share.id))).scalars().all()


async def slot_ids_of_item(session: AsyncSession, item_id: uuid.UUID) -> set[uuid.UUID]:
    """The slot ids of ``item_id`` (callers have already established the item is readable to them)."""
    return set((await session.execute(select(Slot.id).where(Slot.item_id == item_id))).scalars().all())


async def share_by_id(session: AsyncSession, share_id: uuid.UUID) -> Share | None:
    """A share by id, for internal use once the caller's right to it (e.g. as a parent) is established."""
    return await session.get(Share, share_id)


async def space_link(
    session: AsyncSession, space_id: uuid.UUID, user_id: uuid.UUID
) -> EncryptionSpace | None:
    stmt = select(EncryptionSpace).where(EncryptionSpace.id == space_id, EncryptionSpace.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def shares_on_space(
    session: AsyncSession, space_id: uuid.UUID, item_id: uuid.UUID | None = None
) -> Sequence[Share]:
    """Shares backed by ``space_id`` (of ``item_id`` only, when given), live or expired."""
    stmt = select(Share).where(Share.encryption_space_id == space_id)
    if item_id is not None:
        stmt = stmt.where(Share.item_id == item_id)
    return (await session.execute(stmt)).scalars().all()


async def delete_shares(
    session: AsyncSession, share_ids: Collection[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Delete the shares ``share_ids`` and their on-shares; returns the (sender, item) pair of each.

    On-shares are deleted explicitly (not only by the foreign-key cascade) so that the pairs are known.
    """
    if not share_ids:
        return []
    ids = list(share_ids)
    doomed = select(Share.id, Share.sender_id, Share.item_id).where(
        or_(Share.id.in_(ids), Share.parent_share_id.in_(ids))
    )
    rows = (await session.execute(doomed)).all()
    all_ids = [row[0] for row in rows]
    await session.execute(
        delete(Share).where(Share.parent_share_id.in_(ids)).execution_options(synchronize_session=False)
    )
    await session.execute(delete(Share).where(Share.id.in_(ids)).execution_options(synchronize_session=False))
    gone = set(all_ids)
    # Loaded copies of deleted rows must not be served from the session's identity map later.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Share) and obj.id in gone:
            session.expunge(obj)
    return [(row[1], row[2]) for row in rows]


async def key_holders(
    session: AsyncSession, share_ids: Collection[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    """(sender, recipient, encryption space) of the shares ``share_ids`` and their on-shares whose space
    is their own (named by the client); a connection's reused space outlives one share of it."""
    if not share_ids:
        return []
    ids = list(share_ids)
    stmt = select(Share.sender_id, Share.recipient_id, Share.encryption_space_id).where(
        or_(Share.id.in_(ids), Share.parent_share_id.in_(ids)), Share.space_from_connection.is_(False)
    )
    return [(row[0], row[1], row[2]) for row in (await session.execute(stmt)).all()]


async def connection_key_material(
    session: AsyncSession, connection_ids: Sequence[uuid.UUID]
) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], list[tuple[uuid.UUID, str]]]:
    """For connection rows ``connection_ids``: (user, space id) of every encryption space a user linked to
    them, and (user, Keystore keypair id) of each row's own connection key."""
    ids = list(connection_ids)
    if not ids:
        return [], []
    spaces = await session.execute(
        select(EncryptionSpace.user_id, EncryptionSpace.id).where(EncryptionSpace.connection_id.in_(ids))
    )
    keys = await session.execute(
        select(Connection.user_id, PublicKey.key_store_id)
        .join(PublicKey, PublicKey.id == Connection.public_key_id)
        .where(Connection.id.in_(ids))
    )
    return [(r[0], r[1]) for r in spaces.all()], [(r[0], r[1]) for r in keys.all()]


async def shares_of_slots(session: AsyncSession, slot_ids: Collection[uuid.UUID]) -> list[uuid.UUID]:
    if not slot_ids:
        return []
    stmt = select(Share.id).where(Share.slot_id.in_(list(slot_ids)))
    return list((await session.execute(stmt)).scalars().all())


async def shares_of_item(session: AsyncSession, item_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(Share.id).where(Share.item_id == item_id)
    return list((await session.execute(stmt)).scalars().all())


async def shares_over_connections(
    session: AsyncSession, connection_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    ids = list(connection_ids)
    stmt = select(Share.id).where(
        or_(Share.sender_connection_id.in_(ids), Share.recipient_connection_id.in_(ids))
    )
    return list((await session.execute(stmt)).scalars().all())


async def has_live_children(session: AsyncSession, parent_id: uuid.UUID, now: datetime) -> bool:
    stmt = select(Share.id).where(Share.parent_share_id == parent_id, live(now)).limit(1)
    return (await session.execute(stmt)).first() is not None


async def child_ids(session: AsyncSession, parent_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(Share.id).where(Share.parent_share_id == parent_id)
    return list((await session.execute(stmt)).scalars().all())


async def clamp_children_expiry(
    session: AsyncSession, parent_id: uuid.UUID, expires_at: datetime, now: datetime
) -> None:
    """On-shares of ``parent_id`` that would outlive ``expires_at`` now expire with it."""
    await session.execute(
        update(Share)
        .where(
            Share.parent_share_id == parent_id,
            or_(Share.expires_at.is_(None), Share.expires_at > expires_at),
        )
        .values(expires_at=expires_at, version=Share.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def compare_and_set(
    session: AsyncSession, share_id: uuid.UUID, version: int, values: dict[str, object]
) -> bool:
    """Apply ``values`` to share ``share_id`` only if its version is still ``version``; bumps the version.

    Returns False when another writer changed the share first (nothing is written then).
    """
    result = await session.execute(
        update(Share)
        .where(Share.id == share_id, Share.version == version)
        .values(**values, version=version + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def set_acceptance(session: AsyncSession, share_id: uuid.UUID, state: str) -> None:
    await session.execute(
        update(Share)
        .where(Share.id == share_id)
        .values(acceptance_required=state)
        .execution_options(synchronize_session=False)
    )


async def live_direct_sender(session: AsyncSession, item_id: uuid.UUID, now: datetime) -> uuid.UUID | None:
    """The sender (the item's owner) if ``item_id`` has at least one live direct (not on-) share."""
    stmt = (
        select(Share.sender_id)
        .where(Share.item_id == item_id, Share.parent_share_id.is_(None), live(now))
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def expired_batch(
    session: AsyncSession, now: datetime, limit: int
) -> Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    """Up to ``limit`` expired shares as (id, sender, item), oldest expiry first (uses the expiry index)."""
    stmt = (
        select(Share.id, Share.sender_id, Share.item_id)
        .where(Share.expires_at <= now)
        .order_by(Share.expires_at)
        .limit(limit)
    )
    return (await session.execute(stmt)).all()


# Sideloads for responses: all keyed by ids taken from shares the viewer may read.


async def items_by_id(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Item]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {item.id: item for item in (await session.execute(_ITEMS, {"ids": wanted})).scalars()}


async def slots_of_items(session: AsyncSession, item_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Slot]]:
    wanted = list(set(item_ids))
    found: dict[uuid.UUID, list[Slot]] = {item_id: [] for item_id in wanted}
    if not wanted:
        return found
    for slot in (await session.execute(SLOTS_OF_ITEMS, {"ids": wanted})).scalars():
        found[slot.item_id].append(slot)
    return found


async def users_by_id(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, User]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {user.id: user for user in (await session.execute(_USERS, {"ids": wanted})).scalars()}


async def connections_by_id(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Connection]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    stmt = select(Connection).where(Connection.id.in_(wanted))
    return {conn.id: conn for conn in (await session.execute(stmt)).scalars()}


async def linked_spaces(
    session: AsyncSession, user_id: uuid.UUID, space_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of ``space_ids`` the user has linked to one of their connections."""
    wanted = list(set(space_ids))
    if not wanted:
        return set()
    stmt = select(EncryptionSpace.id).where(
        EncryptionSpace.user_id == user_id, EncryptionSpace.id.in_(wanted)
    )
    return set((await session.execute(stmt)).scalars().all())


# Read events ------------------------------------------------------------------------------------------


async def latest_read_after(
    session: AsyncSession, share_id: uuid.UUID, reader_id: uuid.UUID, since: datetime
) -> datetime | None:
    """When ``reader_id``'s latest recorded read of the share after ``since`` was (None: none)."""
    stmt = select(func.max(ShareReadEvent.read_at)).where(
        ShareReadEvent.share_id == share_id,
        ShareReadEvent.reader_id == reader_id,
        ShareReadEvent.read_at > since,
    )
    latest: datetime | None = (await session.execute(stmt)).scalar_one_or_none()
    return latest


async def record_read(
    session: AsyncSession, share_id: uuid.UUID, reader_id: uuid.UUID, now: datetime
) -> None:
    """One read of the share's values by its recipient."""
    session.add(ShareReadEvent(share_id=share_id, reader_id=reader_id, read_at=now))
    await session.flush()


async def watched_share(
    session: AsyncSession, user_id: uuid.UUID, share_id: uuid.UUID, now: datetime
) -> Share | None:
    """Live share ``share_id`` if ``user_id`` owns its card or sent it (the two who see its reads)."""
    stmt = select(Share).where(
        Share.id == share_id, or_(Share.owner_id == user_id, Share.sender_id == user_id), live(now)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def page_of_reads(
    session: AsyncSession, share_id: uuid.UUID, params: ListParams
) -> list[ShareReadEvent]:
    stmt = paginate(
        select(ShareReadEvent).where(ShareReadEvent.share_id == share_id), ShareReadEvent.id, params
    )
    return list((await session.execute(stmt)).scalars().all())


async def on_shares_of(
    session: AsyncSession, owner_id: uuid.UUID, share_id: uuid.UUID, now: datetime, *, limit: int
) -> list[Share]:
    """The live on-shares made from ``share_id`` and from those in turn (the owner's card passed on),
    breadth first, at most ``limit``."""
    found: list[Share] = []
    parents = [share_id]
    while parents and len(found) < limit:
        stmt = (
            select(Share)
            .where(Share.parent_share_id.in_(parents), Share.owner_id == owner_id, live(now))
            .order_by(Share.id)
            .limit(limit - len(found))
        )
        level = list((await session.execute(stmt)).scalars().all())
        found.extend(level)
        parents = [s.id for s in level]
    return found
