"""The WeCom access token shared through Redis: two instances fetch it once between them,
and when WeCom calls it expired, the one that refreshes it hands the new one to the other."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.machine_redis import redis_or_skip
from tests.wecom.conftest import AGENT_ID
from tests.wecom.fake_wecom import CORP_ID, SECRET, FakeWeCom
from wecom.client import EARLY, RedisTokens, WeComClient

REDIS_URL = "redis://127.0.0.1:6379/14"
KEY = f"greentally:wecom:token:{CORP_ID}:{AGENT_ID}"


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The machine's Redis (skips when it is not running), without this app's token key."""
    async with redis_or_skip(REDIS_URL) as client:
        await client.delete(KEY)
        try:
            yield REDIS_URL
        finally:
            await client.delete(KEY)


async def test_two_instances_share_one_token_and_its_refresh(
    fake: FakeWeCom, redis_url: str
) -> None:
    stores = [RedisTokens(redis_url), RedisTokens(redis_url)]
    a, b = (
        WeComClient(
            base_url=fake.base_url, corp_id=CORP_ID, secret=SECRET, agent_id=AGENT_ID, tokens=s
        )
        for s in stores
    )
    fake.add_user("ZhangSan", "张三", 7)
    try:
        await a.send_text(["ZhangSan"], "一")
        await b.send_text(["ZhangSan"], "二")
        assert fake.token_calls == 1  # the second instance used the first one's token
        ttl = await stores[0]._redis.ttl(KEY)
        assert 7200 - EARLY - 5 <= ttl <= 7200 - EARLY  # replaced before WeCom expires it

        fake.expire_tokens()
        await b.send_text(["ZhangSan"], "三")  # refused as expired: refreshed, sent again
        await a.send_text(["ZhangSan"], "四")  # finds the new token in Redis
        assert fake.token_calls == 2
        assert fake.messages_to("ZhangSan") == ["一", "二", "三", "四"]
    finally:
        for client in (a, b):
            await client.close()
        for store in stores:
            await store.close()
