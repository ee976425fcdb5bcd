from __future__ import annotations

import os
import uuid

import pytest

from strongroom.kit.errors import AppError
from strongroom.kit.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter, enforce


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def exercise(limiter: RateLimiter, key: str) -> None:
    for _ in range(3):
        assert await limiter.hit(key, 3, 60) is None
    assert await limiter.blocked(key, 3, 60) is not None
    retry = await limiter.hit(key, 3, 60)
    assert retry is not None
    assert 1 <= retry <= 60
    assert await limiter.hit("other" + key, 3, 60) is None
    await limiter.reset(key)
    assert await limiter.blocked(key, 3, 60) is None
    assert await limiter.hit(key, 3, 60) is None


async def test_memory_limiter_counts_per_key_and_window() -> None:
    clock = FakeTime()
    limiter = MemoryRateLimiter(now=clock)
    await exercise(limiter, "user:a")
    await limiter.hit("user:a", 1, 60)
    assert await limiter.hit("user:a", 1, 60) is not None
    clock.now += 61
    assert await limiter.hit("user:a", 1, 60) is None


async def test_enforce_raises_429_with_retry_after() -> None:
    limiter = MemoryRateLimiter(now=FakeTime())
    await enforce(limiter, "k", 1, 30)
    with pytest.raises(AppError) as info:
        await enforce(limiter, "k", 1, 30)
    assert info.value.status == 429
    assert info.value.code == "rate_limited"
    assert 1 <= int(info.value.headers["Retry-After"]) <= 30


async def test_redis_limiter_is_shared_between_instances() -> None:
    url = os.environ.get("STRONGROOM_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but STRONGROOM_TEST_REDIS_URL is not set")
        pytest.skip("Redis not configured (set STRONGROOM_TEST_REDIS_URL)")
    key = f"test:{uuid.uuid4()}"
    first, second = RedisRateLimiter(url), RedisRateLimiter(url)
    try:
        await exercise(first, key)
        await first.reset(key)
        assert await first.hit(key, 2, 60) is None
        assert await second.hit(key, 2, 60) is None
        assert await first.hit(key, 2, 60) is not None
        assert await second.blocked(key, 2, 60) is not None
    finally:
        await first.reset(key)
        await first.close()
        await second.close()
