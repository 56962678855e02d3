"""Two instances behind a load balancer: a flow begun on one continues on the other,
because both keep conversations in the machine's Redis (aiogram's RedisStorage)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

from bot.dispatcher import FSM_PREFIX, build_dispatcher
from bot.runner import handle_webhook_update
from campaigns import people, totals
from campaigns.core import Core
from campaigns.results import FactKind
from campaigns.settings import Settings
from tests import factories
from tests.bot.conftest import WEBHOOK_SECRET
from tests.e2e.fake_telegram import FakeTelegram, tg_user
from tests.machine_redis import redis_or_skip

REDIS_URL = "redis://127.0.0.1:6379/11"
USER = tg_user(901, language_code="en")


@pytest.fixture
async def user() -> AsyncIterator[dict[str, Any]]:
    """A Telegram user of this test alone (the app's FSM keys are per chat and user), its
    keys removed afterwards; skips when Redis is not running."""
    async with redis_or_skip(REDIS_URL) as client:
        person = tg_user(900_000_000 + uuid.uuid4().int % 99_999_999, language_code="en")
        yield person
        keys = [key async for key in client.scan_iter(f"{FSM_PREFIX}:*{person['id']}*")]
        if keys:
            await client.delete(*keys)


async def test_the_app_factory_keeps_conversations_in_redis_when_configured(
    core: Core, bot_settings: Settings
) -> None:
    dp = build_dispatcher(core, bot_settings.model_copy(update={"redis_url": REDIS_URL}))
    try:
        assert isinstance(dp.storage, RedisStorage)
        assert isinstance(dp.fsm.events_isolation, RedisEventIsolation)  # one update per chat
    finally:
        await dp.storage.close()
    plain = build_dispatcher(core, bot_settings)
    assert isinstance(plain.storage, MemoryStorage)


async def test_trip_begun_on_one_instance_finishes_on_the_other(
    core: Core,
    bot: Bot,
    bot_settings: Settings,
    fake_tg: FakeTelegram,
    user: dict[str, Any],
) -> None:
    unit = await factories.unit(core)
    person = await factories.person(core, unit, telegram_id=user["id"])
    await people.set_language(core, person_id=person.id, language="en")
    with_redis = bot_settings.model_copy(update={"redis_url": REDIS_URL})
    # Two instances, each built as the app builds its own (greentally.app: build_dispatcher).
    instances = [build_dispatcher(core, with_redis, clock=lambda: factories.NOW) for _ in "ab"]

    async def deliver(instance: int, update: dict[str, Any]) -> None:
        status = await handle_webhook_update(
            instances[instance],
            bot,
            secret_header=WEBHOOK_SECRET,
            expected_secret=WEBHOOK_SECRET,
            payload=fake_tg.make_update(update),
        )
        assert status == 200

    try:
        await deliver(0, fake_tg.message_update(user, "/trip"))
        (modes,) = fake_tg.calls_to("sendMessage")
        await deliver(1, fake_tg.callback_update(user, modes, "Bus"))
        await deliver(0, fake_tg.message_update(user, "6"))
        confirm = fake_tg.calls_to("sendMessage")[-1]
        assert "6 km by the bus" in confirm.text
        await deliver(1, fake_tg.callback_update(user, confirm, "Confirm"))
    finally:
        for dp in instances:
            await dp.storage.close()

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
        secret_header=WEBHOOK_SECRET,
        expected_secret=WEBHOOK_SECRET,
        payload=fake_tg.make_update(fake_tg.message_update(USER, "/trip")),
    )
    (modes,) = fake_tg.calls_to("sendMessage")
    await handle_webhook_update(
        instances[1],
        bot,
        secret_header=WEBHOOK_SECRET,
        expected_secret=WEBHOOK_SECRET,
        payload=fake_tg.make_update(fake_tg.callback_update(USER, modes, "公交")),
    )
    (expired,) = fake_tg.calls_to("answerCallbackQuery")
    assert "失效" in expired.params.get("text", "")  # saved language zh wins over Telegram's en
