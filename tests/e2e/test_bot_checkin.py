"""End to end: the real polling loop against the fake Bot API — the poster's deep link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from campaigns import catalog, checkin, people, totals
from campaigns.core import Core
from campaigns.results import Channel
from campaigns.settings import Settings
from tests import factories
from tests.e2e.fake_telegram import FakeTelegram, tg_user


@pytest.fixture
async def unit(core: Core) -> Any:
    return await factories.unit(core, name="渠县教育局")


async def test_deep_link_registers_then_checks_in(core: Core, tg: FakeTelegram, unit: Any) -> None:
    event = await factories.event(core)
    user = tg_user(501, language_code="zh-hans")

    (ask_name,) = await tg.reply_to(user, f"/start e_{event.code}")
    assert "姓名" in ask_name.text
    (ask_unit,) = await tg.reply_to(user, "王小明")
    assert "单位" in ask_unit.text
    (found,) = await tg.reply_to(user, "教育")
    assert any(b["text"] == "渠县教育局" for b in found.buttons)

    mark = len(tg.calls)
    await tg.press(user, found, "渠县教育局")
    (answer,) = await tg.wait_for("sendMessage", chat_id=501, after=mark)
    assert "已签到" in answer.text and "低碳日宣传活动" in answer.text
    assert "+10" in answer.text

    person = await people.find_by_telegram(core, 501)
    assert person is not None and person.display_name == "王小明" and person.unit_id == unit.id
    assert person.language == "zh"
    assert (await catalog.get_event(core, code=event.code)).checked_in == 1

    (again,) = await tg.reply_to(user, f"/start e_{event.code}")
    assert "10:00" in again.text  # 02:00 UTC is 10:00 in Asia/Shanghai
    assert (await catalog.get_event(core, code=event.code)).checked_in == 1


async def test_english_speaker_gets_english(core: Core, tg: FakeTelegram, unit: Any) -> None:
    event = await factories.event(core)
    alice = await factories.person(core, unit, telegram_id=502, name="Alice")
    await people.set_language(core, person_id=alice.id, language="en")
    user = tg_user(502, language_code="en")
    (answer,) = await tg.reply_to(user, f"/start e_{event.code}")
    assert "Checked in" in answer.text and "Low-carbon day booth" in answer.text


async def test_unknown_code_is_refused_in_plain_words(
    core: Core, tg: FakeTelegram, unit: Any
) -> None:
    person = await factories.person(core, unit, telegram_id=503)
    user = tg_user(503, language_code="en")
    await people.set_language(core, person_id=person.id, language="en")
    (answer,) = await tg.reply_to(user, "/start e_nosuchcode")
    assert "don't know this event code" in answer.text
    assert await totals.history(core, person_id=person.id) == []


async def test_bot_and_web_count_once(core: Core, tg: FakeTelegram, unit: Any) -> None:
    event = await factories.event(core)
    person = await factories.person(core, unit, telegram_id=504)
    first = await checkin.check_in(
        core, code=event.code, person_id=person.id, now=factories.NOW, channel=Channel.WEB
    )
    before = await totals.progress(core, year=2023)
    (answer,) = await tg.reply_to(tg_user(504), f"/start e_{event.code}")
    assert answer.text.startswith("✅") and "已于 10:00 签到" in answer.text
    assert (await catalog.get_event(core, code=event.code)).checked_in == 1
    after = await totals.progress(core, year=2023)
    assert after.totals == before.totals
    assert len(await totals.history(core, person_id=person.id)) == 1
    assert first.fact.channel == Channel.WEB


@pytest.mark.parametrize("case", ["unknown", "closed"])
async def test_new_person_from_a_refused_poster_registers_then_hears_why(
    core: Core, tg: FakeTelegram, unit: Any, case: str
) -> None:
    if case == "unknown":
        code, words = "nosuchcode", "We don't know this event code"
    else:
        hour = timedelta(hours=1)
        closed = await factories.event(
            core, opens=factories.NOW - 5 * hour, closes=factories.NOW - hour
        )
        code, words = closed.code, "Check-in for this event closed at 9:00\u202fAM"  # CLDR
    user = tg_user(505, language_code="en")
    await tg.reply_to(user, f"/start e_{code}")
    (ask_unit,) = await tg.reply_to(user, "Wang")
    mark = len(tg.calls)
    await tg.press(user, ask_unit, unit.name_en)
    (registered,) = await tg.wait_for("editMessageText", chat_id=505, after=mark)
    assert "Registered: Wang" in registered.text
    (refusal,) = await tg.wait_for("sendMessage", chat_id=505, after=mark)
    assert words in refusal.text
    answers = [c for c in tg.calls[mark:] if c.method == "answercallbackquery"]
    assert [a.params.get("_failed") for a in answers] == [None]  # answered once, as Telegram wants
    person = await people.find_by_telegram(core, 505)
    assert person is not None and await totals.history(core, person_id=person.id) == []


@pytest.mark.parametrize(
    "typed",
    [
        "{code}",
        "{code_upper}",
        "e_{code}",
        "{public}/e/{code}",
        "https://t.me/GreenTallyBot?start=e_{code}",
    ],
)
async def test_checkin_takes_the_code_in_every_form_a_poster_shows(
    core: Core, tg: FakeTelegram, unit: Any, settings: Settings, typed: str
) -> None:
    event = await factories.event(core)
    person = await factories.person(core, unit, telegram_id=506)
    await tg.reply_to(tg_user(506), "/checkin")
    text = typed.format(code=event.code, code_upper=event.code.upper(), public=settings.public_url)
    (answer,) = await tg.reply_to(tg_user(506), text)
    assert answer.text.startswith("✅ 已签到：低碳日宣传活动")
    assert len(await totals.history(core, person_id=person.id)) == 1
