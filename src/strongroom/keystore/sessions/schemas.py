"""Bodies of the session list (extension; Meeco's Keystore has no such endpoints)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from strongroom.keystore.schemas import Timestamp


class SessionListItemRead(BaseModel):
    """One of the caller's sessions: ``client_name`` as the client gave it at login (or its User-Agent);
    ``last_used_at`` is refreshed at most every ``session_touch_interval`` seconds."""

    id: uuid.UUID
    created_at: Timestamp
    last_used_at: Timestamp
    client_name: str | None
    expires_at: Timestamp
    current: bool = Field(description="Whether this is the session the request came with.")


class SessionPage(BaseModel):
    """One page of the caller's live sessions, oldest first; ``next_page_after`` is null on the last page."""

    sessions: list[SessionListItemRead]
    next_page_after: uuid.UUID | None


class SessionsEndedRead(BaseModel):
    ended: int = Field(description="How many sessions ended.")
