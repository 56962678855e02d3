"""End to end, through the webhook (the real web app's route, the fake pushing and
pushing again after a failure, as Telegram does) and through long polling (bot.polling):
updates in the exact shape Telegram sends them, delivered again, failing, from groups and
from no one. Each test runs through both doors."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest

from campaigns import catalog, people, totals, updates
from campaigns.core import Core
from campaigns.results import UnitView
from campaigns.settings import Settings
from tests import factories
from tests.e2e.fake_telegram import BOT_USERNAME, FakeTelegram, polling_bot, tg_user, webhook_bot

ZH = tg_user(1201, language_code="zh-hans")
GROUP_ID = -1001234567890
GROUP = {"id": GROUP_ID, "type": "supergroup", "title": "渠县环保局工作群"}


@pytest.fixture(params=["webhook", "polling"])
async def tg(request: pytest.FixtureRequest, core: Core, settings: Settings) -> AsyncIterator[Any]:
    serve = webhook_bot if request.param == "webhook" else polling_bot
    async with serve(core, settings, clock=lambda: factories.NOW) as (server, _, _):
        yield server


@pytest.fixture
async def unit(core: Core) -> UnitView:
    return await factories.unit(core, name="渠县环保局")


def group_message(tg: FakeTelegram, user: dict[str, Any] | None, text: str) -> dict[str, Any]:
    """A message in the group, its command marked as Telegram marks it."""
    extra: dict[str, Any] = {}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    elif text.startswith("@"):
        extra["entities"] = [
            {"type": "mention", "offset": 0, "length": len(text.split(maxsplit=1)[0])}
        ]
    return tg.message_update(user, text, chat=dict(GROUP), **extra)


async def test_an_edit_that_fails_once_is_completed_by_the_redelivery(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    """Issue 12, 1: registration from a poster; Telegram fails the edit of the unit
    button's message (500). The update fails and runs again; the second run completes it:
    one person, one check-in, the answer heard, no apology, no stale-button loop."""
    event = await factories.event(core)
    await tg.reply_to(ZH, f"/start e_{event.code}")
    (ask_unit,) = await tg.reply_to(ZH, "王小明")
    tg.fail_next("editMessageText", status=500)
    mark = len(tg.calls)
    tap = await tg.press(ZH, ask_unit, unit.name_zh)
    (answer,) = await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark)
    await tg.wait_taken(tap)
    assert "已签到" in answer.text and "低碳日宣传活动" in answer.text
    edits = [c for c in tg.calls[mark:] if c.method == "editmessagetext"]
    assert [e.params.get("_failed") for e in edits] == [500, None]  # failed once, then done
    said = [c.text for c in tg.calls[mark:] if c.method == "sendmessage"]
    assert not any("出了点问题" in text for text in said)  # no apology: nothing was wrong here
    assert not any("已失效" in text for text in said)  # the redelivery was not a stale button
    if tg.webhook:
        assert tg.delivered(tap) == [500, 200]  # Telegram was told to deliver it again
    person = await people.find_by_telegram(core, ZH["id"], cached=False)
    assert person is not None and person.display_name == "王小明"
    assert len(await totals.history(core, person_id=person.id)) == 1
    assert (await catalog.get_event(core, code=event.code)).checked_in == 1
    await updates.flush(core)
    assert await updates.already_processed(core, tap)


async def test_an_edit_of_a_vanished_message_is_sent_anew(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    """Telegram: "message to edit not found" (the person deleted it). Survived at once,
    never a 500: the registration's words go out as a new message, the check-in follows."""
    event = await factories.event(core)
    await tg.reply_to(ZH, f"/start e_{event.code}")
    (ask_unit,) = await tg.reply_to(ZH, "王小明")
    tg.fail_next(
        "editMessageText", status=400, description="Bad Request: message to edit not found"
    )
    mark = len(tg.calls)
    tap = await tg.press(ZH, ask_unit, unit.name_zh)
    registered, checked_in = await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark, count=2)
    await tg.wait_taken(tap)
    assert "登记成功：王小明" in registered.text and "已签到" in checked_in.text
    if tg.webhook:
        assert tg.delivered(tap) == [200]
    person = await people.find_by_telegram(core, ZH["id"], cached=False)
    assert person is not None and len(await totals.history(core, person_id=person.id)) == 1


async def test_a_redelivered_update_is_answered_once(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    """The same update twice, close together (the webhook: two deliveries at once;
    polling: twice in one getUpdates batch): handled once, one answer, one fact."""
    person = await factories.person(core, unit, telegram_id=ZH["id"])
    event = await factories.event(core)
    update = tg.make_update(tg.message_update(ZH, f"/start e_{event.code}"))
    mark = len(tg.calls)
    if tg.webhook:
        await tg.push_update(update)
        await tg.push_update(copy.deepcopy(update))
    else:
        await tg.push_batch([update, copy.deepcopy(update)])
    await tg.wait_taken(update["update_id"])
    if tg.webhook:
        await tg.wait_delivered(update["update_id"], count=2)
        assert tg.delivered(update["update_id"]) == [200, 200]
    else:
        polls = [c.params.get("_result") or [] for c in tg.calls_to("getUpdates")]
        assert [len(batch) for batch in polls if batch][0] == 2  # both copies in one batch
    (answer,) = [c for c in tg.calls[mark:] if c.method == "sendmessage"]
    assert "已签到" in answer.text
    assert len(await totals.history(core, person_id=person.id)) == 1


async def test_a_group_start_gets_one_polite_answer_and_the_group_is_not_read(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    """Issue 12, 4: in a supergroup the bot answers the command once, with a button to a
    private chat (the poster's code carried along); then "大家好，今天下午开会" is people
    talking: no answer, no registration, no fact; /trip there gets the pointer again."""
    event = await factories.event(core)
    mark = len(tg.calls)
    start = await tg.push_update(group_message(tg, ZH, f"/start@{BOT_USERNAME} e_{event.code}"))
    (polite,) = await tg.wait_for("sendMessage", chat_id=GROUP_ID, after=mark)
    await tg.wait_taken(start)
    assert "私聊" in polite.text
    button = polite.button("私聊")
    assert button["url"] == f"https://t.me/{BOT_USERNAME}?start=e_{event.code}"
    assert (
        polite.params["reply_parameters"]["message_id"] == tg.pushed[start]["message"]["message_id"]
    )
    assert "keyboard" not in (polite.params.get("reply_markup") or {})  # no menu for everyone

    mark = len(tg.calls)
    chatter = await tg.push_update(group_message(tg, ZH, "大家好，今天下午开会"))
    other_bot = await tg.push_update(group_message(tg, ZH, "/start@SomeOtherBot"))
    await tg.wait_taken(chatter)
    await tg.wait_taken(other_bot)
    assert [c for c in tg.calls[mark:] if c.method not in ("getupdates",)] == []
    assert await people.find_by_telegram(core, ZH["id"], cached=False) is None
    assert (await catalog.get_event(core, code=event.code)).checked_in == 0

    mark = len(tg.calls)
    mention = await tg.push_update(group_message(tg, ZH, f"@{BOT_USERNAME} 怎么用？"))
    (again,) = await tg.wait_for("sendMessage", chat_id=GROUP_ID, after=mark)
    await tg.wait_taken(mention)
    assert again.button("私聊")["url"] == f"https://t.me/{BOT_USERNAME}"

    # The private chat never began a registration from the group: a name is not taken.
    (private,) = await tg.reply_to(ZH, "王小明")
    assert "没有理解" in private.text
    assert await people.find_by_telegram(core, ZH["id"], cached=False) is None


async def test_a_message_without_a_sender_is_ignored(
    core: Core, tg: FakeTelegram, unit: UnitView, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 12, 3: an anonymous group admin's `/start@bot` comes without `from`: 200 (or
    confirmed), nothing sent, a log line, no TypeError and no apology on every retry."""
    with caplog.at_level("INFO", logger="bot.delivery"):
        mark = len(tg.calls)
        update_id = await tg.push_update(group_message(tg, None, f"/start@{BOT_USERNAME}"))
        await tg.wait_taken(update_id)
    if tg.webhook:
        assert tg.delivered(update_id) == [200]
    assert [c for c in tg.calls[mark:] if c.method != "getupdates"] == []
    logged = [r.getMessage() for r in caplog.records]
    assert any(f"Update {update_id}" in line and "no sender" in line for line in logged)
