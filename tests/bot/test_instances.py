"""Several app instances serving one bot on a webhook, over one database (SQLite and
PostgreSQL): an update delivered to two of them at once runs once when they share Redis
(the chat's lock), and counts once in any case (the database); an update whose processing
failed is not recorded as processed, so Telegram's redelivery runs it; a change to a
person made on one instance shows on the next update on another."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiogram import Bot

from bot.dispatcher import build_dispatcher
from campaigns import catalog, people, totals, updates
from campaigns.core import Core
from campaigns.results import Role
from campaigns.settings import Settings
from tests import factories
from tests.bot.conftest import both_backends, deliver
from tests.e2e.fake_telegram import FakeTelegram, tg_user

USER = tg_user(931, language_code="en")


db_url = both_backends


def clock():
    return factories.NOW


async def test_one_update_at_two_instances_sharing_redis_runs_once(
    core: Core,
    *,
    other_core: Core,
    bot: Bot,
    bot_settings: Settings,
    fake_tg: FakeTelegram,
    redis_url: str,
) -> None:
    unit = await factories.unit(core)
    person = await factories.person(core, unit, telegram_id=USER["id"])
    event = await factories.event(core)
    shared = bot_settings.model_copy(update={"redis_url": redis_url})
    instances = [build_dispatcher(c, shared, clock=clock) for c in (core, other_core)]
    update = fake_tg.make_update(fake_tg.message_update(USER, f"/start e_{event.code}"))
    raw = json.dumps(update).encode()
    try:
        statuses = await asyncio.gather(*(deliver(dp, bot, raw) for dp in instances))
    finally:
        for dp in instances:
            await dp.storage.close()
    assert statuses == [200, 200]
    (answer,) = fake_tg.calls_to("sendMessage")  # one answer: the other waited, then dropped it
    assert "已签到" in answer.text
    assert (await catalog.get_event(core, code=event.code)).checked_in == 1
    assert len(await totals.history(core, person_id=person.id)) == 1


async def test_one_update_at_two_instances_without_redis_counts_once(
    core: Core, other_core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    """Without a shared lock both may run it: the database still counts it once (the
    person may hear the answer twice; README: several instances take Redis)."""
    unit = await factories.unit(core)
    person = await factories.person(core, unit, telegram_id=USER["id"])
    event = await factories.event(core)
    instances = [build_dispatcher(c, bot_settings, clock=clock) for c in (core, other_core)]
    update = fake_tg.make_update(fake_tg.message_update(USER, f"/start e_{event.code}"))
    raw = json.dumps(update).encode()
    statuses = await asyncio.gather(*(deliver(dp, bot, raw) for dp in instances))
    # On PostgreSQL the instance that lost the race for the idempotency key may fail (the
    # writer raises the lost race rather than answer with it): Telegram delivers it again.
    for dp, status in zip(instances, statuses, strict=True):
        if status == 500:
            assert await deliver(dp, bot, raw) == 200
        else:
            assert status == 200
    answers = [c for c in fake_tg.calls_to("sendMessage") if "已签到" in c.text]
    assert 1 <= len(answers) <= 2
    assert (await catalog.get_event(core, code=event.code)).checked_in == 1
    assert len(await totals.history(core, person_id=person.id)) == 1


async def test_an_update_that_failed_is_run_again_when_redelivered(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    unit = await factories.unit(core)
    person = await factories.person(core, unit, telegram_id=USER["id"])
    event = await factories.event(core)
    dp = build_dispatcher(core, bot_settings, clock=clock)
    raw = json.dumps(
        fake_tg.make_update(fake_tg.message_update(USER, f"/start e_{event.code}"))
    ).encode()

    fake_tg.fail_next("sendMessage", status=500)  # Telegram in trouble: no apology tried
    assert await deliver(dp, bot, raw) == 500  # Telegram will deliver it again
    assert not await updates.already_processed(core, update_id=json.loads(raw)["update_id"])
    assert await deliver(dp, bot, raw) == 200
    delivered = [c for c in fake_tg.calls_to("sendMessage") if "_failed" not in c.params]
    (answer,) = delivered
    assert "已签到" in answer.text  # the person hears it after all
    assert (await catalog.get_event(core, code=event.code)).checked_in == 1
    assert len(await totals.history(core, person_id=person.id)) == 1
    assert await deliver(dp, bot, raw) == 200  # now processed: a third copy is dropped
    assert len(fake_tg.calls_to("sendMessage")) == 2


async def test_a_redelivered_canteen_check_is_answered_as_the_first_time(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    unit = await factories.unit(core, name="渠县卫健局")
    await factories.person(core, unit, telegram_id=USER["id"], role=Role.VOLUNTEER)
    dp = build_dispatcher(core, bot_settings, clock=clock)

    async def send(update: dict[str, Any]) -> int:
        return await deliver(dp, bot, fake_tg.make_update(update))

    await send(fake_tg.message_update(USER, "/volunteer"))
    menu = fake_tg.calls_to("sendMessage")[-1]
    await send(fake_tg.callback_update(USER, menu, "食堂抽查"))
    listed = fake_tg.calls_to("editMessageText")[-1]
    await send(fake_tg.callback_update(USER, listed, "渠县卫健局"))
    ask = fake_tg.calls_to("editMessageText")[-1]
    tap = fake_tg.make_update(fake_tg.callback_update(USER, ask, "合格"))
    fake_tg.fail_next("editMessageText", status=500)
    assert await deliver(dp, bot, tap) == 500  # recorded, but the answer was lost
    assert await deliver(dp, bot, tap) == 200
    answer = fake_tg.calls_to("editMessageText")[-1]
    # The person never saw the first answer: no "already recorded" on the one they see.
    assert "抽查结果已记录" in answer.text and "此前已记录过" not in answer.text
    assert (await totals.canteen_rates(core, year=2023)).spot_checked == 1


async def test_a_change_on_one_instance_shows_at_once_on_another(
    core: Core, other_core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    unit = await factories.unit(core)
    person = await factories.person(core, unit, telegram_id=USER["id"])  # saved zh
    a = build_dispatcher(core, bot_settings, clock=clock)
    b = build_dispatcher(other_core, bot_settings, clock=clock)

    async def help_on_b() -> str:
        update = fake_tg.make_update(fake_tg.message_update(USER, "/help"))
        await deliver(b, bot, update)
        return fake_tg.calls_to("sendMessage")[-1].text

    assert "/trip — 记录绿色出行" in await help_on_b()  # B has looked the person up
    await deliver(a, bot, fake_tg.make_update(fake_tg.message_update(USER, "/lang")))
    choose = fake_tg.calls_to("sendMessage")[-1]
    english = fake_tg.callback_update(USER, choose, "English")
    await deliver(a, bot, fake_tg.make_update(english))
    assert "/trip — Log a green trip" in await help_on_b()  # the language changed on A

    organizer = await factories.person(core, unit, role=Role.ORGANIZER)
    await people.set_role(
        core, actor_id=organizer.id, person_id=person.id, role=Role.VOLUNTEER, now=factories.NOW
    )
    assert "/volunteer" in await help_on_b()  # the new role, at once

    await people.delete_person(core, person_id=person.id, now=factories.NOW)
    await deliver(b, bot, fake_tg.make_update(fake_tg.message_update(USER, "/trip")))
    assert "what is your name" in fake_tg.calls_to("sendMessage")[-1].text  # deleted: unknown
