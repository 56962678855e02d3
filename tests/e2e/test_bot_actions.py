"""End to end through the real polling loop: trips, plates, volunteer entries, /me's QR,
wrong input answered in plain words with nothing written — in zh and en."""

from __future__ import annotations

from typing import Any

import pytest

from campaigns import catalog, evidence, people, qr, totals
from campaigns.core import Core
from campaigns.results import FactKind, PersonView, Role, UnitView
from campaigns.settings import Settings
from tests import factories
from tests.bot.images import assert_clean, jpeg_with_gps
from tests.e2e.fake_telegram import FakeTelegram, tg_user

ZH = tg_user(601, language_code="zh-hans")
EN = tg_user(602, language_code="en")
VOLUNTEER = tg_user(603, language_code="zh-hans")


@pytest.fixture
async def unit(core: Core) -> UnitView:
    return await factories.unit(core, name="渠县卫健局")


@pytest.fixture
async def zh_person(core: Core, unit: UnitView) -> PersonView:
    return await factories.person(core, unit, telegram_id=ZH["id"], name="张三")


@pytest.fixture
async def en_person(core: Core, unit: UnitView) -> PersonView:
    person = await factories.person(core, unit, telegram_id=EN["id"], name="Alice")
    return await people.set_language(core, person_id=person.id, language="en")


async def facts(core: Core, person: PersonView) -> list[Any]:
    return await totals.history(core, person_id=person.id)


async def test_green_trip_through_the_fsm_zh(
    core: Core, tg: FakeTelegram, zh_person: PersonView, settings: Settings
) -> None:
    (modes,) = await tg.reply_to(ZH, "/trip")
    assert "出行" in modes.text
    (ask_km,) = await tg.tap(ZH, modes, "骑行", method="editMessageText")
    assert "公里" in ask_km.text

    (not_a_number,) = await tg.reply_to(ZH, "很远")
    assert "请以数字输入公里数" in not_a_number.text
    assert await facts(core, zh_person) == []

    (confirm,) = await tg.reply_to(ZH, "3,5 公里")
    assert "3.5" in confirm.text and "确认" in confirm.button("确认")["text"]

    mark = len(tg.calls)
    await tg.send_photo(ZH, jpeg_with_gps())
    (attached,) = await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark)
    assert "照片已附上" in attached.text

    (done,) = await tg.tap(ZH, attached, "确认", method="editMessageText")
    assert "绿色出行已记录" in done.text and "3.5" in done.text and "+5" in done.text
    (trip,) = await facts(core, zh_person)
    assert trip.kind is FactKind.TRIP and trip.mode == "bike" and trip.quantity == 3.5
    assert trip.channel == "bot" and trip.evidence_path
    # Where the web keeps photos (relative to the evidence folder), cleaned the same way.
    assert_clean(evidence.folder(settings.data_dir) / trip.evidence_path)


async def test_implausible_walk_refused_where_it_is_typed_then_corrected_en(
    core: Core, tg: FakeTelegram, en_person: PersonView
) -> None:
    (modes,) = await tg.reply_to(EN, "/trip")
    (ask_km,) = await tg.tap(EN, modes, "Walk", method="editMessageText")
    assert "at most 20 km" in ask_km.text  # the step says what it takes
    (refusal,) = await tg.reply_to(EN, "500")  # refused at once, not echoed as a summary
    assert "500 km is more than we can accept" in refusal.text
    assert "Type the distance again" in refusal.text
    assert [b["text"] for b in refusal.buttons] == ["✖ Cancel"]  # nothing to confirm
    assert await facts(core, en_person) == []

    # The flow is still at "how many km": a plausible distance goes through.
    (confirm,) = await tg.reply_to(EN, "0.8")
    assert "0.8 km by walking" in confirm.text
    (done,) = await tg.tap(EN, confirm, "Confirm", method="editMessageText")
    assert "Green trip logged: 0.8 km by walking" in done.text
    assert "fits the “135” advice" in done.text
    assert len(await facts(core, en_person)) == 1


async def test_a_distance_typed_at_confirm_corrects_it_and_the_old_button_is_replaced(
    core: Core, tg: FakeTelegram, en_person: PersonView
) -> None:
    (modes,) = await tg.reply_to(EN, "/trip")
    await tg.tap(EN, modes, "Bike", method="editMessageText")
    (first,) = await tg.reply_to(EN, "70")  # over the bike's 60 km: refused where typed
    assert "at most 60 km" in first.text
    (summary,) = await tg.reply_to(EN, "13")
    (corrected,) = await tg.reply_to(EN, "3.5")  # at the confirm step: a correction
    assert "3.5 km by cycling" in corrected.text and corrected.button("Confirm")
    (too_far,) = await tg.reply_to(EN, "99")  # a correction is checked as well
    assert "99 km is more than we can accept" in too_far.text

    # The first summary's Confirm belongs to an entry that was replaced: it logs nothing.
    mark = len(tg.calls)
    await tg.press(EN, summary, "Confirm")
    (answer,) = await tg.wait_for("answerCallbackQuery", chat_id=None, after=mark)
    assert answer.params["text"].startswith("This entry was replaced by a newer one")
    assert answer.params.get("show_alert") in (True, "true")
    assert await facts(core, en_person) == []

    (done,) = await tg.tap(EN, corrected, "Confirm", method="editMessageText")
    assert "Green trip logged: 3.5 km by cycling" in done.text
    (trip,) = await facts(core, en_person)
    assert trip.quantity == 3.5
    # The flow is over: the old button now says so, and still logs nothing.
    mark = len(tg.calls)
    await tg.press(EN, summary, "Confirm")
    (late,) = await tg.wait_for("answerCallbackQuery", chat_id=None, after=mark)
    assert "expired" in late.params["text"]
    assert len(await facts(core, en_person)) == 1


async def test_a_confirm_button_of_an_earlier_trip_flow_logs_nothing(
    core: Core, tg: FakeTelegram, zh_person: PersonView
) -> None:
    (modes,) = await tg.reply_to(ZH, "/trip")
    await tg.tap(ZH, modes, "骑行", method="editMessageText")
    (old,) = await tg.reply_to(ZH, "5")
    (modes,) = await tg.reply_to(ZH, "/trip")  # a new trip, left at its first step
    mark = len(tg.calls)
    await tg.press(ZH, old, "确认")
    (answer,) = await tg.wait_for("answerCallbackQuery", chat_id=None, after=mark)
    assert answer.params["text"] == "这条记录已被更新的内容取代，请使用最新的消息。"
    assert await facts(core, zh_person) == []


@pytest.mark.parametrize(
    ("enter", "typed", "expects"),
    [
        ([], "骑车", "请点击下方按钮选择出行方式"),  # the mode step takes a button
        (["骑行", "3"], "好的", "点击“✔ 确认”记录本次出行"),  # confirm: a button or a number
    ],
)
async def test_each_trip_step_says_what_it_expects(
    core: Core,
    *,
    tg: FakeTelegram,
    zh_person: PersonView,
    enter: list[str],
    typed: str,
    expects: str,
) -> None:
    (modes,) = await tg.reply_to(ZH, "/trip")
    if enter:
        await tg.tap(ZH, modes, enter[0], method="editMessageText")
        await tg.reply_to(ZH, enter[1])
    (answer,) = await tg.reply_to(ZH, typed)
    assert expects in answer.text and "没有理解" not in answer.text
    assert answer.buttons and answer.buttons[-1]["text"] == "✖ 取消"
    assert await facts(core, zh_person) == []


async def test_plate_and_canteen_steps_say_what_they_expect(
    core: Core, tg: FakeTelegram, zh_person: PersonView
) -> None:
    await tg.reply_to(ZH, "/plate")
    (meal,) = await tg.reply_to(ZH, "吃完了")
    assert "请点击下方您吃光的餐次" in meal.text and meal.button("午餐")
    await tg.reply_to(ZH, "/canteen")
    (result,) = await tg.reply_to(ZH, "还行")
    assert "合格" in result.text and result.button("👍")
    assert await facts(core, zh_person) == []


async def test_clean_plate(core: Core, tg: FakeTelegram, zh_person: PersonView) -> None:
    (meals,) = await tg.reply_to(ZH, "🍽 光盘行动")  # the reply-keyboard entry
    (done,) = await tg.tap(ZH, meals, "午餐", method="editMessageText")
    assert "光盘行动已记录：午餐" in done.text
    (plate,) = await facts(core, zh_person)
    assert plate.kind is FactKind.PLATE and plate.mode == "lunch"


async def test_clean_plate_en(core: Core, tg: FakeTelegram, en_person: PersonView) -> None:
    (meals,) = await tg.reply_to(EN, "/plate")
    (done,) = await tg.tap(EN, meals, "Dinner", method="editMessageText")
    assert "Clean plate logged: Dinner." in done.text


async def test_booth_headcount_by_a_volunteer(core: Core, tg: FakeTelegram, unit: UnitView) -> None:
    volunteer = await factories.person(
        core, unit, telegram_id=VOLUNTEER["id"], role=Role.VOLUNTEER, name="志愿者李四"
    )
    event = await factories.event(core, capacity=100)
    before = (await totals.progress(core, year=2023)).totals.headcount

    (menu,) = await tg.reply_to(VOLUNTEER, "/volunteer")
    (ask_code,) = await tg.tap(VOLUNTEER, menu, "摊位人数", method="editMessageText")
    assert "活动码" in ask_code.text
    (unknown,) = await tg.reply_to(VOLUNTEER, "nosuchcode")
    assert unknown.text == "未找到该活动码，请核对后重试。"
    (ask_heads,) = await tg.reply_to(VOLUNTEER, event.code.upper())
    assert "低碳日宣传活动" in ask_heads.text
    (too_many,) = await tg.reply_to(VOLUNTEER, "500")  # over the event's capacity
    assert too_many.text == "本活动名额已满（共 100 个）。"
    (half,) = await tg.reply_to(VOLUNTEER, "2.5")  # people come whole: the core refuses
    assert half.text == "请输入大于零的数字。"
    assert (await totals.progress(core, year=2023)).totals.headcount == before
    (done,) = await tg.reply_to(VOLUNTEER, "35")
    assert "人数已登记" in done.text and "35" in done.text
    assert (await totals.progress(core, year=2023)).totals.headcount == before + 35
    (fact,) = await facts(core, volunteer)
    assert fact.kind is FactKind.HEADCOUNT and fact.headcount == 35


async def test_participant_cannot_open_the_volunteer_menu(
    core: Core, tg: FakeTelegram, zh_person: PersonView
) -> None:
    (answer,) = await tg.reply_to(ZH, "/volunteer")
    assert "仅供志愿者" in answer.text and not answer.buttons


async def test_me_sends_a_qr_that_decodes_to_the_token(
    core: Core, tg: FakeTelegram, zh_person: PersonView
) -> None:
    mark = len(tg.calls)
    await tg.send_text(ZH, "/me")
    (photo,) = await tg.wait_for("sendPhoto", chat_id=ZH["id"], after=mark)
    (summary,) = await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark)
    png = photo.files["photo"]
    assert png.startswith(b"\x89PNG")
    assert qr.decode(png) == [zh_person.qr_token]
    assert "张三" in photo.text
    assert "积分：0" in summary.text


async def test_me_uploads_the_qr_once_then_sends_it_by_file_id(
    core: Core, tg: FakeTelegram, zh_person: PersonView
) -> None:
    sent = []
    for _ in range(3):
        mark = len(tg.calls)
        await tg.send_text(ZH, "/me")
        (photo,) = await tg.wait_for("sendPhoto", chat_id=ZH["id"], after=mark)
        await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark)
        sent.append(photo)
    first, *again = sent
    assert first.files["photo"].startswith(b"\x89PNG")  # uploaded once
    file_id = first.params["_result"]["photo"][-1]["file_id"]
    assert [p.params["photo"] for p in again] == [file_id, file_id]  # then by reference
    assert all(not p.files for p in again) and all("张三" in p.text for p in again)

    # Telegram no longer knows the file: uploaded again, and that file_id kept instead.
    tg.files.pop(file_id)
    mark = len(tg.calls)
    await tg.send_text(ZH, "/me")
    refused, uploaded = await tg.wait_for("sendPhoto", chat_id=ZH["id"], after=mark, count=2)
    assert refused.params["photo"] == file_id and "_result" not in refused.params
    png = uploaded.files["photo"]
    assert qr.decode(png) == [zh_person.qr_token]


async def test_unregistered_person_is_asked_to_register(core: Core, tg: FakeTelegram) -> None:
    (answer,) = await tg.reply_to(tg_user(699, language_code="en"), "/trip")
    assert "what is your name" in answer.text
    assert await people.find_by_telegram(core, 699) is None


async def test_service_hours_by_a_volunteer(core: Core, tg: FakeTelegram, unit: UnitView) -> None:
    volunteer = await factories.person(
        core, unit, telegram_id=VOLUNTEER["id"], role=Role.VOLUNTEER, name="志愿者王五"
    )
    (menu,) = await tg.reply_to(VOLUNTEER, "/volunteer")
    (ask,) = await tg.tap(VOLUNTEER, menu, "服务时长", method="editMessageText")
    assert "小时" in ask.text
    (not_a_number,) = await tg.reply_to(VOLUNTEER, "半天")
    assert "请以数字输入小时数" in not_a_number.text
    (too_many,) = await tg.reply_to(VOLUNTEER, "30")
    assert "不能超过 24 小时" in too_many.text
    assert await facts(core, volunteer) == []  # refusals wrote nothing
    (menu,) = await tg.reply_to(VOLUNTEER, "/volunteer")
    await tg.tap(VOLUNTEER, menu, "服务时长", method="editMessageText")
    (done,) = await tg.reply_to(VOLUNTEER, "2.5")
    assert "2.5" in done.text
    assert "已提交审核" in done.text and "积分" in done.text and "+0" not in done.text
    (listing,) = await tg.reply_to(VOLUNTEER, "/me")  # after the QR photo: the history
    assert "待审核" in listing.text
    (fact,) = await facts(core, volunteer)
    assert fact.kind is FactKind.SERVICE and fact.quantity == 2.5
    assert fact.status == "pending" and fact.counted == 0  # self-logged hours wait for approval


async def test_canteen_spot_check_by_a_volunteer(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    await factories.person(
        core, unit, telegram_id=VOLUNTEER["id"], role=Role.VOLUNTEER, name="志愿者赵六"
    )
    await factories.unit(core, name="渠县无食堂局", canteen=False)
    (menu,) = await tg.reply_to(VOLUNTEER, "/volunteer")
    (listed,) = await tg.tap(VOLUNTEER, menu, "食堂抽查", method="editMessageText")
    names = [b["text"] for b in listed.buttons]
    assert "渠县卫健局" in names and "渠县无食堂局" not in names  # canteens only, as the web
    (none,) = await tg.reply_to(VOLUNTEER, "无食堂")
    assert "没有找到与“无食堂”匹配的单位" in none.text
    (pick,) = await tg.reply_to(VOLUNTEER, "卫健")  # a search typed in the chat
    assert "与“卫健”匹配的单位" in pick.text
    (ask,) = await tg.tap(VOLUNTEER, pick, "渠县卫健局", method="editMessageText")
    assert "渠县卫健局" in ask.text
    (done,) = await tg.tap(VOLUNTEER, ask, "合格", method="editMessageText")
    assert "抽查结果已记录" in done.text and "渠县卫健局" in done.text
    assert "+5 积分" in done.text  # the points it earned
    rates = await totals.canteen_rates(core, year=2023)
    assert rates.spot_checked == 1


async def test_canteen_self_evaluation_asks_about_ones_own_canteen_only(
    core: Core, tg: FakeTelegram, zh_person: PersonView, unit: UnitView
) -> None:
    await factories.unit(core, name="渠县人民医院")  # another unit's canteen: not offered
    (ask,) = await tg.reply_to(ZH, "/canteen")  # a participant: no volunteer menu needed
    assert ask.text == "渠县卫健局：食堂自评是否合格？可先发送一张照片。"
    assert not any("渠县人民医院" in button["text"] for button in ask.buttons)
    (done,) = await tg.tap(ZH, ask, "不合格", method="editMessageText")
    assert "自评已记录：渠县卫健局，不合格" in done.text and "积分" in done.text
    assert (await totals.canteen_rates(core, year=2023)).self_evaluated == 1


@pytest.mark.parametrize(
    ("user", "words"),
    [
        (ZH, "您所在单位没有登记食堂，无需自评。"),
        (EN, "Your unit has no canteen on record, so there is nothing to evaluate."),
    ],
    ids=["zh", "en"],
)
async def test_canteen_self_evaluation_without_a_canteen_says_so(
    core: Core, tg: FakeTelegram, user: dict[str, Any], words: str
) -> None:
    mine = await factories.unit(core, name="渠县无食堂局", canteen=False)
    person = await factories.person(core, mine, telegram_id=user["id"])
    await people.set_language(core, person_id=person.id, language=user["language_code"][:2])
    await factories.unit(core, name="渠县人民医院")  # a canteen, but not theirs
    (answer,) = await tg.reply_to(user, "/canteen")
    assert answer.text == words and not answer.buttons  # nothing to pick, the flow is over
    (after,) = await tg.reply_to(user, "合格")
    assert after.text != words and not after.buttons  # no canteen step is waiting
    assert (await totals.canteen_rates(core, year=2023)).self_evaluated == 0


async def test_canteen_self_evaluation_of_a_canteen_closed_meanwhile_ends_in_words(
    core: Core, tg: FakeTelegram, zh_person: PersonView, unit: UnitView
) -> None:
    (ask,) = await tg.reply_to(ZH, "/canteen")
    await catalog.upsert_unit(  # an organizer records that the canteen has closed
        core,
        actor_id=None,
        code=unit.code,
        name_zh=unit.name_zh,
        name_en=unit.name_en,
        parent_code=None,
        headcount=unit.headcount,
        has_canteen=False,
        now=factories.NOW,
    )
    mark = len(tg.calls)
    await tg.press(ZH, ask, "合格")
    (refused,) = await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark)
    assert refused.text == "该单位没有登记食堂。"  # the core's refusal
    (ended,) = await tg.wait_for("editMessageText", chat_id=ZH["id"], after=mark)
    assert ended.text == "您所在单位没有登记食堂，无需自评。" and not ended.buttons
    assert (await totals.canteen_rates(core, year=2023)).self_evaluated == 0


async def test_canteen_that_closed_meanwhile_is_refused_and_the_flow_stays(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    await factories.person(core, unit, telegram_id=VOLUNTEER["id"], role=Role.VOLUNTEER)
    (menu,) = await tg.reply_to(VOLUNTEER, "/volunteer")
    (listed,) = await tg.tap(VOLUNTEER, menu, "食堂抽查", method="editMessageText")
    (ask,) = await tg.tap(VOLUNTEER, listed, "渠县卫健局", method="editMessageText")
    await catalog.upsert_unit(  # an organizer records that the canteen has closed
        core,
        actor_id=None,
        code=unit.code,
        name_zh=unit.name_zh,
        name_en=unit.name_en,
        parent_code=None,
        headcount=unit.headcount,
        has_canteen=False,
        now=factories.NOW,
    )
    (refused,) = await tg.tap(VOLUNTEER, ask, "合格")
    assert refused.text == "该单位没有登记食堂。"
    assert (await totals.canteen_rates(core, year=2023)).spot_checked == 0
    (search,) = await tg.reply_to(VOLUNTEER, "卫健")  # still at the unit step, not cleared
    assert "没有找到与“卫健”匹配的单位" in search.text
