"""How shares look to the user viewing them, and the records sideloaded next to them.

The viewer is the share's sender or recipient (the repository never hands out any other share).

- ``connection_id`` is the viewer's own connection record; ``user_id`` the other party; ``outgoing`` true
  for the sender.
- ``encrypted_values`` is shown to the sender, and to the recipient once the share no longer awaits
  acceptance; lists never carry values (they are fetched per share).
- ``encryption_space_id`` is the id the viewer opens in their own Keystore. It is the share's space, except
  for a recipient of a share made on the sender's connection space (the 0.9 client's way): that client
  claims the key into a new space of its own and links it to its connection record, so the recipient sees
  their connection's space, unless they linked the share's space itself.
- Items: the owner sees their own slots as they are; anybody else sees only the slots the share covers
  (the whole item, or ``slot_id``), with the share's value in ``encrypted_value`` when readable.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.vault.cards import ItemOut, SlotOut, item_out, slot_out
from strongroom.vault.models import AcceptanceRequired, Connection, Item, Share, Slot, User
from strongroom.vault.shares import repository
from strongroom.vault.shares.schemas import PublicUserRead, ShareEnvelope, ShareRead, SharesEnvelope


def values_readable(share: Share, viewer_id: uuid.UUID) -> bool:
    """The viewer may see the values: they sent them, or the share does not (or no longer) await it."""
    return share.sender_id == viewer_id or share.acceptance_required != AcceptanceRequired.REQUIRED.value


@dataclass
class ViewContext:
    """Everything needed to render some shares for one viewer, loaded in a fixed number of queries."""

    viewer_id: uuid.UUID
    items: dict[uuid.UUID, Item] = field(default_factory=dict)
    slots: dict[uuid.UUID, list[Slot]] = field(default_factory=dict)
    users: dict[uuid.UUID, User] = field(default_factory=dict)
    connections: dict[uuid.UUID, Connection] = field(default_factory=dict)
    linked: set[uuid.UUID] = field(default_factory=set)


async def load_context(session: AsyncSession, viewer_id: uuid.UUID, shares: Sequence[Share]) -> ViewContext:
    ctx = ViewContext(viewer_id=viewer_id)
    ctx.items = await repository.items_by_id(session, (s.item_id for s in shares))
    ctx.slots = await repository.slots_of_items(session, ctx.items)
    ctx.users = await repository.users_by_id(session, (_other(s, viewer_id) for s in shares))
    received = [s for s in shares if s.recipient_id == viewer_id and s.space_from_connection]
    ctx.connections = await repository.connections_by_id(
        session, (s.recipient_connection_id for s in received)
    )
    ctx.linked = await repository.linked_spaces(session, viewer_id, (s.encryption_space_id for s in received))
    return ctx


def _other(share: Share, viewer_id: uuid.UUID) -> uuid.UUID:
    return share.recipient_id if share.sender_id == viewer_id else share.sender_id


def _space_for(share: Share, ctx: ViewContext) -> uuid.UUID:
    if share.sender_id == ctx.viewer_id or not share.space_from_connection:
        return share.encryption_space_id
    if share.encryption_space_id in ctx.linked:
        return share.encryption_space_id
    connection = ctx.connections.get(share.recipient_connection_id)
    if connection is not None and connection.encryption_space_id is not None:
        return connection.encryption_space_id
    return share.encryption_space_id


def share_read(share: Share, ctx: ViewContext, *, with_values: bool) -> ShareRead:
    viewer = ctx.viewer_id
    outgoing = share.sender_id == viewer
    shown = with_values and values_readable(share, viewer)
    return ShareRead(
        id=share.id,
        shareable_type=share.shareable_type,
        shareable_id=share.item_id,
        slot_id=share.slot_id,
        slotable_id=share.slot_id,
        connection_id=share.sender_connection_id if outgoing else share.recipient_connection_id,
        encryption_space_id=_space_for(share, ctx),
        encrypted_values=dict(share.encrypted_values or {}) if shown else None,
        outgoing=outgoing,
        user_id=_other(share, viewer),
        shareable_user_id=share.owner_id,
        owner_id=share.owner_id,
        sender_id=share.sender_id,
        recipient_id=share.recipient_id,
        terms=share.terms,
        distributable=share.distributable,
        acceptance_required=share.acceptance_required,
        parent_share_id=share.parent_share_id,
        expires_at=share.expires_at,
        version=share.version,
        created_at=share.created_at,
        updated_at=share.updated_at,
    )


def _sideloads(
    shares: Sequence[Share], ctx: ViewContext, values_of: Share | None
) -> tuple[list[ItemOut], list[SlotOut], list[PublicUserRead]]:
    """Items, slots and users for ``shares``; slot values come from ``values_of`` (one share's view)."""
    viewer = ctx.viewer_id
    covered: dict[uuid.UUID, set[uuid.UUID] | None] = {}
    for share in shares:
        if share.owner_id == viewer:
            covered[share.item_id] = None
            continue
        slot_ids = (
            {share.slot_id} if share.slot_id is not None else {s.id for s in ctx.slots.get(share.item_id, [])}
        )
        current = covered.get(share.item_id, set())
        if current is not None:
            covered[share.item_id] = current | slot_ids
    shared_values: dict[str, str] = {}
    if values_of is not None and values_of.owner_id != viewer and values_readable(values_of, viewer):
        shared_values = dict(values_of.encrypted_values or {})
    items: list[ItemOut] = []
    slots: list[SlotOut] = []
    for item_id, cover in covered.items():
        item = ctx.items.get(item_id)
        if item is None:
            continue
        own = item.user_id == viewer
        visible = [s for s in ctx.slots.get(item_id, []) if cover is None or s.id in cover]
        items.append(item_out(item, [s.id for s in visible], me=own))
        for slot in visible:
            slots.append(slot_out(slot) if own else slot_out(slot, value=shared_values.get(str(slot.id))))
    users = [
        PublicUserRead(id=user.id, full_name=user.full_name, email=user.email)
        for user in (ctx.users.get(_other(s, viewer)) for s in shares)
        if user is not None
    ]
    unique_users = list({user.id: user for user in users}.values())
    return items, slots, unique_users


def envelope(shares: Sequence[Share], ctx: ViewContext, *, with_values: bool) -> SharesEnvelope:
    """``SharesResponse`` for ``shares``; ``with_values`` for answers about given shares (create, update)."""
    single = shares[0] if with_values and len(shares) == 1 else None
    items, slots, users = _sideloads(shares, ctx, single)
    return SharesEnvelope(
        shares=[share_read(s, ctx, with_values=with_values) for s in shares],
        items=items,
        users=users,
        slots=slots,
    )


def single(share: Share, ctx: ViewContext) -> ShareEnvelope:
    """``GET /shares/{id}``: the share with its values (when readable), its item and the covered slots."""
    items, slots, users = _sideloads([share], ctx, share)
    read = share_read(share, ctx, with_values=True)
    return ShareEnvelope(share=read, shares=[read], item=items[0], items=items, users=users, slots=slots)
