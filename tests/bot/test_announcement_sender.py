"""The Telegram side of an announcement, through the fake Bot API: each member gets it
once, one who blocked the bot is recorded as not reached, and sending again sends nothing."""

from __future__ import annotations

from aiogram import Bot

from bot import outbox as telegram_outbox
from campaigns import announcements
from campaigns.core import Core
from tests import factories as f
from tests.e2e.fake_telegram import FakeTelegram

BODY = "7月12日全国低碳日：上午九点人民广场启动仪式，请扫码签到。"


async def test_an_announcement_reaches_each_telegram_member_once(
    core: Core, bot: Bot, fake_tg: FakeTelegram
) -> None:
    unit = await f.unit(core)
    chats = [777001, 777002, 777003]
    people = [(await f.person(core, unit, telegram_id=chat)).id for chat in chats]
    sent = await announcements.announce(
        core, actor_id=None, body=BODY, unit_ids=[unit.id], now=f.NOW, corp_id=None
    )
    # The first member blocked the bot: Telegram answers 403 for them.
    fake_tg.fail_next(
        "sendMessage", status=403, description="Forbidden: bot was blocked by the user"
    )
    assert await telegram_outbox.send_waiting(core, bot, now=f.NOW) == 2
    assert await telegram_outbox.send_waiting(core, bot, now=f.NOW) == 0  # nobody twice
    delivered = [c for c in fake_tg.calls_to("sendMessage") if c.params.get("text") == BODY]
    assert sorted(int(c.params["chat_id"]) for c in delivered) == chats  # each tried once
    reach = {r.person_id: r.state for r in await announcements.reached(core, sent.id)}
    assert reach == dict(zip(people, ["failed", "sent", "sent"], strict=True))
    assert (await announcements.progress(core, sent.id)).failed == 1
