"""The machine's Redis for tests that need a real one (127.0.0.1:6379, a database of the
test's own): the test skips, saying why, when Redis is not running."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError


@asynccontextmanager
async def redis_or_skip(url: str) -> AsyncIterator[Redis]:
    """A client on `url`, closed afterwards; skips the test when Redis does not answer."""
    client = Redis.from_url(url)
    try:
        await client.ping()
    except RedisConnectionError:
        await client.aclose()
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    try:
        yield client
    finally:
        await client.aclose()
