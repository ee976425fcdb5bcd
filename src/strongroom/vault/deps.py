"""Request dependencies every Vault router uses: the current time (the app's clock) and settings.

``async def`` on purpose: FastAPI runs plain ``def`` dependencies in its thread pool, a thread hop per
dependency per request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from strongroom.kit.settings import Settings


async def _now(request: Request) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Now = Annotated[datetime, Depends(_now)]
"""The request's "now" (aware UTC) from ``app.state.clock``: one value per request."""

AppSettings = Annotated[Settings, Depends(_settings)]
