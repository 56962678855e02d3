"""The fake Bot API behaves like Telegram where the bot's correctness depends on it — and
the bot copes: every call is recorded (getUpdates too), an edit answers with the edited
message, a callback query takes one answer, an edit that changes nothing is refused as
"message is not modified"."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from bot.dispatcher import build_dispatcher
from bot.runner import handle_webhook_update
from campaigns.core import Core
from campaigns.settings import Settings
from tests import factories
from tests.bot.conftest import WEBHOOK_SECRET
from tests.e2e.fake_telegram import FakeTelegram, polling_bot, tg_user

USER = tg_user(961, language_code="en")


async def test_get_updates_calls_are_recorded(core: Core, settings: Settings) -> None:
    async with polling_bot(core, settings, clock=lambda: factories.NOW) as (tg, _, _):
        await tg.reply_to(USER, "/help")
        poll = next(c for c in tg.calls_to("getUpdates") if c.params.get("_result"))
        assert poll.params["_result"][0]["message"]["text"] == "/help"
        assert int(poll.params["timeout"]) == 1  # the long poll, as the bot asked for it


async def test_an_edit_answers_with_the_same_message(bot: Bot, fake_tg: FakeTelegram) -> None:
    sent = await bot.send_message(chat_id=42, text="one")
    edited = await bot.edit_message_text(chat_id=42, message_id=sent.message_id, text="two")
    assert not isinstance(edited, bool)
    assert edited.message_id == sent.message_id and edited.text == "two"


async def test_refused_edits_and_answers_are_survived_by_the_bot(
    bot: Bot, fake_tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    """The fake refuses as Telegram does; the bot's session logs the refusal and goes on:
    an edit that changes nothing is done, an edit of a vanished message is sent anew, a
    second callback answer is too late and nothing more."""
    sent = await bot.send_message(chat_id=42, text="two")
    with caplog.at_level(logging.INFO, logger="bot.middlewares"):
        same = await bot.edit_message_text(chat_id=42, message_id=sent.message_id, text="two")
        gone = await bot.edit_message_text(chat_id=42, message_id=sent.message_id + 99, text="x")
        assert await bot.answer_callback_query("cb-1")
        assert await bot.answer_callback_query("cb-1")
    assert same is True
    assert not isinstance(gone, bool) and gone.text == "x"  # a new message carries the text
    refused = [c for c in fake_tg.calls_to("editMessageText") if "_result" not in c.params]
    assert len(refused) == 2  # both edits were refused by the fake, as Telegram would
    (resent,) = fake_tg.calls_to("sendMessage")[1:]
    assert resent.text == "x" and resent.chat_id == 42
    answers = fake_tg.calls_to("answerCallbackQuery")
    assert ["_result" in a.params for a in answers] == [True, False]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "changed nothing" in logged and "sent as a new message" in logged
    assert "query is too old" in logged


async def test_other_refusals_still_raise(bot: Bot, fake_tg: FakeTelegram) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(chat_id=42, text="")


async def test_the_bot_takes_a_double_tap_that_changes_nothing_in_its_stride(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    """Turning to the unit list's page 2 twice: the second edit changes nothing."""
    for n in range(12):  # more than one page of units
        await factories.unit(core, name=f"渠县单位{n:02d}")
    dp = build_dispatcher(core, bot_settings, clock=lambda: factories.NOW)

    async def deliver(update: dict[str, Any]) -> int:
        return await handle_webhook_update(
            dp,
            bot,
            secret_header=WEBHOOK_SECRET,
            expected_secret=WEBHOOK_SECRET,
            payload=fake_tg.make_update(update),
        )

    await deliver(fake_tg.message_update(USER, "/start"))
    await deliver(fake_tg.message_update(USER, "Wang"))
    units = fake_tg.calls_to("sendMessage")[-1]
    assert await deliver(fake_tg.callback_update(USER, units, "▶")) == 200
    page_two = fake_tg.calls_to("editMessageReplyMarkup")[-1]
    assert page_two.params["_result"]["message_id"] == units.params["_result"]["message_id"]
    mark = len(fake_tg.calls)
    assert await deliver(fake_tg.callback_update(USER, units, "▶")) == 200  # handled, not 500
    (refused_edit,) = [c for c in fake_tg.calls[mark:] if c.method == "editmessagereplymarkup"]
    assert "_result" not in refused_edit.params  # Telegram said "not modified"
    later = [c for c in fake_tg.calls[mark:] if c.method == "sendmessage"]
    assert later == []  # no "something went wrong"
    answers = [c for c in fake_tg.calls[mark:] if c.method == "answercallbackquery"]
    assert answers and "_result" in answers[0].params  # the spinner stopped
