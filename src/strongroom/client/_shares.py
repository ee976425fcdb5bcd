"""Shares: create (steps 23–31), read (33–43, claiming the DEK on first read), accept, update, revoke.

Every share gets its own DEK and its own encryption space (one id in both services). The sender keeps a
KEK-wrapped copy in the Keystore and hands the recipient a copy wrapped to the recipient's connection
public key; on first read the recipient claims it with a fresh signature, joins the space with its own
KEK-wrapped copy and links the space to its Vault connection; later reads use that copy.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from strongroom import crypto
from strongroom.client._cards import CardFlows
from strongroom.client._connections import ConnectionFlows
from strongroom.client._core import iso, opened
from strongroom.client._errors import (
    AcceptanceRequired,
    Forbidden,
    Gone,
    InvalidArgument,
    NotFound,
    ProtocolError,
    ShareUnavailable,
)
from strongroom.client._models import ItemRecord, ShareRecord, SlotRecord
from strongroom.client._views import UNSET, CardSlot, Share, SharedCard, Unset

__all__ = ["ShareFlows", "share_view"]

ACCEPTANCE_PENDING = "acceptance_required"


def share_view(record: ShareRecord, item: ItemRecord | None = None) -> Share:
    """A share record as the public :class:`Share`."""
    return Share(
        id=record.id,
        card_id=record.shareable_id,
        card_label=item.label if item is not None else None,
        slot_id=record.slot_id,
        connection_id=record.connection_id,
        encryption_space_id=record.encryption_space_id,
        outgoing=record.outgoing,
        other_user_id=record.user_id,
        owner_id=record.owner_id,
        sender_id=record.sender_id,
        recipient_id=record.recipient_id,
        terms=record.terms,
        distributable=record.distributable,
        acceptance=record.acceptance_required,
        parent_share_id=record.parent_share_id,
        expires_at=record.expires_at,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


class ShareFlows(CardFlows, ConnectionFlows):
    async def share(
        self,
        card_id: str,
        connection_id: str,
        *,
        slot: str | None = None,
        terms: str | None = None,
        expires_at: datetime | None = None,
        distributable: bool = False,
        acceptance_required: bool | None = None,
    ) -> Share:
        """Share one of the caller's cards (or only its ``slot``, by name or id) over a connection.

        ``terms`` (with acceptance, by default when terms are given) hide the values until the recipient
        accepts; ``expires_at`` ends the share; ``distributable`` lets the recipient share it on.
        """
        card = await self.card(card_id)
        values = {s.id: s.value for s in card.slots}
        slot_id = None
        if slot is not None:
            try:
                chosen = card.slot(slot)
            except KeyError:
                raise InvalidArgument(f"the card has no slot {slot!r}") from None
            slot_id = chosen.id
            values = {chosen.id: chosen.value}
        return await self._create_share(
            card_id,
            connection_id,
            values,
            slot_id=slot_id,
            terms=terms,
            expires_at=expires_at,
            distributable=distributable,
            acceptance_required=acceptance_required,
        )

    async def reshare(
        self,
        share_id: str,
        connection_id: str,
        *,
        slot: str | None = None,
        terms: str | None = None,
        expires_at: datetime | None = None,
        acceptance_required: bool | None = None,
    ) -> Share:
        """Share on a card received through a ``distributable`` share (an on-share) with another connection.

        The on-share is never distributable itself and the Vault keeps it within its parent's expiry.
        """
        shared = await self.read_share(share_id)
        values = {s.id: s.value for s in shared.slots}
        slot_id = None
        if slot is not None:
            chosen = next((s for s in shared.slots if slot in (s.id, s.name)), None)
            if chosen is None:
                raise InvalidArgument(f"the shared card has no slot {slot!r}")
            slot_id = chosen.id
            values = {chosen.id: chosen.value}
        return await self._create_share(
            shared.share.card_id,
            connection_id,
            values,
            slot_id=slot_id,
            terms=terms,
            expires_at=expires_at,
            distributable=False,
            acceptance_required=acceptance_required,
        )

    async def shares(self, *, outgoing: bool | None = None) -> list[Share]:
        """Shares the caller gave (``outgoing=True``), received (False) or both (None)."""
        page = await self.vault.shares(outgoing=outgoing)
        items = {i.id: i for i in page.items}
        return [share_view(s, items.get(s.shareable_id)) for s in page.shares]

    async def get_share(self, share_id: str) -> Share:
        """One share's metadata (NotFound when it is gone, expired or not the caller's)."""
        detail = await self.vault.share(share_id)
        return share_view(detail.share, detail.item)

    async def read_share(self, share_id: str) -> SharedCard:
        """The shared card with its values decrypted (steps 33–43; the DEK is claimed on first read).

        Raises :class:`AcceptanceRequired` (with the terms) while the share awaits acceptance, and
        :class:`ShareUnavailable` when it is expired, revoked or not visible to the caller.
        """
        flow = "read_share"
        self._step(flow, "33", "looking up the share: its connection and encryption space")
        try:
            detail = await self.vault.share(share_id)
        except (NotFound, Gone) as exc:
            raise ShareUnavailable(
                share_id, f"share {share_id} is not available: it expired, was revoked, or is not yours"
            ) from exc
        record = detail.share
        view = share_view(record, detail.item)
        if record.encrypted_values is None and record.acceptance_required == ACCEPTANCE_PENDING:
            raise AcceptanceRequired(share_id, record.terms)
        encrypted = {k: v for k, v in (record.encrypted_values or {}).items() if v is not None}
        slots_by_id = {s.id: s for s in detail.slots}
        if not encrypted:
            return self._shared_card(view, detail.item, [], {})
        if not record.encryption_space_id:
            raise ProtocolError(f"share {share_id} names no encryption space")
        dek = await self._space_key(record.encryption_space_id, record.connection_id, flow)
        self._step(flow, "43", "decrypting the shared values with the share DEK")
        plain = {
            slot_id: self._decrypt(dek, value, f"shared slot {slot_id}")
            for slot_id, value in encrypted.items()
        }
        return self._shared_card(view, detail.item, [slots_by_id.get(k) for k in plain], plain)

    async def accept_share(self, share_id: str) -> Share:
        """Accept a share's terms (recipient); its values become readable."""
        return share_view(await self.vault.accept_share(share_id))

    async def update_share(
        self,
        share_id: str,
        *,
        expires_at: datetime | Unset | None = UNSET,
        distributable: bool | Unset = UNSET,
    ) -> Share:
        """Change a share the caller gave: expiry (None removes it) or on-sharing (off revokes on-shares)."""
        change: dict[str, Any] = {"id": share_id}
        if not isinstance(expires_at, Unset):
            change["expires_at"] = None if expires_at is None else iso(expires_at)
        if not isinstance(distributable, Unset):
            change["distributable"] = distributable
        updated = await self.vault.update_shares([change])
        if not updated:
            raise ProtocolError("PUT /shares: the answer has no share")
        return share_view(updated[0])

    async def revoke_share(self, share_id: str) -> None:
        """Revoke a share (sender or recipient): the recipient gets 404 from then on.

        The sender's client also deletes the Keystore encryption space (unless another of its shares
        still uses it), so no wrapped copy of the DEK remains; a recipient drops its own copy.
        """
        detail = await self.vault.share(share_id)
        record = detail.share
        await self.vault.delete_share(share_id)
        space = record.encryption_space_id
        if not space:
            return
        ring = self._ring()
        if record.outgoing:
            others = await self.vault.shares(outgoing=True)
            if any(s.encryption_space_id == space and s.id != share_id for s in others.shares):
                return
        ring.space_keys.pop(space, None)
        with contextlib.suppress(NotFound, Forbidden):
            await self.keystore.delete_encryption_space(space)

    # Helpers ---------------------------------------------------------------------------------------

    async def _create_share(
        self,
        card_id: str,
        connection_id: str,
        values: Mapping[str, str | None],
        *,
        slot_id: str | None,
        terms: str | None,
        expires_at: datetime | None,
        distributable: bool,
        acceptance_required: bool | None,
    ) -> Share:
        ring = self._ring()
        flow = "share"
        connection = await self.vault.connection(connection_id)
        recipient_key = connection.other_user_connection_public_key
        if not recipient_key:
            raise ProtocolError(f"connection {connection_id} has no public key for the other user")
        self._step(flow, "23", "making a fresh share DEK")
        dek = crypto.generate_key()
        self._step(flow, "24–25", "wrapping it with the KEK and with the recipient's connection public key")
        for_me = crypto.wrap_key(ring.kek, dek)
        for_them = opened(
            "cannot encrypt to the recipient's key", crypto.encrypt_with_public_key, recipient_key, dek
        )
        self._step(flow, "26–27", "creating the Keystore encryption space and the recipient's shared key")
        space = await self.keystore.create_encryption_space(for_me)
        space_id = space.encryption_space_id
        try:
            await self.keystore.create_shared_key(for_them, space_id, recipient_key)
            self._step(flow, "28–29", "linking the encryption space to the connection in the Vault")
            await self.vault.link_encryption_space(connection_id, space_id)
            self._step(flow, "30–31", "encrypting the values with the share DEK and creating the share")
            share: dict[str, Any] = {
                "shareable_type": "Item",
                "shareable_id": card_id,
                "connection_id": connection_id,
                "encryption_space_id": space_id,
                "encrypted_values": {k: self._encrypt(dek, v) for k, v in values.items() if v is not None},
                "distributable": distributable,
                "outgoing": True,
            }
            if connection.user_id:
                share["user_id"] = connection.user_id
            if slot_id is not None:
                share["slot_id"] = slot_id
            if terms is not None:
                share["terms"] = terms
            if expires_at is not None:
                share["expires_at"] = iso(expires_at)
            if acceptance_required is not None:
                share["acceptance_required"] = acceptance_required
            created = await self.vault.create_shares([share])
        except BaseException:
            # Leave no orphan key material behind a share that does not exist.
            with contextlib.suppress(Exception):
                await self.keystore.delete_encryption_space(space_id)
            raise
        if not created:
            raise ProtocolError("POST /shares: the answer has no share")
        ring.space_keys[space_id] = dek
        return share_view(created[0])

    async def _space_key(self, space_id: str, connection_id: str | None, flow: str) -> bytes:
        """The DEK of an encryption space: cached, else the caller's own copy, else claimed (37–42)."""
        ring = self._ring()
        cached = ring.space_keys.get(space_id)
        if cached is not None:
            return cached
        try:
            own = await self.keystore.encryption_space(space_id)
        except NotFound:
            if connection_id is None:
                raise
            dek = await self._claim(space_id, connection_id, flow)
        else:
            dek = self._unwrap_key(ring.kek, own.serialized_data_encryption_key, "the share key")
        ring.space_keys[space_id] = dek
        return dek

    async def _claim(self, space_id: str, connection_id: str, flow: str) -> bytes:
        ring = self._ring()
        self._step(flow, "35", "looking up the connection's own keypair")
        connection = await self.vault.connection(connection_id)
        if not connection.key_store_keypair_id:
            raise ProtocolError(f"connection {connection_id} has no keypair id")
        self._step(flow, "37–38", "claiming the shared key with a fresh signature")
        private_key, public_pem = await self._connection_keypair(connection.key_store_keypair_id)
        signed = (
            f"{self.keystore.base_url}/shared_keys/{space_id}/claim_key"
            f"--request-timestamp={iso(self._clock())}"
        )
        signature = opened("cannot sign the claim", crypto.sign, private_key, signed.encode("utf-8"))
        claimed = await self.keystore.claim_shared_key(space_id, public_pem, signature)
        self._step(flow, "39", "unwrapping the share DEK with the connection private key")
        dek = opened(
            "cannot open the claimed share key",
            crypto.decrypt_with_private_key,
            private_key,
            claimed.serialized_shared_key,
        )
        self._step(flow, "40–42", "joining the encryption space with a KEK-wrapped copy and linking it")
        await self.keystore.create_encryption_space(
            crypto.wrap_key(ring.kek, dek), encryption_space_id=space_id
        )
        await self.vault.link_encryption_space(connection_id, space_id)
        return dek

    @staticmethod
    def _shared_card(
        view: Share, item: ItemRecord | None, slots: list[SlotRecord | None], plain: Mapping[str, str | None]
    ) -> SharedCard:
        ids = list(plain)
        card_slots = []
        for slot_id, record in zip(ids, slots, strict=False):
            card_slots.append(
                CardSlot(
                    id=slot_id,
                    name=record.name if record else None,
                    label=record.label if record else None,
                    slot_type_name=record.slot_type_name if record else None,
                    value=plain[slot_id],
                    ordinal=record.ordinal if record else None,
                    attachment_id=record.attachment_id if record else None,
                )
            )
        card_slots.sort(key=lambda s: s.ordinal if s.ordinal is not None else 1 << 30)
        return SharedCard(
            share=view,
            label=item.label if item else None,
            template_label=item.item_template_label if item else None,
            slots=tuple(card_slots),
        )
