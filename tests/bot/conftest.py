"""Bot fixtures: the fake Bot API server and a Bot pointed at it (no polling loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from pydantic import SecretStr

from bot.runner import make_bot
from greentally.settings import Settings
from tests.e2e.fake_telegram import FakeTelegram

WEBHOOK_SECRET = "s3cret_TOKEN-for-tests"


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
