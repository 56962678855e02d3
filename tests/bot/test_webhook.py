"""Webhook mode: the secret header is checked in constant time, a redelivery runs once."""

from __future__ import annotations

import json
import logging

import pytest
from aiogram import Bot

from bot.dispatcher import build_dispatcher
from bot.runner import handle_webhook_update, start_webhook
from campaigns import catalog, people, totals, updates
from campaigns.core import Core
from campaigns.settings import Settings
from tests import factories
from tests.bot.conftest import WEBHOOK_SECRET
from tests.e2e.fake_telegram import FakeTelegram, tg_user

USER = tg_user(801, language_code="en")


def clock():
    return factories.NOW


@pytest.mark.parametrize("header", [None, "", "wrong", WEBHOOK_SECRET + "x", WEBHOOK_SECRET[:-1]])
async def test_wrong_or_missing_secret_is_refused_and_nothing_runs(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram, header: str | None
) -> None:
    dp = build_dispatcher(core, bot_settings, clock=clock)
    update = fake_tg.make_update(fake_tg.message_update(USER, "/start"))
    status = await handle_webhook_update(
        dp,
        bot,
        secret_header=header,
        expected_secret=bot_settings.webhook_secret,
        payload=update,
    )
    assert status == 401
    assert fake_tg.calls == []
    # Not even marked as seen: the genuine delivery that follows is still processed.
    assert not await updates.already_processed(core, update["update_id"])


async def test_no_configured_secret_refuses_everything(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    dp = build_dispatcher(core, bot_settings, clock=clock)
    update = fake_tg.make_update(fake_tg.message_update(USER, "/start"))
    status = await handle_webhook_update(
        dp, bot, secret_header="", expected_secret=None, payload=update
    )
    assert status == 401 and fake_tg.calls == []


async def test_update_delivered_twice_is_processed_once(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    unit = await factories.unit(core)
    person = await factories.person(core, unit, telegram_id=USER["id"])
    event = await factories.event(core)
    dp = build_dispatcher(core, bot_settings, clock=clock)
    update = fake_tg.make_update(fake_tg.message_update(USER, f"/start e_{event.code}"))
    raw = json.dumps(update).encode()

    for _ in range(2):
        status = await handle_webhook_update(
            dp,
            bot,
            secret_header=WEBHOOK_SECRET,
            expected_secret=bot_settings.webhook_secret,
            payload=raw,
        )
        assert status == 200
    (answer,) = fake_tg.calls_to("sendMessage")
    assert "Checked in" in answer.text or "已签到" in answer.text
    assert (await catalog.get_event(core, code=event.code)).checked_in == 1
    assert len(await totals.history(core, person_id=person.id)) == 1


async def test_garbage_body_is_400(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    dp = build_dispatcher(core, bot_settings, clock=clock)
    for payload in (b"not json", {"no": "update_id"}):
        status = await handle_webhook_update(
            dp,
            bot,
            secret_header=WEBHOOK_SECRET,
            expected_secret=bot_settings.webhook_secret,
            payload=payload,
        )
        assert status == 400
    assert fake_tg.calls == []


async def test_start_webhook_sets_menu_and_webhook(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    dp = build_dispatcher(core, bot_settings, clock=clock)
    await start_webhook(bot, dp, bot_settings)
    assert fake_tg.webhook is not None
    assert fake_tg.webhook["url"] == "http://127.0.0.1:8000/tg/webhook"
    assert fake_tg.webhook["secret_token"] == WEBHOOK_SECRET
    assert "message" in fake_tg.webhook["allowed_updates"]
    assert "callback_query" in fake_tg.webhook["allowed_updates"]
    languages = {c.params.get("language_code") for c in fake_tg.calls_to("setMyCommands")}
    assert languages == {None, "zh", "en"}
    assert fake_tg.calls_to("setChatMenuButton") == []  # http: no Mini App button


async def test_https_deployment_gets_the_mini_app_menu_button(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    https = bot_settings.model_copy(update={"public_url": "https://greentally.example.gov.cn"})
    dp = build_dispatcher(core, https, clock=clock)
    await start_webhook(bot, dp, https)
    (call,) = fake_tg.calls_to("setChatMenuButton")
    button = call.params["menu_button"]
    assert button["type"] == "web_app"
    # The web form's logging page, through the Mini App sign-in (not /me).
    assert button["web_app"]["url"] == "https://greentally.example.gov.cn/tg?next=/log"
    assert button["text"] == "打开表单"  # the default language, zh

    # Each person's own button says it in their language.
    unit = await factories.unit(core)
    person = await factories.person(core, unit, telegram_id=USER["id"])
    await people.set_language(core, person_id=person.id, language="en")
    status = await handle_webhook_update(
        dp,
        bot,
        secret_header=WEBHOOK_SECRET,
        expected_secret=https.webhook_secret,
        payload=fake_tg.make_update(fake_tg.message_update(USER, "/start")),
    )
    assert status == 200
    own = fake_tg.menu_buttons[USER["id"]]
    assert own["text"] == "Open form" and own["web_app"]["url"].endswith("/tg?next=/log")


async def test_webhook_mode_without_redis_warns_at_start(
    core: Core,
    bot: Bot,
    bot_settings: Settings,
    fake_tg: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dp = build_dispatcher(core, bot_settings, clock=clock)
    with caplog.at_level(logging.WARNING, logger="bot.runner"):
        await start_webhook(bot, dp, bot_settings)
    (warning,) = [r for r in caplog.records if r.name == "bot.runner"]
    assert "GREENTALLY_REDIS_URL" in warning.getMessage()
    assert "cannot continue on another" in warning.getMessage()
