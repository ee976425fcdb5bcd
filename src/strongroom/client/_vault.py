"""Typed client for the Vault API (shared/spec/vault-api.md): one method per endpoint.

It moves ciphertext only: values arrive here already encrypted and leave still encrypted. List calls
walk every page (``per_page`` / ``next_page_after``) and return whole lists.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from strongroom.client._errors import ProtocolError
from strongroom.client._http import JsonObject, ServiceApi
from strongroom.client._models import (
    AttachmentRecord,
    ClientTaskRecord,
    ConnectionRecord,
    InvitationPreviewRecord,
    InvitationRecord,
    ItemRecord,
    OnShareRecord,
    PublicKeyRecord,
    SessionRecord,
    ShareEventRecord,
    ShareRecord,
    SlotRecord,
    TemplateRecord,
    UploadUrlRecord,
    VaultUser,
    ended_count,
    parse,
    parse_list,
)

__all__ = ["ItemWithSlots", "ShareDetail", "SharesPage", "TemplatesPage", "VaultClient"]

_PAGE = 200


def _seg(value: str) -> str:
    return quote(value, safe="")


@dataclass(frozen=True)
class ItemWithSlots:
    item: ItemRecord
    slots: list[SlotRecord]


@dataclass(frozen=True)
class TemplatesPage:
    templates: list[TemplateRecord]
    slots: list[SlotRecord]


@dataclass(frozen=True)
class SharesPage:
    shares: list[ShareRecord]
    items: list[ItemRecord]


@dataclass(frozen=True)
class ShareDetail:
    share: ShareRecord
    item: ItemRecord | None
    slots: list[SlotRecord]


class VaultClient:
    """The Vault at ``api.base_url``; ``api.token`` (set by :meth:`use_token`) authenticates."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    @property
    def base_url(self) -> str:
        return self.api.base_url

    def use_token(self, token: str | None) -> None:
        """Authenticate later calls with ``token`` (a Vault session token), or none."""
        self.api.token = token

    async def _pages(
        self, path: str, keys: Sequence[str], params: Mapping[str, str | int | bool] | None = None
    ) -> dict[str, list[Any]]:
        """Every page of a list endpoint: ``keys`` of each answer concatenated (the first key pages)."""
        merged: dict[str, list[Any]] = {k: [] for k in keys}
        async for page in self.iter_pages(path, keys, params):
            for key in keys:
                merged[key].extend(page[key])
        return merged

    async def iter_pages(
        self, path: str, keys: Sequence[str], params: Mapping[str, str | int | bool] | None = None
    ) -> AsyncIterator[dict[str, list[Any]]]:
        """The pages of a list endpoint one at a time (``keys`` of each answer; the first key pages), so
        that a long list never sits in memory whole."""
        after: str | None = None
        seen: set[str] = set()
        while True:
            query: dict[str, str | int | bool] = dict(params or {})
            query["per_page"] = _PAGE
            if after is not None:
                query["next_page_after"] = after
            data = await self.api.call("GET", path, params=query)
            page: dict[str, list[Any]] = {}
            for key in keys:
                value = data.get(key)
                page[key] = value if isinstance(value, list) else []
            yield page
            rows = page[keys[0]]
            ids = [str(r["id"]) for r in rows if isinstance(r, dict) and isinstance(r.get("id"), str)]
            after = _next_after(data, ids)
            # Stop when the server says so, and never loop on a server that ignores the cursor.
            if after is None or not ids or ids[0] in seen:
                return
            seen.update(ids)

    # Admission, users, sessions --------------------------------------------------------------------

    async def create_me(
        self, public_key: str, admission_token: str, *, invitation_token: str | None = None
    ) -> tuple[str, VaultUser]:
        """``POST /me``: the Vault account; returns (the session token encrypted to ``public_key``, user)."""
        body = {"public_key": public_key, "admission_token": admission_token}
        if invitation_token is not None:
            body["invitation_token"] = invitation_token
        if self.api.client_name is not None:
            body["client_name"] = self.api.client_name
        data = await self.api.call("POST", "/me", body=body, auth=False)
        encrypted = data.get("encrypted_session_authentication_string")
        if not isinstance(encrypted, str):
            raise ProtocolError("POST /me: no encrypted_session_authentication_string")
        return encrypted, parse(VaultUser, data, "user", where="POST /me")

    async def me(self) -> VaultUser:
        """``GET /me``."""
        return parse(VaultUser, await self.api.call("GET", "/me"), "user", where="GET /me")

    async def update_me(self, **fields: str | None) -> VaultUser:
        """``PUT /me {user: fields}`` (``private_encryption_space_id``, ``full_name``, ``email``)."""
        data = await self.api.call("PUT", "/me", body={"user": fields})
        return parse(VaultUser, data, "user", where="PUT /me")

    async def request_email_verification(self, email: str | None = None) -> datetime:
        """``POST /me/email_verification``: mail a code; returns its expiry."""
        data = await self.api.call(
            "POST", "/me/email_verification", body={} if email is None else {"email": email}
        )
        pending = data.get("email_verification")
        expires = pending.get("expires_at") if isinstance(pending, dict) else None
        if not isinstance(expires, str):
            raise ProtocolError("POST /me/email_verification: no expires_at")
        return datetime.fromisoformat(expires.replace("Z", "+00:00"))

    async def confirm_email_verification(self, code: str) -> VaultUser:
        """``POST /me/email_verification/confirm``."""
        data = await self.api.call("POST", "/me/email_verification/confirm", body={"code": code})
        return parse(VaultUser, data, "user", where="POST /me/email_verification/confirm")

    async def delete_me(self, request_signature: str) -> None:
        """``DELETE /me``: the account and everything in it; ``request_signature`` is a fresh signature by
        the login private key over ``DELETE <base URL>/me--request-timestamp=<time>``."""
        await self.api.call("DELETE", "/me", body={"request_signature": request_signature}, expect_body=False)

    async def create_session(self, public_key: str) -> str:
        """``POST /session``: a session token encrypted to the login ``public_key``."""
        body = {"public_key": public_key}
        if self.api.client_name is not None:
            body["client_name"] = self.api.client_name
        data = await self.api.call("POST", "/session", body=body, auth=False)
        session = data.get("session")
        encrypted = (
            session.get("encrypted_session_authentication_string") if isinstance(session, dict) else None
        )
        if not isinstance(encrypted, str):
            raise ProtocolError("POST /session: no encrypted_session_authentication_string")
        return encrypted

    async def delete_session(self) -> None:
        """``DELETE /session``."""
        await self.api.call("DELETE", "/session", expect_body=False)

    async def sessions(self) -> list[SessionRecord]:
        """``GET /sessions`` (extension, every page): the user's used, live sessions, ``current`` marked."""
        data = await self._pages("/sessions", ("sessions",))
        return parse_list(SessionRecord, data, "sessions", where="GET /sessions")

    async def end_session(self, session_id: str) -> None:
        """``DELETE /sessions/{id}`` (extension): end one of the user's sessions (404 if not theirs)."""
        await self.api.call("DELETE", f"/sessions/{_seg(session_id)}", expect_body=False)

    async def end_other_sessions(self) -> int:
        """``DELETE /sessions`` (extension): end every session but this one, tokens never used included;
        how many used ones ended."""
        return ended_count(await self.api.call("DELETE", "/sessions"), "DELETE /sessions")

    # Templates, items and slots --------------------------------------------------------------------

    async def templates(self) -> TemplatesPage:
        """``GET /item_templates`` (every page): built-in templates and the user's own, with their slots."""
        data = await self._pages("/item_templates", ("item_templates", "slots"))
        where = "GET /item_templates"
        return TemplatesPage(
            parse_list(TemplateRecord, data, "item_templates", where=where),
            parse_list(SlotRecord, data, "slots", where=where),
        )

    async def item_pages(self) -> AsyncIterator[tuple[list[ItemRecord], list[SlotRecord]]]:
        """``GET /items`` a page at a time: the caller's own items and their slots."""
        async for page in self.iter_pages("/items", ("items", "slots")):
            yield (
                parse_list(ItemRecord, page, "items", where="GET /items"),
                parse_list(SlotRecord, page, "slots", where="GET /items"),
            )

    async def create_template(
        self, label: str, slots_attributes: Sequence[Mapping[str, Any]], *, name: str | None = None
    ) -> TemplatesPage:
        """``POST /item_templates``: a template of the caller's own."""
        body: dict[str, Any] = {"label": label, "slots_attributes": list(slots_attributes)}
        if name is not None:
            body["name"] = name
        data = await self.api.call("POST", "/item_templates", body=body)
        where = "POST /item_templates"
        return TemplatesPage(
            [parse(TemplateRecord, data, "item_template", where=where)],
            parse_list(SlotRecord, data, "slots", where=where),
        )

    async def items(self) -> tuple[list[ItemRecord], list[SlotRecord]]:
        """``GET /items`` (every page): the caller's own items and their slots."""
        data = await self._pages("/items", ("items", "slots"))
        return (
            parse_list(ItemRecord, data, "items", where="GET /items"),
            parse_list(SlotRecord, data, "slots", where="GET /items"),
        )

    async def item(self, item_id: str) -> ItemWithSlots:
        """``GET /items/{id}``."""
        return self._item(await self.api.call("GET", f"/items/{_seg(item_id)}"), "GET /items/{id}")

    async def create_item(
        self, template_name: str, label: str, slots_attributes: Sequence[Mapping[str, Any]]
    ) -> ItemWithSlots:
        """``POST /items``: an item from ``template_name``; slot values must already be encrypted."""
        body = {
            "template_name": template_name,
            "item": {"label": label, "slots_attributes": list(slots_attributes)},
        }
        return self._item(await self.api.call("POST", "/items", body=body), "POST /items")

    async def update_item(
        self, item_id: str, *, label: str | None = None, slots_attributes: Sequence[Mapping[str, Any]] = ()
    ) -> ItemWithSlots:
        """``PUT /items/{id}``: a new label and/or slot changes (``id`` + ``encrypted_value``, new slots,
        ``_destroy``)."""
        item: dict[str, Any] = {"slots_attributes": list(slots_attributes)}
        if label is not None:
            item["label"] = label
        data = await self.api.call("PUT", f"/items/{_seg(item_id)}", body={"item": item})
        return self._item(data, "PUT /items/{id}")

    async def delete_item(self, item_id: str) -> None:
        """``DELETE /items/{id}`` (revokes its shares)."""
        await self.api.call("DELETE", f"/items/{_seg(item_id)}", expect_body=False)

    async def delete_slot(self, slot_id: str) -> None:
        """``DELETE /slots/{id}``."""
        await self.api.call("DELETE", f"/slots/{_seg(slot_id)}", expect_body=False)

    @staticmethod
    def _item(data: JsonObject, where: str) -> ItemWithSlots:
        return ItemWithSlots(
            parse(ItemRecord, data, "item", where=where), parse_list(SlotRecord, data, "slots", where=where)
        )

    # Public keys, invitations, connections ---------------------------------------------------------

    async def create_public_key(
        self, key_store_id: str, public_key: str, *, encryption_strategy: str = "Rsa4096"
    ) -> PublicKeyRecord:
        """``POST /key_store/public_keys``: publish a connection public key (its Keystore keypair id)."""
        body = {
            "key_store_id": key_store_id,
            "encryption_strategy": encryption_strategy,
            "public_key": public_key,
        }
        data = await self.api.call("POST", "/key_store/public_keys", body=body)
        return parse(PublicKeyRecord, data, "public_key", where="POST /key_store/public_keys")

    async def create_invitation(
        self,
        public_key_id: str,
        encrypted_recipient_name: str | None,
        *,
        email: str | None = None,
        message: str | None = None,
        expires_in: int | None = None,
    ) -> InvitationRecord:
        """``POST /invitations`` (the Vault mails ``email`` the invitation id and token)."""
        body: dict[str, Any] = {"public_key_id": public_key_id}
        for key, value in (
            ("encrypted_recipient_name", encrypted_recipient_name),
            ("email", email),
            ("message", message),
            ("expires_in", expires_in),
        ):
            if value is not None:
                body[key] = value
        data = await self.api.call("POST", "/invitations", body=body)
        return parse(InvitationRecord, data, "invitation", where="POST /invitations")

    async def invitations(self) -> list[InvitationRecord]:
        """``GET /invitations`` (every page): the caller's outgoing invitations."""
        data = await self._pages("/invitations", ("invitations",))
        return parse_list(InvitationRecord, data, "invitations", where="GET /invitations")

    async def delete_invitation(self, invitation_id: str) -> None:
        """``DELETE /invitations/{id}``."""
        await self.api.call("DELETE", f"/invitations/{_seg(invitation_id)}", expect_body=False)

    async def create_connection(
        self,
        public_key_id: str,
        encrypted_recipient_name: str | None,
        invitation_token: str,
        *,
        invitation_id: str | None = None,
    ) -> ConnectionRecord:
        """``POST /connections``: accept an invitation; returns the accepter's connection record."""
        body: dict[str, Any] = {"public_key_id": public_key_id, "invitation_token": invitation_token}
        if encrypted_recipient_name is not None:
            body["encrypted_recipient_name"] = encrypted_recipient_name
        if invitation_id is not None:
            body["invitation_id"] = invitation_id
        data = await self.api.call("POST", "/connections", body=body)
        return parse(ConnectionRecord, data, "connection", where="POST /connections")

    async def preview_invitation(
        self, invitation_token: str, *, invitation_id: str | None = None
    ) -> InvitationPreviewRecord:
        """``POST /connections/preview``: the invitation a token opens, checked as accepting it would be."""
        body: dict[str, Any] = {"invitation_token": invitation_token}
        if invitation_id is not None:
            body["invitation_id"] = invitation_id
        data = await self.api.call("POST", "/connections/preview", body=body)
        return parse(InvitationPreviewRecord, data, "invitation", where="POST /connections/preview")

    async def update_connection(self, connection_id: str, encrypted_recipient_name: str) -> ConnectionRecord:
        """``PATCH /connections/{id}``: the caller's new (encrypted) nickname for the other user."""
        data = await self.api.call(
            "PATCH",
            f"/connections/{_seg(connection_id)}",
            body={"encrypted_recipient_name": encrypted_recipient_name},
        )
        return parse(ConnectionRecord, data, "connection", where="PATCH /connections/{id}")

    async def connections(self) -> list[ConnectionRecord]:
        """``GET /connections`` (every page)."""
        data = await self._pages("/connections", ("connections",))
        return parse_list(ConnectionRecord, data, "connections", where="GET /connections")

    async def connection(self, connection_id: str) -> ConnectionRecord:
        """``GET /connections/{id}``."""
        data = await self.api.call("GET", f"/connections/{_seg(connection_id)}")
        return parse(ConnectionRecord, data, "connection", where="GET /connections/{id}")

    async def delete_connection(self, connection_id: str) -> None:
        """``DELETE /connections/{id}``: both records, and every share over it."""
        await self.api.call("DELETE", f"/connections/{_seg(connection_id)}", expect_body=False)

    async def link_encryption_space(self, connection_id: str, encryption_space_id: str) -> None:
        """``POST /connections/{id}/encryption_space``: the Vault's half of a Keystore encryption space."""
        await self.api.call(
            "POST",
            f"/connections/{_seg(connection_id)}/encryption_space",
            body={"encryption_space_id": encryption_space_id},
            expect_body=False,
        )

    # Shares ----------------------------------------------------------------------------------------

    async def create_shares(self, shares: Sequence[Mapping[str, Any]]) -> list[ShareRecord]:
        """``POST /shares``: several shares, all or none."""
        data = await self.api.call("POST", "/shares", body={"shares": list(shares)})
        return parse_list(ShareRecord, data, "shares", where="POST /shares")

    async def shares(self, *, outgoing: bool | None = None) -> SharesPage:
        """``GET /shares`` (every page): given (``outgoing=True``), received (False) or both (None)."""
        params: dict[str, str | int | bool] = {} if outgoing is None else {"outgoing": outgoing}
        data = await self._pages("/shares", ("shares", "items"), params)
        return SharesPage(
            parse_list(ShareRecord, data, "shares", where="GET /shares"),
            parse_list(ItemRecord, data, "items", where="GET /shares"),
        )

    async def share_events(self, share_id: str) -> tuple[list[ShareEventRecord], list[OnShareRecord]]:
        """``GET /shares/{id}/events`` (extension, every page): the share's reads and, for the card's
        owner, the on-shares made from it."""
        path = f"/shares/{_seg(share_id)}/events"
        data = await self._pages(path, ("share_events", "on_shares"))
        return (
            parse_list(ShareEventRecord, data, "share_events", where="GET /shares/{id}/events"),
            parse_list(OnShareRecord, data, "on_shares", where="GET /shares/{id}/events"),
        )

    async def share(self, share_id: str) -> ShareDetail:
        """``GET /shares/{id}``: the share (values for the recipient once readable), its item and slots."""
        data = await self.api.call("GET", f"/shares/{_seg(share_id)}")
        where = "GET /shares/{id}"
        if isinstance(data.get("share"), dict):
            share = parse(ShareRecord, data, "share", where=where)
        else:
            listed = parse_list(ShareRecord, data, "shares", where=where)
            if not listed:
                raise ProtocolError(f"{where}: the answer has no share")
            share = listed[0]
        item: ItemRecord | None = None
        if isinstance(data.get("item"), dict):
            item = parse(ItemRecord, data, "item", where=where)
        else:
            items = parse_list(ItemRecord, data, "items", where=where)
            item = items[0] if items else None
        return ShareDetail(share, item, parse_list(SlotRecord, data, "slots", where=where))

    async def accept_share(self, share_id: str) -> ShareRecord:
        """``PUT /shares/{id}/accept`` (recipient): accept the terms."""
        data = await self.api.call("PUT", f"/shares/{_seg(share_id)}/accept", body={})
        return _one_share(data, "PUT /shares/{id}/accept")

    async def update_shares(self, shares: Sequence[Mapping[str, Any]]) -> list[ShareRecord]:
        """``PUT /shares`` (sender): new values, expiry or on-sharing for each ``{id, ...}``."""
        data = await self.api.call("PUT", "/shares", body={"shares": list(shares)})
        return parse_list(ShareRecord, data, "shares", where="PUT /shares")

    async def delete_share(self, share_id: str) -> None:
        """``DELETE /shares/{id}`` (sender or recipient): revoke."""
        await self.api.call("DELETE", f"/shares/{_seg(share_id)}", expect_body=False)

    # Client tasks ----------------------------------------------------------------------------------

    async def client_tasks(self, *, state: str | None = None) -> list[ClientTaskRecord]:
        """``GET /client_task_queue`` (every page), optionally only those in ``state``."""
        params: dict[str, str | int | bool] = {} if state is None else {"state": state}
        data = await self._pages("/client_task_queue", ("client_tasks",), params)
        return parse_list(ClientTaskRecord, data, "client_tasks", where="GET /client_task_queue")

    async def update_client_tasks(self, tasks: Sequence[Mapping[str, Any]]) -> list[ClientTaskRecord]:
        """``PUT /client_task_queue``: new states (and reports) for ``[{id, state, report?}]``."""
        data = await self.api.call("PUT", "/client_task_queue", body={"client_tasks": list(tasks)})
        return parse_list(ClientTaskRecord, data, "client_tasks", where="PUT /client_task_queue")

    # Attachments ------------------------------------------------------------------------------------

    async def create_upload_url(self, byte_size: int) -> UploadUrlRecord:
        """``POST /direct/attachments/upload_url``: announce an upload of ``byte_size`` bytes."""
        data = await self.api.call(
            "POST", "/direct/attachments/upload_url", body={"blob": {"byte_size": byte_size}}
        )
        return parse(UploadUrlRecord, data, "attachment_direct_upload_url", where="POST upload_url")

    async def upload_blob(self, blob_id: str, content: AsyncIterable[bytes] | bytes, size: int) -> None:
        """``PUT /direct/blobs/{id}``: exactly ``size`` bytes, streamed."""
        await self.api.put_bytes(f"/direct/blobs/{_seg(blob_id)}", content, size)

    def download_blob(self, blob_id: str, byte_range: tuple[int, int] | None = None) -> AsyncIterator[bytes]:
        """``GET /direct/blobs/{id}`` (with ``Range`` when ``byte_range`` is given), streamed."""
        return self.api.get_bytes(f"/direct/blobs/{_seg(blob_id)}", byte_range=byte_range)

    async def create_attachment(self, blob_id: str, artefacts_blob_id: str) -> AttachmentRecord:
        """``POST /direct/attachments``: an attachment from the file's blob and its artefact record's."""
        body = {"blob": {"blob_id": blob_id, "encrypted_artifact_blob_id": artefacts_blob_id}}
        data = await self.api.call("POST", "/direct/attachments", body=body)
        return parse(AttachmentRecord, data, "attachment", where="POST /direct/attachments")

    async def attachment(self, attachment_id: str) -> AttachmentRecord:
        """``GET /direct/attachments/{id}``."""
        data = await self.api.call("GET", f"/direct/attachments/{_seg(attachment_id)}")
        return parse(AttachmentRecord, data, "attachment", where="GET /direct/attachments/{id}")

    async def delete_attachment(self, attachment_id: str) -> None:
        """``DELETE /direct/attachments/{id}``."""
        await self.api.call("DELETE", f"/direct/attachments/{_seg(attachment_id)}", expect_body=False)

    async def version(self) -> dict[str, Any]:
        """``GET /version``."""
        return await self.api.call("GET", "/version", auth=False)


def _one_share(data: JsonObject, where: str) -> ShareRecord:
    if isinstance(data.get("share"), dict):
        return parse(ShareRecord, data, "share", where=where)
    listed = parse_list(ShareRecord, data, "shares", where=where)
    if not listed:
        raise ProtocolError(f"{where}: the answer has no share")
    return listed[0]


def _next_after(data: JsonObject, ids: list[str]) -> str | None:
    """The cursor for the next page: the server's ``next_page_after`` (top level or in ``meta``), else
    the last id of a full page."""
    for holder in (data, data.get("meta")):
        if isinstance(holder, dict) and "next_page_after" in holder:
            value = holder["next_page_after"]
            return value if isinstance(value, str) and value else None
    return ids[-1] if len(ids) >= _PAGE else None
