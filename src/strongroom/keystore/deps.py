"""Request-scoped access to what the app factory put on ``app.state`` (settings, clock, limiter).

Dependencies are ``async def`` on purpose: FastAPI runs plain ``def`` dependencies in its thread pool,
a thread hop per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from strongroom.kit.clock import Clock
from strongroom.kit.ratelimit import RateLimiter
from strongroom.kit.settings import Settings


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
LimiterDep = Annotated[RateLimiter, Depends(_limiter)]
