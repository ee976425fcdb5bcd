"""Routes: ``/direct/attachments`` (Meeco's direct-upload flow) and ``/direct/blobs/{id}`` (the bytes).

The flow: announce an upload (``POST /direct/attachments/upload_url``) → ``PUT`` the bytes to the ``url``
answered → the same for the artefact record → ``POST /direct/attachments`` with both blob ids → put the
attachment id on an ``attachment`` slot whose value is the file key (``PUT /items/{id}``). Readers get the
attachment (``GET /direct/attachments/{id}``), then its record and the blocks they need with ``Range``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import StreamingResponse

from strongroom.kit.auth import BearerToken
from strongroom.kit.bodies import body_limit
from strongroom.kit.db import DbSession, transaction
from strongroom.kit.errors import AppError, error_responses, invalid
from strongroom.vault.attachments import service
from strongroom.vault.attachments.schemas import (
    AttachIn,
    AttachmentEnvelope,
    BlobEnvelope,
    UploadUrlIn,
    UploadUrlOut,
)
from strongroom.vault.auth import CurrentUser, authenticate
from strongroom.vault.blobs.store import BlobStore, SizeMismatch
from strongroom.vault.deps import AppSettings, Now

router = APIRouter(tags=["attachments"])

_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")
_BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


def _urls(request: Request) -> service.BlobUrl:
    return lambda blob_id: str(request.url_for("download_blob", blob_id=blob_id))


@router.post(
    "/direct/attachments/upload_url",
    status_code=201,
    response_model=UploadUrlOut,
    responses=error_responses(401, 413, 422),
)
async def create_upload_url(
    body: UploadUrlIn,
    request: Request,
    principal: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    now: Now,
) -> UploadUrlOut:
    """Announce an upload of ``blob.byte_size`` bytes; ``url`` takes them with ``PUT``."""
    url = await service.announce(session, principal, body, settings, now, _urls(request))
    return UploadUrlOut(attachment_direct_upload_url=url)


@router.put(
    "/direct/blobs/{blob_id}",
    response_model=BlobEnvelope,
    responses=error_responses(401, 404, 409, 413, 422),
    openapi_extra={"requestBody": {"required": True, "content": _BINARY}},
)
@body_limit("attachment_max_bytes")  # its own limit is the announced size, checked while streaming
async def upload_blob(blob_id: uuid.UUID, request: Request, token: BearerToken) -> BlobEnvelope:
    """The bytes of an announced blob, streamed to storage: exactly ``byte_size`` of them (413
    ``upload_too_large`` past it, 422 ``upload_incomplete`` short of it; nothing is stored then).

    No transaction stays open while the bytes arrive: one checks the caller, one marks the blob stored.
    """
    sessions, clock = request.app.state.sessions, request.app.state.clock
    async with transaction(sessions) as session:
        principal = await authenticate(session, token, clock.now(), request.app.state.session_signing_key)
        blob = await service.upload_target(session, principal, blob_id)
        size, key = blob.byte_size, service.blob_key(blob)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) != size:
        if int(declared) > size:
            raise AppError(413, "upload_too_large", f"this blob takes exactly {size} bytes")
        raise invalid("upload_incomplete", f"this blob takes exactly {size} bytes")
    store: BlobStore = request.app.state.blob_store
    try:
        await store.put(key, request.stream(), size)
    except SizeMismatch as exc:
        if exc.over:
            raise AppError(413, "upload_too_large", f"this blob takes exactly {size} bytes") from None
        raise invalid("upload_incomplete", f"this blob takes exactly {size} bytes") from None
    async with transaction(sessions) as session:
        stored = await service.mark_stored(session, principal, blob_id, clock.now())
        return BlobEnvelope(blob=service.blob_out(stored))


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` of a single ``Range: bytes=…`` header, None without one; 416 when unsatisfiable."""
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    unsatisfiable = AppError(
        416,
        "range_not_satisfiable",
        "one byte range within the blob",
        headers={"Content-Range": f"bytes */{size}"},
    )
    if match is None or (not match.group(1) and not match.group(2)):
        raise unsatisfiable
    first_text, last_text = match.groups()
    if not first_text:  # the last N bytes
        count = int(last_text)
        if count == 0 or size == 0:
            raise unsatisfiable
        return max(0, size - count), size - 1
    first = int(first_text)
    last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size or last < first:
        raise unsatisfiable
    return first, last


@router.get(
    "/direct/blobs/{blob_id}",
    response_class=StreamingResponse,
    responses={
        200: {"content": _BINARY, "description": "The whole blob"},
        206: {"content": _BINARY, "description": "The requested byte range"},
        **error_responses(401, 404, 416),
    },
)
async def download_blob(
    blob_id: uuid.UUID,
    request: Request,
    principal: CurrentUser,
    session: DbSession,
    now: Now,
    range_header: str | None = Header(default=None, alias="Range", max_length=100),
) -> Any:
    """A blob the caller may read, streamed; one ``Range`` (``bytes=a-b``, ``a-``, ``-n``) answers 206."""
    blob = await service.readable_blob(session, principal, blob_id, now)
    size, key = blob.byte_size, service.blob_key(blob)
    chosen = _byte_range(range_header, size)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "no-store"}
    store: BlobStore = request.app.state.blob_store
    if size == 0:
        return Response(b"", media_type="application/octet-stream", headers=headers)
    first, last = chosen if chosen is not None else (0, size - 1)
    headers["Content-Length"] = str(last - first + 1)
    if chosen is not None:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return StreamingResponse(
        store.read(key, first, last),
        status_code=206 if chosen is not None else 200,
        media_type="application/octet-stream",
        headers=headers,
    )


@router.post(
    "/direct/attachments",
    status_code=201,
    response_model=AttachmentEnvelope,
    responses=error_responses(401, 404, 409, 422),
)
async def create_attachment(
    body: AttachIn,
    request: Request,
    principal: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    now: Now,
) -> AttachmentEnvelope:
    """An attachment from two stored blobs of the caller: the ciphertext and its artefact record."""
    return AttachmentEnvelope(
        attachment=await service.attach(session, principal, body, settings, now, _urls(request))
    )


@router.get(
    "/direct/attachments/{attachment_id}",
    response_model=AttachmentEnvelope,
    responses=error_responses(401, 404),
)
async def get_attachment(
    attachment_id: uuid.UUID, request: Request, principal: CurrentUser, session: DbSession, now: Now
) -> AttachmentEnvelope:
    """The attachment and where its blobs are, for its owner and the recipients of a live share of it."""
    return AttachmentEnvelope(
        attachment=await service.get_attachment(session, principal, attachment_id, now, _urls(request))
    )


@router.delete("/direct/attachments/{attachment_id}", status_code=204, responses=error_responses(401, 404))
async def delete_attachment(attachment_id: uuid.UUID, principal: CurrentUser, session: DbSession) -> Response:
    """Delete the attachment and its blobs (the slot that held it keeps its value, now a key to nothing)."""
    await service.delete_attachment(session, principal, attachment_id)
    return Response(status_code=204)
