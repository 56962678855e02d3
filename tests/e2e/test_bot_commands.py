"""End to end: /progress, /top, /stats, /login, /lang, /help, /cancel and the retry
middleware, through the real polling loop."""

from __future__ import annotations

from typing import Any

import pytest

from campaigns import checkin, people, totals
from campaigns.core import Core
from campaigns.results import Channel, Role, Totals, UnitView
from campaigns.settings import Settings
from tests import factories
from tests.e2e.fake_telegram import FakeTelegram, tg_user

ZH = tg_user(701, language_code="zh-hans")
EN = tg_user(702, language_code="en")


@pytest.fixture
async def unit(core: Core) -> UnitView:
    return await factories.unit(core, name="渠县环保局", headcount=4)


async def test_progress_shows_the_goal_bar_and_campaigns(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    person = await factories.person(core, unit, telegram_id=ZH["id"])
    event = await factories.event(core)
    await checkin.check_in(
        core, code=event.code, person_id=person.id, now=factories.NOW, channel=Channel.WEB
    )
    (answer,) = await tg.reply_to(ZH, "/progress")
    assert "2023 年目标" in answer.text and "1/2000 人次" in answer.text
    assert "全国低碳日" in answer.text or "低碳日" in answer.text


async def test_progress_in_english_counts_with_plurals(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    person = await factories.person(core, unit, telegram_id=EN["id"])
    await people.set_language(core, person_id=person.id, language="en")
    event = await factories.event(core)
    await checkin.check_in(
        core, code=event.code, person_id=person.id, now=factories.NOW, channel=Channel.WEB
    )
    (answer,) = await tg.reply_to(EN, "/progress")
    assert "1/2000 person-times" in answer.text  # of a goal of 2000
    assert "1 person took part" in answer.text  # one, not "1 people"
    assert ": 1 person-time\n" in answer.text + "\n"


async def test_top_ranks_units_by_share(core: Core, tg: FakeTelegram, unit: UnitView) -> None:
    big = await factories.unit(core, name="渠县人民医院", headcount=100)
    event = await factories.event(core)
    for index, where in enumerate((unit, unit, big)):
        person = await factories.person(core, where)
        await checkin.check_in(
            core,
            code=event.code,
            person_id=person.id,
            now=factories.NOW,
            channel=Channel.WEB,
            idempotency_key=str(index),
        )
    (answer,) = await tg.reply_to(ZH, "/top")
    lines = answer.text.splitlines()
    assert lines[1].startswith("1. 渠县环保局：50%")
    assert any(line.startswith("2. 渠县人民医院：1%") for line in lines)


async def test_stats_for_organizers_only(core: Core, tg: FakeTelegram, unit: UnitView) -> None:
    await factories.person(core, unit, telegram_id=ZH["id"])
    (refused,) = await tg.reply_to(ZH, "/stats")
    assert "仅供组织者" in refused.text
    organizer = await factories.person(core, unit, telegram_id=EN["id"], role=Role.ORGANIZER)
    await people.set_language(core, person_id=organizer.id, language="en")
    (stats,) = await tg.reply_to(EN, "/stats")
    assert "2023 goal" in stats.text and "Canteens" in stats.text


async def test_login_link_signs_a_volunteer_in_once(
    core: Core, tg: FakeTelegram, unit: UnitView, settings: Settings
) -> None:
    await factories.person(core, unit, telegram_id=ZH["id"])
    (refused,) = await tg.reply_to(ZH, "/login")
    assert "仅供志愿者和组织者" in refused.text and "/signin/link/" not in refused.text

    volunteer = await factories.person(core, unit, telegram_id=EN["id"], role=Role.VOLUNTEER)
    (answer,) = await tg.reply_to(EN, "/login")
    prefix = settings.public_url + "/signin/link/"
    (link,) = [word for word in answer.text.split() if word.startswith(prefix)]
    token = link.removeprefix(prefix)
    signed_in = await people.redeem_login_token(core, token=token, now=factories.NOW)
    assert signed_in.id == volunteer.id


async def test_lang_before_registering_carries_into_registration(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    (choose,) = await tg.reply_to(ZH, "/lang")
    mark = len(tg.calls)
    (done,) = await tg.tap(ZH, choose, "English", method="editMessageText")
    assert done.text == "Language set: English"
    (ask_name,) = await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark)
    assert "what is your name" in ask_name.text
    (ask_unit,) = await tg.reply_to(ZH, "Wang")
    mark = len(tg.calls)
    await tg.press(ZH, ask_unit, unit.name_en)  # the list speaks English now
    await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark)
    person = await people.find_by_telegram(core, ZH["id"])
    assert person is not None and person.language == "en"


async def test_lang_switch_is_saved_on_the_person(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    await factories.person(core, unit, telegram_id=EN["id"])  # saved zh, Telegram says en
    (help_zh,) = await tg.reply_to(EN, "/help")
    assert "/trip — 记录绿色出行" in help_zh.text
    (choose,) = await tg.reply_to(EN, "/lang")
    mark = len(tg.calls)
    await tg.tap(EN, choose, "English", method="editMessageText")
    await tg.wait_for("sendMessage", chat_id=EN["id"], after=mark)
    person = await people.find_by_telegram(core, EN["id"])
    assert person is not None and person.language == "en"
    (help_en,) = await tg.reply_to(EN, "/help")
    assert "/trip — Log a green trip" in help_en.text


async def test_cancel_leaves_the_flow(core: Core, tg: FakeTelegram, unit: UnitView) -> None:
    await factories.person(core, unit, telegram_id=ZH["id"])
    await tg.reply_to(ZH, "/trip")
    (cancelled,) = await tg.reply_to(ZH, "/cancel")
    assert "已取消" in cancelled.text
    (other,) = await tg.reply_to(ZH, "3")
    assert "没有理解" in other.text


async def test_reply_is_retried_after_flood_control(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    await factories.person(core, unit, telegram_id=ZH["id"])
    tg.fail_next("sendMessage", retry_after=1)
    answers = await tg.reply_to(ZH, "/help", count=2)
    assert answers[0].params.get("_failed") == 429
    assert "_failed" not in answers[1].params and "/trip" in answers[1].text


async def test_menu_buttons_work_in_the_middle_of_a_flow(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    await factories.person(core, unit, telegram_id=ZH["id"], role=Role.VOLUNTEER)
    (welcome,) = await tg.reply_to(ZH, "/start")
    labels = [b["text"] for b in welcome.buttons]
    assert labels[:4] == ["✅ 签到", "🚲 绿色出行", "🍽 光盘行动", "👤 我的"]

    await tg.reply_to(ZH, "/checkin")  # waiting for an event code
    (modes,) = await tg.reply_to(ZH, "🚲 绿色出行")
    assert "出行" in modes.text and modes.button("骑行")
    await tg.tap(ZH, modes, "骑行", method="editMessageText")  # waiting for the km
    (meals,) = await tg.reply_to(ZH, "🍽 光盘行动")
    assert meals.button("午餐")
    (modes,) = await tg.reply_to(ZH, "/trip")
    await tg.tap(ZH, modes, "骑行", method="editMessageText")
    mark = len(tg.calls)
    await tg.send_text(ZH, "👤 我的")
    (qr,) = await tg.wait_for("sendPhoto", chat_id=ZH["id"], after=mark)
    assert qr.files["photo"].startswith(b"\x89PNG")  # the /me answer, not "type the km"
    (summary,) = await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark)
    assert "积分" in summary.text
    (after,) = await tg.reply_to(ZH, "3")  # the trip flow was left cleanly
    assert "没有理解" in after.text


async def enter_state(tg: FakeTelegram, state: str, event_code: str) -> None:
    """Walk the volunteer ZH into `state` of a flow."""
    steps: dict[str, list[tuple[str, str | None]]] = {
        "CheckIn.code": [("/checkin", None)],
        "Trip.mode": [("/trip", None)],
        "Trip.km": [("/trip", "骑行")],
        "Trip.confirm": [("/trip", "骑行"), ("3", None)],
        "Plate.meal": [("/plate", None)],
        "Service.hours": [("/volunteer", "服务时长")],
        "Headcount.code": [("/volunteer", "摊位人数")],
        "Headcount.heads": [("/volunteer", "摊位人数"), (event_code, None)],
        "Canteen.unit": [("/volunteer", "食堂抽查")],
        "Canteen.result": [("/canteen", None)],  # the self-evaluation of one's own canteen
    }
    for text, button in steps[state]:
        (answer,) = await tg.reply_to(ZH, text)
        if button is not None:
            await tg.tap(ZH, answer, button, method="editMessageText")


FLOW_STATES = [
    "CheckIn.code",
    "Trip.mode",
    "Trip.km",
    "Trip.confirm",
    "Plate.meal",
    "Service.hours",
    "Headcount.code",
    "Headcount.heads",
    "Canteen.unit",
    "Canteen.result",
]


@pytest.mark.parametrize("state", FLOW_STATES)
async def test_cancel_works_in_every_state_and_writes_nothing(
    core: Core, tg: FakeTelegram, unit: UnitView, state: str
) -> None:
    person = await factories.person(core, unit, telegram_id=ZH["id"], role=Role.VOLUNTEER)
    event = await factories.event(core)
    await enter_state(tg, state, event.code)
    (cancelled,) = await tg.reply_to(ZH, "/cancel")
    assert cancelled.text == "已取消，未记录任何内容。"
    (other,) = await tg.reply_to(ZH, "3")  # what the flow would have taken: not taken now
    assert "没有理解" in other.text
    assert await totals.history(core, person_id=person.id) == []
    assert (await totals.progress(core, year=2023)).totals == Totals()
    rates = await totals.canteen_rates(core, year=2023)
    assert rates.self_evaluated == rates.spot_checked == 0


@pytest.mark.parametrize("state", ["Register.name", "Register.unit"])
async def test_cancel_during_registration_registers_no_one(
    core: Core, tg: FakeTelegram, unit: UnitView, state: str
) -> None:
    await tg.reply_to(ZH, "/start")
    if state == "Register.unit":
        await tg.reply_to(ZH, "王小明")
    (cancelled,) = await tg.reply_to(ZH, "/cancel")
    assert cancelled.text == "已取消，未记录任何内容。"
    await tg.reply_to(ZH, "环保")  # would have been the name or the unit search
    assert await people.find_by_telegram(core, ZH["id"]) is None


async def test_each_person_sees_the_commands_of_their_role(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    volunteer_only = {"volunteer", "patrol", "login"}
    default = set(tg.commands_for(ZH["id"], "zh"))
    assert "canteen" in default and "help" in default
    assert not default & (volunteer_only | {"stats"})  # participants: no volunteer commands

    await factories.person(core, unit, telegram_id=ZH["id"], role=Role.VOLUNTEER)
    await tg.reply_to(ZH, "/start")
    await tg.wait_for("setMyCommands", after=0, count=4)
    volunteer = set(tg.commands_for(ZH["id"], "zh"))
    assert volunteer_only <= volunteer and "stats" not in volunteer

    organizer = await factories.person(core, unit, telegram_id=EN["id"], role=Role.ORGANIZER)
    await people.set_language(core, person_id=organizer.id, language="en")
    await tg.reply_to(EN, "/help")
    await tg.wait_for("setMyCommands", after=0, count=5)
    (scoped,) = [
        c
        for c in tg.calls_to("setMyCommands")
        if c.params.get("scope", {}).get("chat_id") == EN["id"]
    ]
    assert {"stats", "login", "volunteer"} <= set(tg.commands_for(EN["id"], "en"))
    assert scoped.params["commands"][0]["description"] == "Check in at an event"  # their language
    assert set(tg.commands_for(EN["id"], "en")) - {"stats"} >= volunteer_only


async def test_a_registering_participant_keeps_the_participant_menu(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    await tg.reply_to(ZH, "/start")
    (ask_unit,) = await tg.reply_to(ZH, "王小明")
    await tg.tap(ZH, ask_unit, unit.name_zh)
    seen = set(tg.commands_for(ZH["id"], "zh"))
    assert "trip" in seen and not seen & {"volunteer", "patrol", "login", "stats"}
    # The default list of their language, set at start: their chat needs none of its own.
    scoped = [
        c for c in tg.calls_to("setMyCommands") if c.params.get("scope", {}).get("type") == "chat"
    ]
    assert scoped == []


async def test_commands_are_set_once_per_language_and_once_per_volunteer(
    core: Core, tg: FakeTelegram, unit: UnitView
) -> None:
    """At start: one list per language (and the default). A volunteer's own list is set
    when it first differs, not on every /start or /help; again when their language or
    role changes; a participant again loses it."""
    at_start = tg.calls_to("setMyCommands")
    assert sorted(str(c.params.get("language_code")) for c in at_start) == ["None", "en", "zh"]
    volunteer = await factories.person(core, unit, telegram_id=ZH["id"], role=Role.VOLUNTEER)

    def chat_lists() -> list[Any]:
        calls = tg.calls_to("setMyCommands")
        return [c for c in calls if c.params.get("scope", {}).get("chat_id") == ZH["id"]]

    for text in ("/start", "/start", "/help", "/help", "/start"):
        await tg.reply_to(ZH, text)
    assert len(chat_lists()) == 1 and len(tg.calls_to("setMyCommands")) == 4
    assert {"volunteer", "patrol", "login"} <= set(tg.commands_for(ZH["id"], "zh"))

    (choose,) = await tg.reply_to(ZH, "/lang")
    mark = len(tg.calls)
    await tg.tap(ZH, choose, "English", method="editMessageText")
    await tg.wait_for("setMyCommands", after=mark)
    (english,) = chat_lists()[1:]
    assert english.params["commands"][0]["description"] == "Check in at an event"
    await tg.reply_to(ZH, "/start")
    assert len(chat_lists()) == 2  # nothing new to set

    organizer = await factories.person(core, unit, role=Role.ORGANIZER)
    await people.set_role(
        core,
        actor_id=organizer.id,
        person_id=volunteer.id,
        role=Role.PARTICIPANT,
        now=factories.NOW,
    )
    mark = len(tg.calls)
    await tg.reply_to(ZH, "/start")
    (dropped,) = await tg.wait_for("deleteMyCommands", after=mark)
    assert dropped.params["scope"]["chat_id"] == ZH["id"]
    assert not {"volunteer", "login"} & set(tg.commands_for(ZH["id"], "en"))
