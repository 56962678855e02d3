"""Field capabilities (issue 14) on every backend: energy patrols counted as the
volunteer's service, paper sign-in sheets entered once per sheet and row, meter readings
refused before anything is written when implausible."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from campaigns import meter_report, meters, paper, patrol_report, patrols, rosters, totals
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.meters import Reading
from campaigns.reasons import Reason
from campaigns.results import EventView, Role, UnitView
from storage.models import Fact, MeterReading, Person, RoomVisit
from tests import factories as f
from tests.factories import NOW

EVENING = NOW + timedelta(hours=11)  # 21:00 in Qu County


async def count(core: Core, model: type, *where: object) -> int:
    async with core.read() as conn:
        stmt = select(func.count()).select_from(model)
        for cond in where:
            stmt = stmt.where(cond)  # type: ignore[arg-type]
        return int((await conn.execute(stmt)).scalar_one())


async def _building(core: Core) -> tuple[UnitView, patrols.BuildingView]:
    unit = await f.unit(core)
    b = await patrols.save_building(
        core,
        actor_id=None,
        unit_id=unit.id,
        name="行政楼",
        floor_area_m2=2000,
        rooms=[("101 办公室", 1), ("102 会议室", 1), ("201 机房", 2)],
        now=NOW,
    )
    return unit, b


# patrols -----------------------------------------------------------------------------------


async def test_a_patrol_counts_one_person_time_per_volunteer_per_day(core: Core) -> None:
    unit, b = await _building(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    r1, r2, _ = b.rooms
    first = await patrols.record_visit(
        core,
        volunteer_id=vol.id,
        room_code=r1.code,
        findings=["lights", "ac"],
        now=EVENING,
        channel="web",
    )
    assert first.counted and first.points == 10 and first.findings == ("lights", "ac")
    second = await patrols.record_visit(
        core,
        volunteer_id=vol.id,
        room_code=f"https://x/r/{r2.code}",
        findings=[],
        now=EVENING,
        channel="bot",
    )
    assert second.all_off and not second.counted and second.patrol_id == first.patrol_id
    assert second.rooms_done == ("101 办公室", "102 会议室")
    # A second building the same evening is a second patrol, but the day counts once.
    b2 = await patrols.save_building(
        core,
        actor_id=None,
        unit_id=unit.id,
        name="食堂",
        floor_area_m2=300,
        rooms=[("厨房", 1)],
        now=NOW,
    )
    third = await patrols.record_visit(
        core,
        volunteer_id=vol.id,
        room_code=b2.rooms[0].code,
        findings=["water"],
        now=EVENING,
        channel="web",
    )
    assert third.patrol_id != first.patrol_id and not third.counted
    progress = await totals.progress(core, year=2023)
    assert progress.totals.person_times == 1
    assert await count(core, Fact, Fact.mode == "patrol") == 2
    assert await count(core, Fact, Fact.mode == "patrol", Fact.counted == 1) == 1
    assert await count(core, RoomVisit) == 3
    assert (await totals.reconcile(core, now=EVENING)).ok


async def test_a_patrol_past_midnight_is_still_the_evenings(core: Core) -> None:
    """23:50 and 00:20 are one patrol and one person-time, on the evening's day; the next
    morning's visit of the same room begins another day's patrol."""
    unit, b = await _building(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    r1, r2, _ = b.rooms
    late = NOW + timedelta(hours=13, minutes=50)  # 23:50 local on 12 July
    before = await patrols.record_visit(
        core, volunteer_id=vol.id, room_code=r1.code, findings=[], now=late, channel="bot"
    )
    after = await patrols.record_visit(
        core,
        volunteer_id=vol.id,
        room_code=r2.code,
        findings=["lights"],
        now=late + timedelta(minutes=30),  # 00:20 on 13 July
        channel="bot",
    )
    assert before.counted and not after.counted and after.patrol_id == before.patrol_id
    async with core.read() as conn:
        days = (await conn.execute(select(Fact.occurred_on).where(Fact.mode == "patrol"))).all()
    assert [d for (d,) in days] == [date(2023, 7, 12)]
    morning = await patrols.record_visit(
        core,
        volunteer_id=vol.id,
        room_code=r1.code,
        findings=[],
        now=late + timedelta(hours=10),  # 09:50 on 13 July
        channel="web",
    )
    assert morning.counted and morning.patrol_id != before.patrol_id
    assert (await totals.progress(core, year=2023)).totals.person_times == 2


async def test_patrol_refusals_write_nothing(core: Core) -> None:
    unit, b = await _building(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    staff = await f.person(core, unit)
    room = b.rooms[0]
    await patrols.record_visit(
        core,
        volunteer_id=vol.id,
        room_code=room.code,
        findings=["lights"],
        now=EVENING,
        channel="web",
    )
    cases: list[tuple[tuple[int, str, list[str]], Reason]] = [
        ((vol.id, room.code, []), Reason.ROOM_ALREADY_VISITED),
        ((vol.id, "nosuchroom", []), Reason.UNKNOWN_ROOM),
        ((vol.id, room.code, ["fire"]), Reason.UNKNOWN_FINDING),
        ((staff.id, b.rooms[1].code, []), Reason.NOT_ALLOWED),
    ]
    for (who, code, findings), reason in cases:
        with pytest.raises(Refused) as exc:
            await patrols.record_visit(
                core,
                volunteer_id=who,
                room_code=code,
                findings=findings,
                now=EVENING,
                channel="web",
            )
        assert exc.value.reason is reason
    assert await count(core, RoomVisit) == 1
    assert await count(core, Fact) == 1


async def test_a_repeated_idempotency_key_records_the_visit_once(core: Core) -> None:
    unit, b = await _building(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    args = {"volunteer_id": vol.id, "room_code": b.rooms[0].code, "now": EVENING, "channel": "web"}
    one = await patrols.record_visit(core, findings=["ac"], idempotency_key="k1", **args)  # type: ignore[arg-type]
    two = await patrols.record_visit(core, findings=["ac"], idempotency_key="k1", **args)  # type: ignore[arg-type]
    assert two.repeated and two.id == one.id
    with pytest.raises(Refused) as exc:
        await patrols.record_visit(core, findings=["lights"], idempotency_key="k1", **args)  # type: ignore[arg-type]
    assert exc.value.reason is Reason.IDEMPOTENCY_KEY_REUSED
    assert await count(core, RoomVisit) == 1


async def test_the_unit_report_puts_repeat_offenders_first(core: Core) -> None:
    unit, b = await _building(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    r1, r2, r3 = b.rooms
    for days, found in (
        (0, {r1: [], r2: ["lights"], r3: ["computers"]}),
        (7, {r2: ["lights", "ac"], r3: []}),
    ):
        for room, findings in found.items():
            await patrols.record_visit(
                core,
                volunteer_id=vol.id,
                room_code=room.code,
                findings=findings,
                now=EVENING + timedelta(days=days),
                channel="web",
            )
    report = await patrol_report.unit_report(core, unit_id=unit.id)
    assert [r.room.name for r in report.rooms][0] == "102 会议室"
    top = report.rooms[0]
    assert top.repeat and top.with_findings == 2 and dict(top.findings) == {"lights": 2, "ac": 1}
    assert [(w.visits, w.with_findings) for w in report.weeks] == [(3, 2), (2, 1)]
    assert report.first_day == EVENING.date()


async def test_rooms_from_csv_all_or_nothing(core: Core) -> None:
    unit = await f.unit(core)
    head = "unit_code,building,floor_area_m2,room,floor\n"
    bad = f"{head}{unit.code},教学楼,1500,101,1\n{unit.code},,,102,1\n"
    with pytest.raises(Refused) as exc:
        await patrols.import_rooms_csv(core, actor_id=None, data=bad, now=NOW)
    assert exc.value.reason is Reason.ROWS_REFUSED and exc.value.detail["rows"] == [3]
    assert await patrols.list_buildings(core, unit_id=unit.id) == []
    good = f"{head}{unit.code},教学楼,1500,101,1\n{unit.code},教学楼,1500,201,2\n"
    assert await patrols.import_rooms_csv(core, actor_id=None, data=good, now=NOW) == (1, 2)
    # Again: the rooms are there with their labels, nothing added.
    assert await patrols.import_rooms_csv(core, actor_id=None, data=good, now=NOW) == (1, 0)
    (b,) = await patrols.list_buildings(core, unit_id=unit.id)
    assert b.floor_area_m2 == 1500 and [r.name for r in b.rooms] == ["101", "201"]


# paper sheets ------------------------------------------------------------------------------


async def _roster_sheet(core: Core, blank: int = 3) -> tuple[UnitView, EventView, paper.SheetView]:
    unit = await f.unit(core)
    data = f"单位代码,姓名,工号\n{unit.code},张三,1001\n{unit.code},李四,1002\n".encode()
    assert (await rosters.import_roster(core, actor_id=None, data=data, now=NOW)).written
    ev = await f.event(core)
    sheet = await paper.create_sheet(
        core, actor_id=None, event_id=ev.id, unit_id=unit.id, blank_rows=blank, now=NOW
    )
    return unit, ev, sheet


async def test_a_sheet_has_the_roster_then_blank_rows_each_with_a_code(core: Core) -> None:
    _, _, sheet = await _roster_sheet(core, blank=30)
    assert [r.name for r in sheet.rows[:2]] == ["张三", "李四"]
    assert len(sheet.rows) == 32 and sheet.pages == 2
    assert sheet.rows[0].code == f"{sheet.code}-001" and not sheet.rows[2].from_roster
    assert (await paper.get_sheet(core, sheet.code.lower())).id == sheet.id


async def test_entering_a_sheet_twice_records_each_ticked_row_once(core: Core) -> None:
    unit, ev, sheet = await _roster_sheet(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    # 张三 registered on a phone before: the roster binds the sheet's row to that person.
    before = await count(core, Person)

    async def enter() -> paper.EntryReport:
        return await paper.enter_sheet(
            core, actor_id=vol.id, code=sheet.code, ticked=[1, 2, 3], names={3: "王五"}, now=NOW
        )

    first = await enter()
    assert [o.outcome for o in first.outcomes] == ["checked_in"] * 3
    again = await enter()
    assert [o.outcome for o in again.outcomes] == ["entered_before"] * 3
    assert await count(core, Fact, Fact.channel == "paper") == 3
    # 张三 and 李四 were made from their roster rows, 王五 is new: three people, once.
    assert await count(core, Person) == before + 3
    progress = await totals.progress(core, year=2023)
    assert progress.totals.person_times == 3
    entered = await paper.get_sheet(core, sheet.code)
    assert [r.entered for r in entered.rows] == [True, True, True, False, False]
    assert entered.rows[2].name == "王五" and entered.rows[0].channel == "paper"
    assert (await totals.reconcile(core, now=NOW)).ok


async def test_a_person_checked_in_by_phone_is_not_counted_again(core: Core) -> None:
    from campaigns import checkin, joining  # noqa: PLC0415

    unit, ev, sheet = await _roster_sheet(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    joined = await joining.join(
        core, name="张三", unit_id=unit.id, verifier="1001", now=NOW, telegram_id=None
    )
    await checkin.check_in(core, code=ev.code, person_id=joined.person.id, now=NOW, channel="web")
    report = await paper.enter_sheet(core, actor_id=vol.id, code=sheet.code, ticked=[1], now=NOW)
    assert report.outcomes[0].outcome == "already_checked_in"
    assert await count(core, Fact, Fact.event_id == ev.id) == 1
    sheet_now = await paper.get_sheet(core, sheet.code)
    assert sheet_now.rows[0].person_id == joined.person.id


async def test_a_bad_tick_refuses_the_whole_sheet(core: Core) -> None:
    unit, _, sheet = await _roster_sheet(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    for ticked, reason in (
        ([1, 3], Reason.SHEET_ROW_NAME_REQUIRED),
        ([1, 99], Reason.UNKNOWN_SHEET_ROW),
    ):
        with pytest.raises(Refused) as exc:
            await paper.enter_sheet(core, actor_id=vol.id, code=sheet.code, ticked=ticked, now=NOW)
        assert exc.value.reason is reason
    with pytest.raises(Refused) as exc:
        await paper.enter_sheet(core, actor_id=vol.id, code="NOPE00", ticked=[1], now=NOW)
    assert exc.value.reason is Reason.UNKNOWN_SHEET
    assert await count(core, Fact) == 0


# meters ------------------------------------------------------------------------------------


def _monthly(
    building_id: int, kind: str, year: int, start: float, per_month: float
) -> list[Reading]:
    return [
        Reading(building_id, kind, date(year, m, 1), start + per_month * (m - 1))
        for m in range(1, 13)
    ] + [Reading(building_id, kind, date(year + 1, 1, 1), start + per_month * 12)]


async def test_a_meter_going_backwards_is_refused_and_writes_nothing(core: Core) -> None:
    _, b = await _building(core)
    await meters.record_readings(
        core,
        actor_id=None,
        readings=[Reading(b.id, "electricity", date(2023, 5, 1), 1000)],
        now=NOW,
        channel="web",
    )
    with pytest.raises(Refused) as exc:
        await meters.record_readings(
            core,
            actor_id=None,
            readings=[
                Reading(b.id, "water", date(2023, 6, 1), 5),
                Reading(b.id, "electricity", date(2023, 6, 1), 990),
            ],
            now=NOW,
            channel="web",
        )
    assert exc.value.reason is Reason.METER_BACKWARDS and exc.value.detail["row"] == 2
    assert await count(core, MeterReading) == 1  # the water reading before it neither


async def test_a_month_ten_times_the_usual_waits_for_a_confirmation(core: Core) -> None:
    _, b = await _building(core)
    series = [Reading(b.id, "water", date(2023, m, 1), 100 * m) for m in (1, 2, 3, 4)]
    await meters.record_readings(core, actor_id=None, readings=series, now=NOW, channel="api")
    jump = [Reading(b.id, "water", date(2023, 5, 1), 400 + 1500)]
    with pytest.raises(Refused) as exc:
        await meters.record_readings(core, actor_id=None, readings=jump, now=NOW, channel="api")
    assert exc.value.reason is Reason.METER_JUMP
    assert await count(core, MeterReading) == 4
    (kept,) = await meters.record_readings(
        core, actor_id=None, readings=jump, now=NOW, channel="api", confirm=True
    )
    assert kept.flagged
    with pytest.raises(Refused) as exc:
        await meters.record_readings(core, actor_id=None, readings=jump, now=NOW, channel="api")
    assert exc.value.reason is Reason.READING_EXISTS
    # A voided reading frees its day for the corrected figure.
    await meters.void_reading(
        core,
        actor_id=(await f.person(core, await f.unit(core), role=Role.ORGANIZER)).id,
        reading_id=kept.id,
        reason="typo",
        now=NOW,
    )
    (fixed,) = await meters.record_readings(
        core,
        actor_id=None,
        readings=[Reading(b.id, "water", date(2023, 5, 1), 500)],
        now=NOW,
        channel="web",
    )
    assert not fixed.flagged
    assert await count(core, MeterReading, MeterReading.status == "void") == 1


async def test_csv_readings_are_all_or_nothing_with_the_line_named(core: Core) -> None:
    _, b = await _building(core)
    data = (
        "building_code,kind,read_on,value\n"
        f"{b.code},electricity,2023-01-01,100\n{b.code},electricity,2023-02-01,90\n"
    )
    with pytest.raises(Refused) as exc:
        await meters.import_readings_csv(core, actor_id=None, data=data, now=NOW)
    assert exc.value.reason is Reason.METER_BACKWARDS and exc.value.detail["row"] == 3
    assert await count(core, MeterReading) == 0


async def test_use_per_person_and_per_m2_against_last_year(core: Core) -> None:
    unit, b = await _building(core)  # 2,000 m², headcount 50
    readings = _monthly(b.id, "electricity", 2022, 0, 10_000)
    readings += _monthly(b.id, "electricity", 2023, 120_000, 9_800)[1:]
    readings += _monthly(b.id, "water", 2022, 0, 100)
    await meters.record_readings(
        core,
        actor_id=None,
        readings=readings[:-1],
        now=NOW.replace(year=2024, month=1, day=2),
        channel="web",
    )
    report = await meter_report.report(core, year=2023, unit_id=unit.id)
    assert report.people == 50 and report.floor_area_m2 == 2000
    elec, water = report.kinds
    jan = elec.months[0]
    # January 2023: 9,800 kWh against 10,000: −2.0%, past the notice's −1.1%.
    assert jan.this_year == pytest.approx(9800) and jan.last_year == pytest.approx(10000)
    assert jan.per_person == pytest.approx(196) and jan.per_m2 == pytest.approx(4.9)
    assert jan.change_pct == -2.0 and elec.target_pct == -1.1
    # Carbon with each year's grid factor: 0.5306 against 0.5366.
    assert jan.carbon_change_pct == pytest.approx(-3.1, abs=0.05)
    assert elec.meets_target and water.change_pct is None
    assert [w.title_en for w in report.weeks][:1] == ["China Water Week"]


# reconcile and exports -----------------------------------------------------------------


async def test_reconcile_finds_a_patrol_or_paper_row_that_lost_its_fact(core: Core) -> None:
    from sqlalchemy import update  # noqa: PLC0415

    from campaigns import exports  # noqa: PLC0415
    from storage.models import PaperRow, Patrol  # noqa: PLC0415
    from storage.writer import Call, Tx  # noqa: PLC0415

    unit, b = await _building(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    await patrols.record_visit(
        core,
        volunteer_id=vol.id,
        room_code=b.rooms[0].code,
        findings=[],
        now=EVENING,
        channel="web",
    )
    ev = await f.event(core)
    sheet = await paper.create_sheet(
        core, actor_id=None, event_id=ev.id, unit_id=unit.id, blank_rows=1, now=NOW
    )
    await paper.enter_sheet(
        core, actor_id=vol.id, code=sheet.code, ticked=[1], names={1: "王五"}, now=NOW
    )
    assert (await totals.reconcile(core, now=EVENING)).ok
    rows = await exports.fact_rows(core, start=date(2023, 1, 1), end=date(2023, 12, 31))
    assert {(r["kind"], r["mode_or_meal"], r["channel"]) for r in rows} == {
        ("service", "patrol", "web"),
        ("checkin", "", "paper"),
    }

    async def lose(tx: Tx) -> None:
        await tx.conn.execute(update(Patrol).values(fact_id=None))
        await tx.conn.execute(update(PaperRow).where(PaperRow.row_no == 1).values(fact_id=1))

    await core.write(Call[None](lose))
    report = await totals.reconcile(core, now=EVENING)
    assert {(m.dim, m.field, m.stored) for m in report.mismatches} == {
        ("patrol", "without_fact", 1),
        ("paper", "without_fact", 1),
    }
    assert not report.ok


# several instances -----------------------------------------------------------------------


async def test_one_sheet_entered_by_four_instances_at_once_counts_each_row_once(
    core: Core, db_url: str
) -> None:
    import asyncio  # noqa: PLC0415

    from campaigns.core import open_core  # noqa: PLC0415

    unit, ev, sheet = await _roster_sheet(core, blank=2)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    people_before = await count(core, Person)
    others = [await open_core(db_url, secret=core.secret, migrate=False) for _ in range(3)]
    try:
        cores = [core, *others]
        results = await asyncio.gather(
            *(
                paper.enter_sheet(
                    cores[i % 4],
                    actor_id=vol.id,
                    code=sheet.code,
                    ticked=[1, 2, 3, 4],
                    names={3: "王五", 4: "赵六"},
                    now=NOW,
                )
                for i in range(12)
            ),
            return_exceptions=True,
        )
    finally:
        for other in others:
            await other.close()
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert await count(core, Fact, Fact.channel == "paper") == 4
    assert await count(core, Person) == people_before + 4  # 张三, 李四, 王五, 赵六: once each
    assert (await totals.progress(core, year=2023)).totals.person_times == 4
    assert (await totals.reconcile(core, now=NOW)).ok


async def test_one_room_recorded_by_four_instances_at_once_is_one_visit(
    core: Core, db_url: str
) -> None:
    import asyncio  # noqa: PLC0415

    from campaigns.core import open_core  # noqa: PLC0415

    unit, b = await _building(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    others = [await open_core(db_url, secret=core.secret, migrate=False) for _ in range(3)]
    try:
        cores = [core, *others]
        results = await asyncio.gather(
            *(
                patrols.record_visit(
                    cores[i % 4],
                    volunteer_id=vol.id,
                    room_code=b.rooms[i % 2].code,
                    findings=["lights"],
                    now=EVENING,
                    channel="web",
                )
                for i in range(12)
            ),
            return_exceptions=True,
        )
    finally:
        for other in others:
            await other.close()
    ok = [r for r in results if isinstance(r, patrols.VisitView)]
    refused = [r for r in results if isinstance(r, Refused)]
    odd = [r for r in results if not isinstance(r, patrols.VisitView | Refused)]
    assert len(ok) == 2 and len(refused) == 10, odd
    assert {r.reason for r in refused} == {Reason.ROOM_ALREADY_VISITED}
    assert await count(core, RoomVisit) == 2
    assert await count(core, Fact, Fact.mode == "patrol") == 1
    assert (await totals.progress(core, year=2023)).totals.person_times == 1
