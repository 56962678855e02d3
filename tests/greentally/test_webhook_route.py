"""`greentally serve` in webhook mode: the route the composition root mounts on the web app
refuses a wrong secret with 401 and runs a genuine update once."""

from __future__ import annotations

import httpx

from campaigns.core import Core
from campaigns.settings import Settings
from greentally.app import build_application
from tests.bot.conftest import WEBHOOK_SECRET
from tests.e2e.fake_telegram import FakeTelegram, tg_user


async def test_webhook_route_checks_the_secret_and_runs_once(
    core: Core, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    app = build_application(bot_settings, core)
    update = fake_tg.make_update(fake_tg.message_update(tg_user(7001, language_code="en"), "/help"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for header in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            refused = await client.post("/tg/webhook", json=update, headers=header)
            assert refused.status_code == 401
        assert fake_tg.calls_to("sendMessage") == []
        good = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        assert (await client.post("/tg/webhook", json=update, headers=good)).status_code == 200
        assert (await client.post("/tg/webhook", json=update, headers=good)).status_code == 200
    assert len(fake_tg.calls_to("sendMessage", chat_id=7001)) == 1  # the redelivery ran nothing
    bot = app.state.telegram_bot
    await bot.session.close()
