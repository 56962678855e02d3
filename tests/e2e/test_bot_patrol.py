"""The bot's energy patrol (issue 14) through the real polling loop: a room label's deep
link `r_<code>` opens the room's findings keyboard, taps tick and save, the visit is the
same fact the web form records; the same room again is refused in words; a participant is
turned away."""

from __future__ import annotations

from sqlalchemy import func, select

from campaigns import patrols
from campaigns.core import Core
from campaigns.results import Role
from storage.models import Fact, RoomVisit
from tests import factories
from tests.bot.images import jpeg_with_gps
from tests.e2e.fake_telegram import FakeTelegram, tg_user

VOLUNTEER = tg_user(611, language_code="zh-hans")
STAFF = tg_user(612, language_code="en")


async def _visits(core: Core) -> list[tuple[str, str]]:
    async with core.read() as conn:
        rows = await conn.execute(select(RoomVisit.findings, RoomVisit.channel))
        return [(f, c) for f, c in rows.all()]


async def test_a_patrol_from_a_room_label_deep_link(core: Core, tg: FakeTelegram) -> None:
    unit = await factories.unit(core, name="县机关事务局")
    await factories.person(core, unit, role=Role.VOLUNTEER, telegram_id=VOLUNTEER["id"])
    await factories.person(core, unit, telegram_id=STAFF["id"])
    b = await patrols.save_building(
        core,
        actor_id=None,
        unit_id=unit.id,
        name="行政楼",
        floor_area_m2=0,
        rooms=[("101 办公室", 1), ("102 会议室", 1)],
        now=factories.NOW,
    )
    first, second = b.rooms

    (room,) = await tg.reply_to(VOLUNTEER, f"/start r_{first.code}")
    assert "101 办公室" in room.text and "行政楼" in room.text
    (ticked,) = await tg.tap(VOLUNTEER, room, "灯未关", method="editMessageReplyMarkup")
    assert "☑️" in ticked.button("灯未关")["text"]
    ticked.params.setdefault("text", room.text)
    (done,) = await tg.tap(VOLUNTEER, ticked, "保存", method="editMessageText")
    assert "101 办公室" in done.text and "灯未关" in done.text and "1 个房间" in done.text

    # The next room by its typed code: the flow waits for it.
    (room2,) = await tg.reply_to(VOLUNTEER, second.code)
    mark = len(tg.calls)
    await tg.send_photo(VOLUNTEER, jpeg_with_gps())
    (attached,) = await tg.wait_for("sendMessage", chat_id=VOLUNTEER["id"], after=mark)
    assert "照片已附上" in attached.text
    (done2,) = await tg.tap(VOLUNTEER, room2, "全部关闭", method="editMessageText")
    assert "全部关闭" in done2.text and "2 个房间" in done2.text
    assert await _visits(core) == [("lights", "bot"), ("", "bot")]
    async with core.read() as conn:
        photos = (await conn.execute(select(RoomVisit.evidence_path))).scalars().all()
    assert photos[0] is None and photos[1]  # the photo belongs to the second room

    (again,) = await tg.reply_to(VOLUNTEER, f"/patrol {first.code}")
    (refused,) = await tg.tap(VOLUNTEER, again, "全部关闭")
    assert "今晚的巡查已在" in refused.text
    async with core.read() as conn:
        patrol_facts = await conn.scalar(select(func.count()).where(Fact.mode == "patrol"))
    assert patrol_facts == 1 and len(await _visits(core)) == 2

    (no,) = await tg.reply_to(STAFF, f"/start r_{first.code}")
    assert "仅供志愿者" in no.text
