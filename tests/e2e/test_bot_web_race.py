"""One person checks in at one event through both doors at the same moment — the bot's
deep link on one instance, the web's one-tap form on another — and is counted once, on
SQLite and on PostgreSQL: the database, not luck, keeps the count."""

from __future__ import annotations

import asyncio
import json

import httpx
from aiogram import Bot

from bot.dispatcher import build_dispatcher
from bot.runner import handle_webhook_update
from campaigns import catalog, people, totals
from campaigns.core import Core
from campaigns.results import Role
from campaigns.settings import Settings
from tests import factories
from tests.bot.conftest import (  # noqa: F401 - fixtures
    WEBHOOK_SECRET,
    bot,
    bot_settings,
    both_backends,
    fake_tg,
    other_core,
)
from tests.e2e.fake_telegram import FakeTelegram, tg_user
from tests.web.conftest import app, client, get, post_form  # noqa: F401

USER = tg_user(951, language_code="zh-hans")
ROUNDS = 6


db_url = both_backends


async def test_bot_and_web_at_the_same_moment_count_once(
    core: Core,
    *,
    other_core: Core,  # noqa: F811
    bot: Bot,  # noqa: F811
    bot_settings: Settings,  # noqa: F811
    fake_tg: FakeTelegram,  # noqa: F811
    client: httpx.AsyncClient,  # noqa: F811
) -> None:
    unit = await factories.unit(core)
    person = await factories.person(core, unit, telegram_id=USER["id"], role=Role.VOLUNTEER)
    token = await people.issue_login_token(core, person_id=person.id, now=factories.NOW)
    link_page = await get(client, f"/signin/link/{token}")
    signed_in = await post_form(client, "/signin/link", {"token": token}, from_page=link_page)
    assert signed_in.status_code == 200  # the web knows this phone as the same person
    dp = build_dispatcher(other_core, bot_settings, clock=lambda: factories.NOW)

    for _ in range(ROUNDS):
        event = await factories.event(core)
        page = await get(client, f"/e/{event.code}")  # the known phone's one-tap page
        update = fake_tg.make_update(fake_tg.message_update(USER, f"/start e_{event.code}"))
        status, web = await asyncio.gather(
            handle_webhook_update(
                dp,
                bot,
                secret_header=WEBHOOK_SECRET,
                expected_secret=WEBHOOK_SECRET,
                payload=json.dumps(update).encode(),
            ),
            post_form(client, f"/e/{event.code}", {}, from_page=page),
        )
        assert status == 200 and web.status_code in (200, 409)
        assert (await catalog.get_event(core, code=event.code)).checked_in == 1
        answer = fake_tg.calls_to("sendMessage")[-1].text
        assert answer.startswith("✅") and "签到" in answer  # checked in, or already was

    facts = await totals.history(core, person_id=person.id)
    assert len(facts) == ROUNDS
    assert (await totals.progress(core, year=2023)).totals.person_times == ROUNDS
    assert (await totals.reconcile(core, now=factories.NOW)).ok
