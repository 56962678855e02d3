"""A logged fact's photo survives a failed answer: Telegram redelivers the update (the
webhook answered 500), the core replays the action by its idempotency key, and the photo the
fact points at is still there, with no second copy beside it; nor does leaving the flow
afterwards delete it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher

from bot.dispatcher import build_dispatcher
from campaigns import evidence, totals
from campaigns.core import Core
from campaigns.results import FactView, PersonView, Role
from campaigns.settings import Settings
from tests import factories
from tests.bot.conftest import deliver
from tests.bot.images import jpeg_with_gps, stored_photos
from tests.e2e.fake_telegram import FakeTelegram, tg_user

USER = tg_user(932, language_code="zh")


class Chat:
    """One person talking to one webhook instance; the answers fail when told to."""

    def __init__(self, core: Core, bot: Bot, dp: Dispatcher, fake_tg: FakeTelegram) -> None:
        self.core, self.bot, self.dp, self.tg = core, bot, dp, fake_tg

    def photo_update(self, caption: str | None = None) -> bytes:
        file_id = self.tg.add_file(jpeg_with_gps((640, 480)), suffix="jpg")
        size = {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 640, "height": 480}
        extra: dict[str, Any] = {"photo": [{**size, "file_size": 1000}]}
        if caption:
            extra["caption"] = caption
        update = self.tg.make_update(self.tg.message_update(USER, None, **extra))
        return json.dumps(update).encode()  # the same bytes at every delivery

    def text_update(self, text: str) -> bytes:
        update = self.tg.make_update(self.tg.message_update(USER, text))
        return json.dumps(update).encode()

    async def deliver(self, update: bytes, *, answers_fail: bool = False) -> int:
        if answers_fail:  # Telegram in trouble: the answer fails (and no apology is tried)
            self.tg.fail_next("sendMessage", status=500)
        return await deliver(self.dp, self.bot, update)

    async def say(self, text: str) -> None:
        assert await self.deliver(self.text_update(text)) == 200

    async def open_headcount(self, code: str) -> None:
        await self.say("/volunteer")
        menu = self.tg.calls_to("sendMessage")[-1]
        update = self.tg.make_update(self.tg.callback_update(USER, menu, "摊位人数"))
        assert await deliver(self.dp, self.bot, update) == 200
        await self.say(code)


@pytest.fixture
async def volunteer(core: Core) -> PersonView:
    unit = await factories.unit(core)
    return await factories.person(core, unit, telegram_id=USER["id"], role=Role.VOLUNTEER)


@pytest.fixture
def chat(core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram) -> Chat:
    dp = build_dispatcher(core, bot_settings, clock=lambda: factories.NOW)
    return Chat(core, bot, dp, fake_tg)


async def the_one_fact(core: Core, person: PersonView, evidence_dir: Path) -> FactView:
    """The one fact logged, whose photo is the only one stored."""
    (fact,) = await totals.history(core, person_id=person.id)
    assert fact.evidence_path is not None and fact.headcount == 12
    assert stored_photos(evidence_dir) == [evidence_dir / fact.evidence_path]
    return fact


async def test_a_redelivered_photo_with_its_answer_keeps_the_facts_photo(
    core: Core, chat: Chat, volunteer: PersonView, settings: Settings
) -> None:
    evidence_dir = evidence.folder(settings.data_dir)
    event = await factories.event(core, capacity=100)
    await chat.open_headcount(event.code)
    update = chat.photo_update(caption="12")  # the photo, its caption the number
    assert await chat.deliver(update, answers_fail=True) == 500  # logged; the answer lost
    first = await the_one_fact(core, volunteer, evidence_dir)

    assert await chat.deliver(update) == 200  # Telegram delivers it again
    answer = chat.tg.calls_to("sendMessage")[-1].text
    assert "人数已登记" in answer and "此前已记录过" not in answer  # heard as the first time
    assert await the_one_fact(core, volunteer, evidence_dir) == first


@pytest.mark.parametrize("then", ["/cancel", "/volunteer", "photo"])
async def test_leaving_the_flow_after_a_lost_answer_keeps_the_facts_photo(
    core: Core, chat: Chat, volunteer: PersonView, settings: Settings, then: str
) -> None:
    evidence_dir = evidence.folder(settings.data_dir)
    event = await factories.event(core, capacity=100)
    await chat.open_headcount(event.code)
    assert await chat.deliver(chat.photo_update()) == 200  # the photo first, then the number
    number = chat.text_update("12")
    for _ in range(5):  # Telegram gives up on an update that keeps failing
        assert await chat.deliver(number, answers_fail=True) == 500
    fact = await the_one_fact(core, volunteer, evidence_dir)

    # The flow never heard it was logged; whatever the person does next keeps its photo.
    if then == "photo":  # another photo, taken as the flow's photo instead
        assert await chat.deliver(chat.photo_update()) == 200
        assert (evidence_dir / fact.evidence_path).is_file()  # type: ignore[operator]
        await chat.say("/cancel")  # and that one is dropped with the flow
    else:
        await chat.say(then)
    assert await the_one_fact(core, volunteer, evidence_dir) == fact
