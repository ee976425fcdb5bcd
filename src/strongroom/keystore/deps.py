"""Request-scoped access to what the app factory put on ``app.state`` (settings, clock, limiter)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from strongroom.kit.clock import Clock
from strongroom.kit.ratelimit import RateLimiter
from strongroom.kit.settings import Settings


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
LimiterDep = Annotated[RateLimiter, Depends(_limiter)]
