"""Photo evidence through the bot, end to end: checked, cleaned (no EXIF, no GPS) and stored
where the web keeps it, so an organizer opens it in the console; junk refused in plain words
with nothing stored; a photo (or an image sent as a file) taken at every step of a flow that
takes evidence, its caption read as the step's answer; and deleted when the flow ends
without its action being logged."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from campaigns import actions, evidence, totals
from campaigns.core import Core
from campaigns.results import Channel, PersonView, Role, UnitView
from campaigns.settings import Settings
from tests import factories
from tests.bot.images import assert_clean, has_gps, jpeg_with_gps, stored_photos
from tests.e2e.fake_telegram import FakeTelegram, tg_user
from tests.web.conftest import app, client, sign_in_as  # noqa: F401 - the web app fixtures

ZH = tg_user(611, language_code="zh-hans")
VOLUNTEER = tg_user(612, language_code="zh-hans")
NOT_A_PHOTO = "该文件不是可识别的照片"


@pytest.fixture
async def unit(core: Core) -> UnitView:
    return await factories.unit(core, name="渠县卫健局")


@pytest.fixture
async def person(core: Core, unit: UnitView) -> PersonView:
    return await factories.person(core, unit, telegram_id=ZH["id"], name="张三")


@pytest.fixture
def evidence_dir(settings: Settings) -> Path:
    return evidence.folder(settings.data_dir)


async def send_photo(tg: FakeTelegram, user: dict[str, object], data: bytes, caption: str = ""):
    mark = len(tg.calls)
    await tg.send_photo(user, data, caption=caption)
    (answer,) = await tg.wait_for("sendMessage", chat_id=int(user["id"]), after=mark)  # type: ignore[call-overload]
    return answer


async def test_photo_is_cleaned_and_an_organizer_opens_it_in_the_console(
    core: Core,
    *,
    tg: FakeTelegram,
    person: PersonView,
    unit: UnitView,
    evidence_dir: Path,
    client: httpx.AsyncClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
) -> None:
    original = jpeg_with_gps()
    assert has_gps(original)
    await tg.reply_to(ZH, "/plate")
    sent = int(time.time())  # the date the fake gives the message
    attached = await send_photo(tg, ZH, original)
    assert "照片已附上" in attached.text
    (done,) = await tg.tap(ZH, attached, "午餐", method="editMessageText")
    assert "光盘行动已记录" in done.text

    (fact,) = await totals.history(core, person_id=person.id)
    assert fact.evidence_path and not fact.evidence_path.startswith("evidence/")
    (stored,) = stored_photos(evidence_dir)
    assert stored == evidence_dir / fact.evidence_path
    # Filed by the month it was sent, as the web files an upload by the month it arrived.
    months = {datetime.fromtimestamp(t, core.tz).strftime("%Y/%m") for t in (sent, time.time())}
    assert stored.parent.relative_to(evidence_dir).as_posix() in months
    assert_clean(stored)

    await sign_in_as(client, core, unit, Role.ORGANIZER, "org1")
    response = await client.get(f"/console/evidence/{fact.id}")
    assert response.status_code == 200
    assert response.content == stored.read_bytes() and not has_gps(response.content)


async def test_junk_is_refused_in_plain_words_and_nothing_is_stored(
    core: Core, tg: FakeTelegram, person: PersonView, evidence_dir: Path
) -> None:
    (meals,) = await tg.reply_to(ZH, "/plate")
    refused = await send_photo(tg, ZH, b"this is not an image at all")
    assert NOT_A_PHOTO in refused.text
    mark = len(tg.calls)
    pdf = b"%PDF-1.4 a form"
    await tg.send_document(ZH, pdf, file_name="form.pdf", mime_type="application/pdf")
    (refused,) = await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark)
    assert NOT_A_PHOTO in refused.text
    assert stored_photos(evidence_dir) == []

    (done,) = await tg.tap(ZH, meals, "午餐", method="editMessageText")  # the flow goes on
    assert "光盘行动已记录" in done.text
    (fact,) = await totals.history(core, person_id=person.id)
    assert fact.evidence_path is None


async def test_a_file_too_large_is_refused_before_it_is_downloaded(
    tg: FakeTelegram, person: PersonView, evidence_dir: Path
) -> None:
    await tg.reply_to(ZH, "/plate")
    mark = len(tg.calls)
    await tg.send_document(ZH, b"\xff\xd8" + b"0" * (evidence.MAX_BYTES + 1))
    (refused,) = await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark)
    assert "照片太大，最大 8 MB" in refused.text
    assert tg.calls_to("getFile") == [] and stored_photos(evidence_dir) == []


async def test_photo_at_every_trip_step_and_its_caption_as_the_km(
    core: Core, tg: FakeTelegram, person: PersonView, evidence_dir: Path
) -> None:
    (modes,) = await tg.reply_to(ZH, "/trip")
    before_mode = await send_photo(tg, ZH, jpeg_with_gps((800, 600)))
    assert "照片已附上" in before_mode.text and before_mode.button("骑行")
    await tg.tap(ZH, before_mode, "骑行", method="editMessageText")

    # At the km step: an image sent as a file, "3" as its caption answers the question.
    mark = len(tg.calls)
    await tg.send_document(ZH, jpeg_with_gps(), caption="3")
    (confirm,) = await tg.wait_for("sendMessage", chat_id=ZH["id"], after=mark)
    assert "3 公里" in confirm.text
    assert confirm.text.startswith("📎 照片已附上")  # the photo that came with it, acknowledged
    (stored,) = stored_photos(evidence_dir)  # the second photo replaced the first
    (done,) = await tg.tap(ZH, confirm, "确认", method="editMessageText")
    assert "绿色出行已记录" in done.text
    (trip,) = await totals.history(core, person_id=person.id)
    assert trip.quantity == 3 and evidence_dir / (trip.evidence_path or "") == stored
    assert_clean(stored)


async def test_photo_without_caption_at_the_km_step_asks_for_the_km(
    tg: FakeTelegram, person: PersonView, evidence_dir: Path
) -> None:
    (modes,) = await tg.reply_to(ZH, "/trip")
    await tg.tap(ZH, modes, "步行", method="editMessageText")
    attached = await send_photo(tg, ZH, jpeg_with_gps((600, 400)))
    assert "照片已附上" in attached.text and "公里" in attached.text
    (confirm,) = await tg.reply_to(ZH, "1")
    assert "1 公里" in confirm.text
    assert len(stored_photos(evidence_dir)) == 1


async def test_volunteer_steps_take_photos_and_captions(
    core: Core, tg: FakeTelegram, unit: UnitView, evidence_dir: Path
) -> None:
    volunteer = await factories.person(
        core, unit, telegram_id=VOLUNTEER["id"], role=Role.VOLUNTEER, name="志愿者"
    )
    event = await factories.event(core, capacity=100)
    (menu,) = await tg.reply_to(VOLUNTEER, "/volunteer")
    await tg.tap(VOLUNTEER, menu, "摊位人数", method="editMessageText")
    at_code = await send_photo(tg, VOLUNTEER, jpeg_with_gps((640, 480)))
    assert "照片已附上" in at_code.text and "活动码" in at_code.text
    assert len(stored_photos(evidence_dir)) == 1
    await tg.reply_to(VOLUNTEER, event.code)
    done = await send_photo(tg, VOLUNTEER, jpeg_with_gps((640, 480)), caption="12")
    assert "人数已登记" in done.text and "12" in done.text
    (headcount,) = await totals.history(core, person_id=volunteer.id)  # logged by them
    assert headcount.headcount == 12 and headcount.evidence_path
    assert stored_photos(evidence_dir) == [evidence_dir / headcount.evidence_path]

    (menu,) = await tg.reply_to(VOLUNTEER, "/volunteer")
    await tg.tap(VOLUNTEER, menu, "服务时长", method="editMessageText")
    done = await send_photo(tg, VOLUNTEER, jpeg_with_gps((640, 480)), caption="2")
    assert "2 小时" in done.text or "2" in done.text

    (menu,) = await tg.reply_to(VOLUNTEER, "/volunteer")
    await tg.tap(VOLUNTEER, menu, "食堂抽查", method="editMessageText")
    at_unit = await send_photo(tg, VOLUNTEER, jpeg_with_gps((640, 480)), caption="卫健")
    assert "与“卫健”匹配的单位" in at_unit.text  # the caption searched the units
    (ask,) = await tg.tap(VOLUNTEER, at_unit, "渠县卫健局", method="editMessageText")
    (checked,) = await tg.tap(VOLUNTEER, ask, "合格", method="editMessageText")
    assert "抽查结果已记录" in checked.text
    assert len(stored_photos(evidence_dir)) == 3  # headcount (its second), service, canteen


@pytest.mark.parametrize("leave", ["/cancel", "✖", "🍽 光盘行动", "/trip"])
async def test_leaving_a_flow_deletes_its_photo(
    core: Core, tg: FakeTelegram, person: PersonView, evidence_dir: Path, leave: str
) -> None:
    (modes,) = await tg.reply_to(ZH, "/trip")
    await tg.tap(ZH, modes, "公交", method="editMessageText")
    attached = await send_photo(tg, ZH, jpeg_with_gps((640, 480)))
    assert len(stored_photos(evidence_dir)) == 1
    if leave == "✖":
        await tg.tap(ZH, attached, "取消", method="editMessageText")
    else:
        await tg.reply_to(ZH, leave)
    assert stored_photos(evidence_dir) == []
    assert await totals.history(core, person_id=person.id) == []


async def test_a_refused_action_deletes_its_photo(
    core: Core, tg: FakeTelegram, person: PersonView, evidence_dir: Path
) -> None:
    await actions.log_plate(
        core,
        person_id=person.id,
        meal="lunch",
        day=core.today(factories.NOW),
        now=factories.NOW,
        channel=Channel.WEB,
    )
    await tg.reply_to(ZH, "/plate")
    attached = await send_photo(tg, ZH, jpeg_with_gps((640, 480)))
    (refused,) = await tg.tap(ZH, attached, "午餐")
    assert "已记录过当天的这一餐" in refused.text
    assert stored_photos(evidence_dir) == []
    assert len(await totals.history(core, person_id=person.id)) == 1


async def test_a_poster_scanned_mid_flow_leaves_the_flow_and_checks_in(
    core: Core, tg: FakeTelegram, person: PersonView, evidence_dir: Path
) -> None:
    """The deep link skips the conversation store when there is no flow to leave; when
    there is one, the flow ends and its unlogged photo goes with it."""
    event = await factories.event(core)
    await tg.reply_to(ZH, "/plate")
    await send_photo(tg, ZH, jpeg_with_gps((640, 480)))
    assert len(stored_photos(evidence_dir)) == 1
    (checked,) = await tg.reply_to(ZH, f"/start e_{event.code}")
    assert "已签到" in checked.text
    assert stored_photos(evidence_dir) == []
    (plain,) = await tg.reply_to(ZH, "午餐")  # no longer an answer to the plate's question
    assert "光盘行动已记录" not in plain.text
    assert [f.kind for f in await totals.history(core, person_id=person.id)] == ["checkin"]
