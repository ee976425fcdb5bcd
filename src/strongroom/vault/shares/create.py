"""Creating shares (``POST /shares``): every rule a new share must meet.

Checks run in an order that never tells a caller more than they may know: first what the caller can see
(their connection: 404; the item: 404), then what they asked for (422), then conflicts (409).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.kit.clock import as_utc
from strongroom.kit.errors import AppError, conflict, invalid, not_found
from strongroom.kit.ids import new_id
from strongroom.vault.auth import Principal
from strongroom.vault.models import AcceptanceRequired, Connection, Share
from strongroom.vault.shares import repository
from strongroom.vault.shares.schemas import ShareCreate
from strongroom.vault.shares.values import check_slots, initial_acceptance, parse_values

SPACE_IN_USE = "encryption_space_in_use"


@dataclass(frozen=True)
class _Source:
    """Where the sender's right to share the item comes from: ownership, or a distributable share."""

    owner_id: uuid.UUID
    parent: Share | None


async def _connection(session: AsyncSession, principal: Principal, entry: ShareCreate) -> Connection:
    if entry.connection_id is not None:
        connection = await repository.own_connection(session, principal.user_id, entry.connection_id)
        if connection is None:
            raise not_found("connection")
        if entry.user_id is not None and entry.user_id != connection.other_user_id:
            raise invalid("connection_mismatch", "user_id is not the other user of connection_id")
        return connection
    if entry.user_id is not None:
        connection = await repository.connection_with(session, principal.user_id, entry.user_id)
        if connection is None:
            raise not_found("connection")
        return connection
    raise invalid("connection_required", "connection_id (or the recipient's user_id) is required")


def _pick_parent(candidates: Sequence[Share], slot_id: uuid.UUID | None) -> Share | None:
    """The share to on-share from: one covering the slot asked for; whole-item and longest-lived first."""

    def preference(share: Share) -> tuple[bool, bool, float]:
        lifetime = -share.expires_at.timestamp() if share.expires_at is not None else 0.0
        return (share.slot_id is not None, share.expires_at is not None, lifetime)

    usable = [s for s in candidates if slot_id is None or s.slot_id in (None, slot_id)]
    return min(usable, key=preference) if usable else None


async def _source(session: AsyncSession, principal: Principal, entry: ShareCreate, now: datetime) -> _Source:
    if await repository.own_item(session, principal.user_id, entry.shareable_id) is not None:
        return _Source(owner_id=principal.user_id, parent=None)
    incoming = await repository.incoming_shares_of_item(session, principal.user_id, entry.shareable_id, now)
    if not incoming:
        raise not_found("item")
    readable = [s for s in incoming if s.acceptance_required != AcceptanceRequired.REQUIRED.value]
    if not readable:
        raise AppError(403, "share_not_accepted", "accept the share before sharing the card on")
    distributable = [s for s in readable if s.distributable]
    if not distributable:
        raise AppError(403, "share_not_distributable", "the share of this card does not allow sharing it on")
    parent = _pick_parent(distributable, entry.slot_id)
    if parent is None:
        raise invalid("slot_not_shared", "an on-share can carry only slots its parent share carries")
    return _Source(owner_id=parent.owner_id, parent=parent)


async def _space(
    session: AsyncSession, principal: Principal, entry: ShareCreate, connection: Connection, now: datetime
) -> tuple[uuid.UUID, bool]:
    """The encryption space backing the share, and whether it was taken from the connection."""
    if entry.encryption_space_id is None:
        if connection.encryption_space_id is None:
            raise invalid(
                "encryption_space_required",
                "encryption_space_id is required (the connection has no linked encryption space)",
            )
        space_id, from_connection = connection.encryption_space_id, True
    else:
        link = await repository.space_link(session, entry.encryption_space_id, principal.user_id)
        if link is None or link.connection_id != connection.id:
            raise invalid(
                "encryption_space_not_linked", "encryption_space_id is not linked to this connection"
            )
        space_id, from_connection = entry.encryption_space_id, False
    # A space named explicitly backs this share alone; the connection's space backs one share per item.
    backed = await repository.shares_on_space(
        session, space_id, entry.shareable_id if from_connection else None
    )
    in_force = [s for s in backed if s.expires_at is None or s.expires_at > now]
    if in_force:
        raise conflict(SPACE_IN_USE, "this encryption space already backs a share")
    # Expired shares are dead already; clear them now rather than wait for the sweeper.
    await repository.delete_shares(session, [s.id for s in backed])
    return space_id, from_connection


def _expiry(entry: ShareCreate, parent: Share | None, now: datetime) -> datetime | None:
    expires_at = as_utc(entry.expires_at) if entry.expires_at is not None else None
    if expires_at is not None and expires_at <= now:
        raise invalid("expires_at_in_past", "expires_at must be in the future")
    if parent is not None and parent.expires_at is not None:
        if expires_at is None:
            return parent.expires_at
        if expires_at > parent.expires_at:
            raise invalid("expires_after_parent", "an on-share cannot outlive the share it comes from")
    return expires_at


async def _build(session: AsyncSession, principal: Principal, entry: ShareCreate, now: datetime) -> Share:
    if (entry.shareable_type or "Item") != "Item":
        raise invalid("unsupported_shareable_type", "only items (shareable_type Item) can be shared")
    connection = await _connection(session, principal, entry)
    source = await _source(session, principal, entry, now)
    recipient = connection.other_user_id
    if recipient == source.owner_id:
        raise invalid("recipient_is_owner", "the card cannot be shared with its owner")
    twin = await repository.twin_id(session, connection)
    if twin is None:  # pragma: no cover - a connection always has both records
        raise not_found("connection")
    parent = source.parent
    slot_id = entry.slot_id if entry.slot_id is not None else (parent.slot_id if parent else None)
    values = parse_values(entry.encrypted_values)
    item_slots = await repository.slot_ids_of_item(session, entry.shareable_id)
    coverage = None
    if parent is not None:
        coverage = {parent.slot_id} if parent.slot_id is not None else item_slots
    check_slots(values, item_slots, slot_id, coverage)
    expires_at = _expiry(entry, parent, now)
    distributable = bool(entry.distributable)
    if parent is not None and distributable:
        raise invalid("on_share_not_distributable", "an on-share cannot be distributable")
    acceptance = initial_acceptance(entry.acceptance_required, entry.terms)
    space_id, from_connection = await _space(session, principal, entry, connection, now)
    return Share(
        id=new_id(),
        owner_id=source.owner_id,
        sender_id=principal.user_id,
        recipient_id=recipient,
        shareable_type="Item",
        item_id=entry.shareable_id,
        slot_id=slot_id,
        sender_connection_id=connection.id,
        recipient_connection_id=twin,
        encryption_space_id=space_id,
        space_from_connection=from_connection,
        encrypted_values=values,
        terms=entry.terms,
        distributable=distributable,
        acceptance_required=acceptance.value,
        expires_at=expires_at,
        parent_share_id=parent.id if parent else None,
        version=1,
        created_at=now,
        updated_at=now,
    )


async def create_shares(
    session: AsyncSession, principal: Principal, entries: Sequence[ShareCreate], now: datetime
) -> list[Share]:
    """Create every share of ``entries`` for the caller, or none (the first refusal aborts the request).

    Two shares of one request, or two racing requests, on the same space (and item) cannot both succeed:
    the unique indexes decide, and the loser gets 409 ``encryption_space_in_use``.
    """
    shares: list[Share] = []
    for entry in entries:
        share = await _build(session, principal, entry, now)
        for earlier in shares:
            same_space = earlier.encryption_space_id == share.encryption_space_id
            explicit = not (earlier.space_from_connection and share.space_from_connection)
            if same_space and (explicit or earlier.item_id == share.item_id):
                raise conflict(SPACE_IN_USE, "two shares of this request use the same encryption space")
        session.add(share)
        shares.append(share)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise conflict(SPACE_IN_USE, "this encryption space already backs a share") from exc
    return shares
