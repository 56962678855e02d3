"""Field pages without JavaScript (issue 14): a volunteer opens a room label's link and
records what was left on; the unit's patrol page shows it; a paper sheet printed from the
console and entered twice counts each ticked row once; a backwards meter is refused in
words and writes nothing."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select

from campaigns import patrols
from campaigns.core import Core
from campaigns.results import EventView, Role, UnitView
from storage.models import Fact, MeterReading, RoomVisit
from tests.factories import NOW
from tests.web.conftest import get, post_form, sign_in_as


async def count(core: Core, model: type, *where: object) -> int:
    async with core.read() as conn:
        stmt = select(func.count()).select_from(model)
        for cond in where:
            stmt = stmt.where(cond)  # type: ignore[arg-type]
        return int((await conn.execute(stmt)).scalar_one())


async def _building(client: httpx.AsyncClient, unit: UnitView) -> None:
    response = await post_form(
        client,
        "/console/field/buildings",
        {
            "unit_id": str(unit.id),
            "name": "行政楼",
            "floor_area_m2": "1800",
            "rooms": "101 办公室, 1\n102 会议室，1\n201 机房, 2",
        },
        from_page=await get(client, "/console/field"),
    )
    assert response.status_code == 200 and "行政楼" in response.text


async def test_a_room_label_opens_the_findings_form_and_the_unit_page_shows_them(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await sign_in_as(client, core, unit, Role.ORGANIZER, "org1")
    await _building(client, unit)
    (b,) = await patrols.list_buildings(core, unit_id=unit.id)
    room = b.rooms[0]
    labels = await get(client, f"/console/field/buildings/{b.id}/labels")
    assert labels.text.count('class="room-label"') == 3 and room.code in labels.text
    page = await get(client, f"/r/{room.code}")
    assert page.status == 200 and "101 办公室" in page.text and "空调未关" in page.text
    response = await post_form(client, f"/r/{room.code}", {"finding": "lights"}, from_page=page)
    assert response.status_code == 200
    assert "灯未关" in response.text and "101 办公室" in response.text
    again = await post_form(client, f"/r/{room.code}", {"all_off": "1"})
    assert again.status_code == 409 and "今晚的巡查已在" in again.text
    report = await get(client, f"/console/units/{unit.id}/patrols")
    assert report.status == 200 and "<svg" in report.text and "灯未关 ×1" in report.text
    assert await count(core, Fact, Fact.mode == "patrol") == 1
    visit = re.search(r'action="(/console/field/visits/\d+/void\?unit_id=\d+)"', report.text)
    assert visit
    wrong = await post_form(client, visit.group(1), {"reason": "扫错了房间"}, from_page=report)
    assert wrong.status_code == 200 and "灯未关 ×1" not in wrong.text
    assert await count(core, RoomVisit, RoomVisit.status == "void") == 1
    await client.get("/lang/en")
    english = await get(client, f"/console/units/{unit.id}/patrols")
    assert "Rooms, repeat offenders first" in english.text and "Floor 2" in english.text


async def test_a_participant_cannot_record_a_room(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    b = await patrols.save_building(
        core,
        actor_id=None,
        unit_id=unit.id,
        name="楼",
        floor_area_m2=0,
        rooms=[("1", 1)],
        now=NOW,
    )
    page = await get(client, f"/r/{b.rooms[0].code}")
    # Asked to sign in first, the form is not shown.
    assert 'name="finding"' not in page.text and "/signin" in page.text


async def test_a_paper_sheet_prints_25_rows_a_page_and_enters_once(
    client: httpx.AsyncClient, core: Core, unit: UnitView, event: EventView
) -> None:
    await sign_in_as(client, core, unit, Role.ORGANIZER, "org2")
    response = await post_form(
        client,
        f"/console/events/{event.id}/paper",
        {"unit_id": str(unit.id), "blank_rows": "30"},
        from_page=await get(client, f"/console/events/{event.id}/paper"),
    )
    assert response.status_code == 200
    printed = response.text
    assert printed.count('class="sheet-page"') == 2 and printed.count("☐") == 30
    code = re.search(r"/console/paper/([A-Z0-9]+)\"", printed)
    assert code
    entry = await get(client, f"/console/paper/{code.group(1)}")
    data = {"tick": ["1", "2"], "name_1": "王五", "name_2": "赵六"}
    for _ in range(2):
        done = await post_form(client, f"/console/paper/{code.group(1)}", data, from_page=entry)  # type: ignore[arg-type]
        assert done.status_code == 200
    assert "新签到：0。已录入过：2。" in done.text
    assert await count(core, Fact, Fact.channel == "paper") == 2
    missing = await post_form(
        client, f"/console/paper/{code.group(1)}", {"tick": "3"}, from_page=entry
    )
    assert missing.status_code == 422 and "第 3 行已勾选但没有姓名" in missing.text


async def test_a_backwards_meter_is_refused_in_words_and_writes_nothing(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await sign_in_as(client, core, unit, Role.ORGANIZER, "org3")
    await _building(client, unit)
    (b,) = await patrols.list_buildings(core, unit_id=unit.id)
    page = await get(client, "/console/meters")
    first = {
        "building_id": str(b.id),
        "kind": "electricity",
        "read_on": "2023-06-01",
        "value": "1000",
    }
    assert (await post_form(client, "/console/meters", first, from_page=page)).status_code == 200
    back = {**first, "read_on": "2023-07-01", "value": "990"}
    response = await post_form(client, "/console/meters", back, from_page=page)
    assert response.status_code == 422 and "表读数不会倒退" in response.text
    assert await count(core, MeterReading) == 1
