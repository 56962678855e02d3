"""Two instances behind a load balancer: a flow begun on one continues on the other,
because both keep conversations in the machine's Redis (aiogram's RedisStorage)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.dispatcher import build_dispatcher
from bot.runner import handle_webhook_update
from campaigns import people, totals
from campaigns.core import Core
from campaigns.results import FactKind
from greentally.settings import Settings
from tests import factories
from tests.bot.conftest import WEBHOOK_SECRET
from tests.e2e.fake_telegram import FakeTelegram, tg_user

REDIS_URL = "redis://127.0.0.1:6379/11"
USER = tg_user(901, language_code="en")


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    prefix = f"greentally-test-{uuid.uuid4().hex[:12]}"
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except RedisConnectionError:
        await client.aclose()
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    yield prefix
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def storage(prefix: str) -> RedisStorage:
    return RedisStorage(Redis.from_url(REDIS_URL), key_builder=DefaultKeyBuilder(prefix=prefix))


async def test_trip_begun_on_one_instance_finishes_on_the_other(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram, redis_prefix: str
) -> None:
    unit = await factories.unit(core)
    person = await factories.person(core, unit, telegram_id=USER["id"])
    await people.set_language(core, person_id=person.id, language="en")
    first, second = storage(redis_prefix), storage(redis_prefix)
    instances = [
        build_dispatcher(core, bot_settings, first, clock=lambda: factories.NOW),
        build_dispatcher(core, bot_settings, second, clock=lambda: factories.NOW),
    ]

    async def deliver(instance: int, update: dict[str, Any]) -> None:
        status = await handle_webhook_update(
            instances[instance],
            bot,
            core,
            secret_header=WEBHOOK_SECRET,
            expected_secret=WEBHOOK_SECRET,
            payload=fake_tg.make_update(update),
        )
        assert status == 200

    try:
        await deliver(0, fake_tg.message_update(USER, "/trip"))
        (modes,) = fake_tg.calls_to("sendMessage")
        await deliver(1, fake_tg.callback_update(USER, modes, "Bus"))
        await deliver(0, fake_tg.message_update(USER, "6"))
        confirm = fake_tg.calls_to("sendMessage")[-1]
        assert "6 km by the bus" in confirm.text
        await deliver(1, fake_tg.callback_update(USER, confirm, "Confirm"))
    finally:
        await first.close()
        await second.close()

    done = fake_tg.calls_to("editMessageText")[-1]
    assert "Green trip logged: 6 km by the bus" in done.text
    (trip,) = await totals.history(core, person_id=person.id)
    assert trip.kind is FactKind.TRIP and trip.mode == "bus" and trip.quantity == 6


async def test_memory_storage_does_not_share(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    """The control: without a shared storage the second instance knows nothing of the flow."""
    unit = await factories.unit(core)
    await factories.person(core, unit, telegram_id=USER["id"])
    instances = [
        build_dispatcher(core, bot_settings, clock=lambda: factories.NOW) for _ in range(2)
    ]
    await handle_webhook_update(
        instances[0],
        bot,
        core,
        secret_header=WEBHOOK_SECRET,
        expected_secret=WEBHOOK_SECRET,
        payload=fake_tg.make_update(fake_tg.message_update(USER, "/trip")),
    )
    (modes,) = fake_tg.calls_to("sendMessage")
    await handle_webhook_update(
        instances[1],
        bot,
        core,
        secret_header=WEBHOOK_SECRET,
        expected_secret=WEBHOOK_SECRET,
        payload=fake_tg.make_update(fake_tg.callback_update(USER, modes, "公交")),
    )
    (expired,) = fake_tg.calls_to("answerCallbackQuery")
    assert "失效" in expired.params.get("text", "")  # saved language zh wins over Telegram's en
