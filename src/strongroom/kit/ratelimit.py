"""Fixed-window rate limits, in one process (memory) or shared by a pool (Redis).

A limiter counts events under a key; once a key has seen ``limit`` events in the current window, callers
get the seconds until the window ends, which routes turn into a 429 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any, Protocol

from fastapi import Depends, Request

from strongroom.kit.auth import client_address
from strongroom.kit.errors import rate_limited


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window: int) -> int | None:
        """Count one event under ``key``; return None if allowed, else the seconds to wait."""
        ...

    async def blocked(self, key: str, limit: int, window: int) -> int | None:
        """Without counting: None if another event under ``key`` would be allowed, else seconds to wait."""
        ...

    async def reset(self, key: str) -> None:
        """Forget ``key`` (e.g. failures, after a success)."""
        ...

    async def close(self) -> None: ...


class MemoryRateLimiter:
    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = asyncio.Lock()

    def _window(self, window: int) -> tuple[int, int]:
        now = self._now()
        start = int(now // window)
        return start, max(1, math.ceil((start + 1) * window - now))

    async def hit(self, key: str, limit: int, window: int) -> int | None:
        async with self._lock:
            start, remaining = self._window(window)
            bucket, count = self._counts.get(key, (start, 0))
            if bucket != start:
                count = 0
            if count >= limit:
                return remaining
            self._counts[key] = (start, count + 1)
            if len(self._counts) > 100_000:
                self._evict(start)
            return None

    async def blocked(self, key: str, limit: int, window: int) -> int | None:
        start, remaining = self._window(window)
        bucket, count = self._counts.get(key, (start, 0))
        return remaining if bucket == start and count >= limit else None

    async def reset(self, key: str) -> None:
        self._counts.pop(key, None)

    def _evict(self, current: int) -> None:
        for key in [k for k, (b, _) in self._counts.items() if b != current]:
            del self._counts[key]

    async def close(self) -> None:
        return None


class RedisRateLimiter:
    """Counters in Redis (``INCR`` + ``EXPIRE``), shared by every process of a pool."""

    def __init__(self, url: str, prefix: str = "strongroom:rl:") -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)
        self._prefix = prefix

    def _key(self, key: str, window: int) -> tuple[str, int]:
        now = time.time()
        start = int(now // window)
        return f"{self._prefix}{key}:{window}:{start}", max(1, math.ceil((start + 1) * window - now))

    async def hit(self, key: str, limit: int, window: int) -> int | None:
        rkey, remaining = self._key(key, window)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(rkey)
            pipe.expire(rkey, window + 1)
            count, _ = await pipe.execute()
        return remaining if int(count) > limit else None

    async def blocked(self, key: str, limit: int, window: int) -> int | None:
        rkey, remaining = self._key(key, window)
        value = await self._redis.get(rkey)
        return remaining if value is not None and int(value) >= limit else None

    async def reset(self, key: str) -> None:
        keys = [k async for k in self._redis.scan_iter(match=f"{self._prefix}{key}:*")]
        if keys:
            await self._redis.delete(*keys)

    async def close(self) -> None:
        await self._redis.aclose()


async def enforce(limiter: RateLimiter, key: str, limit: int, window: int) -> None:
    """Count one event; raise the 429 ``AppError`` when over the limit."""
    retry = await limiter.hit(key, limit, window)
    if retry is not None:
        raise rate_limited(retry)


def per_address(name: str, setting: str) -> Any:
    """A route dependency: at most ``settings.<setting>`` requests per ``address_window`` from one client
    address (:func:`~strongroom.kit.auth.client_address`) to the endpoints sharing ``name``; else 429."""

    async def limit(request: Request) -> None:
        settings = request.app.state.settings
        key = f"{request.app.state.service}:addr:{name}:{client_address(request)}"
        await enforce(request.app.state.limiter, key, getattr(settings, setting), settings.address_window)

    return Depends(limit)
