"""Bot fixtures: the fake Bot API server and a Bot pointed at it (no polling loop); a second
app instance's core on the same database; webhook delivery."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from pydantic import SecretStr

from bot.runner import handle_webhook_update, make_bot
from campaigns.core import Core, open_core
from campaigns.settings import Settings
from tests.e2e.fake_telegram import FakeTelegram
from tests.machine_redis import redis_or_skip

WEBHOOK_SECRET = "s3cret_TOKEN-for-tests"
# For a module whose tests run on both backends: `db_url = both_backends` in it.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def both_backends(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
async def fake_tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def bot_settings(settings: Settings, fake_tg: FakeTelegram) -> Settings:
    return settings.model_copy(
        update={
            "bot_token": SecretStr(fake_tg.token),
            "bot_api_base": fake_tg.url,
            "webhook_secret": SecretStr(WEBHOOK_SECRET),
        }
    )


@pytest.fixture
async def bot(bot_settings: Settings) -> AsyncIterator[Bot]:
    made = make_bot(bot_settings)
    try:
        yield made
    finally:
        await made.session.close()


@pytest.fixture
async def other_core(db_url: str) -> AsyncIterator[Core]:
    """A second app instance's core, on the same database as `core`."""
    opened = await open_core(db_url, secret="test-secret-key", migrate=False)
    try:
        yield opened
    finally:
        await opened.close()


async def deliver(dp: Dispatcher, bot: Bot, update: dict[str, Any] | bytes) -> int:
    """Push one update to an instance's webhook; the HTTP status it answers."""
    return await handle_webhook_update(
        dp, bot, secret_header=WEBHOOK_SECRET, expected_secret=WEBHOOK_SECRET, payload=update
    )


REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The machine's Redis for shared conversations and chat locks (skips when it is not
    running); the keys of this module's test users are removed before and after."""
    async with redis_or_skip(REDIS_URL) as client:

        async def clean() -> None:
            keys = [key async for key in client.scan_iter("greentally:fsm:*")]
            if keys:
                await client.delete(*keys)

        await clean()
        try:
            yield REDIS_URL
        finally:
            await clean()
