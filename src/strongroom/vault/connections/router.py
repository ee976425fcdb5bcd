"""Routes: ``/connections`` (the encryption-space route under it belongs to the spaces package)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from strongroom.kit.db import DbSession
from strongroom.kit.errors import error_responses
from strongroom.kit.pagination import ListPage
from strongroom.vault.auth import CurrentUser
from strongroom.vault.connections import service
from strongroom.vault.connections.schemas import (
    ConnectionEnvelope,
    ConnectionIn,
    ConnectionsOut,
    ConnectionUpdate,
    InvitationPreviewEnvelope,
    InvitationPreviewIn,
)
from strongroom.vault.deps import Now

router = APIRouter(tags=["connections"])


@router.post(
    "/connections",
    status_code=201,
    response_model=ConnectionEnvelope,
    responses=error_responses(401, 404, 409, 410, 422),
)
async def create_connection(
    body: ConnectionIn, principal: CurrentUser, session: DbSession, now: Now
) -> ConnectionEnvelope:
    """Accept an invitation; answers the caller's own connection record."""
    return ConnectionEnvelope(connection=await service.accept_invitation(session, principal, body, now))


@router.post(
    "/connections/preview",
    response_model=InvitationPreviewEnvelope,
    responses=error_responses(401, 404, 409, 410, 422),
)
async def preview_invitation(
    body: InvitationPreviewIn, principal: CurrentUser, session: DbSession, now: Now
) -> InvitationPreviewEnvelope:
    """Check an invitation token as accepting it would (same errors) and say who invites; changes nothing."""
    return InvitationPreviewEnvelope(
        invitation=await service.preview_invitation(session, principal, body, now)
    )


@router.patch(
    "/connections/{connection_id}",
    response_model=ConnectionEnvelope,
    responses=error_responses(401, 404, 422),
)
async def rename_connection(
    body: ConnectionUpdate, principal: CurrentUser, session: DbSession, connection_id: uuid.UUID, now: Now
) -> ConnectionEnvelope:
    """Change the caller's own (encrypted) nickname for the other user."""
    connection = await service.rename_connection(session, principal, connection_id, body, now)
    return ConnectionEnvelope(connection=connection)


@router.get("/connections", response_model=ConnectionsOut, responses=error_responses(401, 422))
async def list_connections(principal: CurrentUser, session: DbSession, page: ListPage) -> ConnectionsOut:
    return await service.list_connections(session, principal, page)


@router.get(
    "/connections/{connection_id}", response_model=ConnectionEnvelope, responses=error_responses(401, 404)
)
async def get_connection(
    principal: CurrentUser, session: DbSession, connection_id: uuid.UUID
) -> ConnectionEnvelope:
    return ConnectionEnvelope(connection=await service.get_connection(session, principal, connection_id))


@router.delete("/connections/{connection_id}", status_code=204, responses=error_responses(401, 404))
async def delete_connection(
    principal: CurrentUser, session: DbSession, connection_id: uuid.UUID, now: Now
) -> Response:
    """Delete the connection (both users' records) and every share made over it."""
    await service.delete_connection(session, principal, connection_id, now)
    return Response(status_code=204)
