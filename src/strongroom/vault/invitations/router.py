"""Routes: ``/invitations``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from strongroom.kit.db import DbSession
from strongroom.kit.errors import error_responses
from strongroom.kit.pagination import ListPage
from strongroom.vault.auth import CurrentUser
from strongroom.vault.deps import AppSettings, Now
from strongroom.vault.invitations import service
from strongroom.vault.invitations.schemas import InvitationEnvelope, InvitationIn, InvitationsOut

router = APIRouter(tags=["invitations"])


@router.post(
    "/invitations",
    status_code=201,
    response_model=InvitationEnvelope,
    responses=error_responses(401, 404, 422, 429),
)
async def create_invitation(
    body: InvitationIn,
    request: Request,
    principal: CurrentUser,
    session: DbSession,
    now: Now,
    settings: AppSettings,
) -> InvitationEnvelope:
    """Invite someone to connect; the token is in this response only. With ``email`` the Vault mails it."""
    invitation = await service.create_invitation(
        session, principal, body, now, settings, request.app.state.limiter
    )
    return InvitationEnvelope(invitation=invitation)


@router.get("/invitations", response_model=InvitationsOut, responses=error_responses(401, 422))
async def list_invitations(
    principal: CurrentUser, session: DbSession, page: ListPage, now: Now
) -> InvitationsOut:
    """The caller's outgoing invitations (deleted ones left out)."""
    return await service.list_invitations(session, principal, page, now)


@router.get(
    "/invitations/{invitation_id}", response_model=InvitationEnvelope, responses=error_responses(401, 404)
)
async def get_invitation(
    principal: CurrentUser, session: DbSession, invitation_id: uuid.UUID, now: Now
) -> InvitationEnvelope:
    return InvitationEnvelope(invitation=await service.get_invitation(session, principal, invitation_id, now))


@router.delete("/invitations/{invitation_id}", status_code=204, responses=error_responses(401, 404))
async def delete_invitation(
    principal: CurrentUser, session: DbSession, invitation_id: uuid.UUID, now: Now
) -> Response:
    """Withdraw the invitation: its token stops working."""
    await service.delete_invitation(session, principal, invitation_id, now)
    return Response(status_code=204)
