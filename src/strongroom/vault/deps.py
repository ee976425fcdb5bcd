"""Request dependencies every Vault router uses: the current time (the app's clock) and settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from strongroom.kit.settings import Settings


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Now = Annotated[datetime, Depends(_now)]
"""The request's "now" (aware UTC) from ``app.state.clock``: one value per request."""

AppSettings = Annotated[Settings, Depends(_settings)]
