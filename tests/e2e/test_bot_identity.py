"""End to end through the bot: a roster person registering in Telegram is found on the
staff list (one person with their web self), and /link carries an identity between doors."""

from __future__ import annotations

from typing import Any

import pytest

from campaigns import catalog, checkin, joining, people, rosters
from campaigns.core import Core
from campaigns.results import Channel
from tests import factories
from tests.e2e.fake_telegram import FakeTelegram, tg_user


@pytest.fixture
async def unit(core: Core) -> Any:
    unit = await factories.unit(core, name="渠县教育局")
    staff = f"unit_code,name,staff_no,phone_last4\n{unit.code},张三,A1001,6789\n"
    report = await rosters.import_roster(
        core, actor_id=None, data=staff.encode(), now=factories.NOW
    )
    assert report.ok, report.errors
    return unit


async def _register_until_asked(tg: FakeTelegram, user: dict[str, Any], start: str) -> None:
    await tg.reply_to(user, start)
    await tg.reply_to(user, "张 三")  # spaces and all: the roster's 张三
    (found,) = await tg.reply_to(user, "教育")
    mark = len(tg.calls)
    await tg.press(user, found, "渠县教育局")
    (ask,) = await tg.wait_for("sendMessage", chat_id=user["id"], after=mark)
    assert "工号" in ask.text and "后四位" in ask.text  # the roster asks who this is


async def test_a_roster_person_on_the_web_and_in_telegram_is_one_person(
    core: Core, tg: FakeTelegram, unit: Any
) -> None:
    event = await factories.event(core)
    web = await joining.join(
        core, name="张三", unit_id=unit.id, verifier="A1001", now=factories.NOW
    )
    await checkin.check_in(
        core, code=event.code, person_id=web.person.id, now=factories.NOW, channel=Channel.WEB
    )
    user = tg_user(601, language_code="zh-hans")
    await _register_until_asked(tg, user, f"/start e_{event.code}")

    (wrong,) = await tg.reply_to(user, "0000")
    assert "不符" in wrong.text or "不匹配" in wrong.text
    assert await people.find_by_telegram(core, 601) is None  # nothing bound, nothing made

    answers = await tg.reply_to(user, "6789", count=2)
    assert "已在职工名单中找到您：张三" in answers[0].text
    assert "已于" in answers[1].text  # already checked in on the web: one count
    bound = await people.find_by_telegram(core, 601)
    assert bound is not None and bound.id == web.person.id
    assert (await catalog.get_event(core, code=event.code)).checked_in == 1


async def test_five_wrong_answers_lock_the_row_and_ends_the_flow(
    core: Core, tg: FakeTelegram, unit: Any
) -> None:
    user = tg_user(602, language_code="en")
    await _register_until_asked_en(tg, user)
    for _ in range(5):
        (again,) = await tg.reply_to(user, "1111")
        assert "does not match" in again.text
    (locked,) = await tg.reply_to(user, "6789")  # even the right one waits it out now
    assert "Too many wrong answers" in locked.text
    (after,) = await tg.reply_to(user, "6789")  # the flow ended: no verifier is read now
    assert "did not understand" in after.text
    assert await people.find_by_telegram(core, 602) is None


async def _register_until_asked_en(tg: FakeTelegram, user: dict[str, Any]) -> None:
    await tg.reply_to(user, "/start")
    await tg.reply_to(user, "张三")
    (found,) = await tg.reply_to(user, "教育")
    mark = len(tg.calls)
    await tg.press(user, found, found.buttons[0]["text"])  # the unit, in English
    (ask,) = await tg.wait_for("sendMessage", chat_id=user["id"], after=mark)
    assert "staff number" in ask.text


async def test_link_makes_the_telegram_account_the_web_person(
    core: Core, tg: FakeTelegram, unit: Any
) -> None:
    web = await factories.person(core, unit, name="李四")
    made = await joining.issue_link_code(core, person_id=web.id, now=factories.NOW)
    user = tg_user(603, language_code="zh-hans")
    (bad,) = await tg.reply_to(user, "/link ZZZZZZ")
    assert "关联码有误" in bad.text
    assert await people.find_by_telegram(core, 603) is None
    (linked,) = await tg.reply_to(user, f"/link {made.code}")
    assert "已关联" in linked.text and "李四" in linked.text
    found = await people.find_by_telegram(core, 603)
    assert found is not None and found.id == web.id
    # The same /link again from the same account (Telegram redelivers an update whose
    # answer was lost): the first answer, not "code used".
    (again,) = await tg.reply_to(user, f"/link {made.code}")
    assert again.text == linked.text
    (used,) = await tg.reply_to(tg_user(604), f"/link {made.code}")  # one use only
    assert await people.find_by_telegram(core, 604) is None
    assert used.text == bad.text


async def test_link_alone_gives_a_registered_person_a_code_for_a_browser(
    core: Core, tg: FakeTelegram, unit: Any
) -> None:
    person = await factories.person(core, unit, telegram_id=605, name="王五")
    (answer,) = await tg.reply_to(tg_user(605), "/link")
    assert "/link?c=" in answer.text
    code = answer.text.rsplit("：", 1)[-1].strip()
    browser = await joining.redeem_link_code(core, code=code, now=factories.NOW)
    assert browser.id == person.id
    (stranger,) = await tg.reply_to(tg_user(606), "/link")
    assert "/link" in stranger.text and "/link?c=" not in stranger.text
