"""Logging green actions and voiding: rules, refusals, and that a refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns import actions, checkin, review, totals
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Role
from storage.models import AuditEntry, CanteenCheck, Fact, LedgerEntry
from tests import factories as f
from tests.factories import NOW

SEPT = NOW.replace(month=9, day=5)  # inside the green-travel month


async def rows(core, model=Fact) -> int:
    async with core.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)))


async def test_trip_records_co2_points_and_advice(core) -> None:
    p = await f.person(core, await f.unit(core))
    rec = await actions.log_trip(
        core, person_id=p.id, mode="bus", km=5, day=SEPT.date(), now=SEPT, channel="web"
    )
    assert rec.fact.co2_g == 134 and rec.fact.points == 5 and rec.fact.counted == 1
    assert rec.campaign.slug == "2023-green-travel-month"  # the dated campaign wins
    assert rec.advice is not None and rec.advice.fits
    other = await actions.log_trip(
        core, person_id=p.id, mode="walk", km=3, day=NOW.date(), now=NOW, channel="web"
    )
    assert other.campaign.slug == "green-travel"  # year-round outside September
    assert other.advice is not None and not other.advice.fits
    assert other.advice.suggested_mode == "bike"


async def test_habit_counts_one_person_day_however_many_entries(core) -> None:
    p = await f.person(core, await f.unit(core))
    for _ in range(3):
        await actions.log_trip(
            core, person_id=p.id, mode="bike", km=2, day=SEPT.date(), now=SEPT, channel="web"
        )
    camp = await f.campaign(core, "2023-green-travel-month")
    per_campaign = {c.campaign.id: c.totals for c in await totals.by_campaign(core, year=2023)}
    assert per_campaign[camp.id].person_times == 1 and per_campaign[camp.id].facts == 3


@pytest.mark.parametrize(
    ("mode", "km", "reason"),
    [
        ("walk", 40, Reason.IMPLAUSIBLE_DISTANCE),
        ("bike", -3, Reason.INVALID_QUANTITY),
        ("bus", 0, Reason.INVALID_QUANTITY),
        ("metro", 10_000, Reason.IMPLAUSIBLE_DISTANCE),
        ("bus", float("nan"), Reason.INVALID_QUANTITY),
        ("car", 3, Reason.UNKNOWN_MODE),
    ],
)
async def test_bad_trips_are_refused_and_write_nothing(core, mode, km, reason) -> None:
    p = await f.person(core, await f.unit(core))
    with pytest.raises(Refused) as exc:
        await actions.log_trip(
            core, person_id=p.id, mode=mode, km=km, day=SEPT.date(), now=SEPT, channel="web"
        )
    assert exc.value.reason is reason
    assert await rows(core) == 0 and await rows(core, LedgerEntry) == 0


async def test_dates_in_the_future_or_too_old_are_refused(core) -> None:
    p = await f.person(core, await f.unit(core))
    for day, reason in [
        (SEPT.date() + timedelta(days=2), Reason.FUTURE_DATE),
        (SEPT.date() - timedelta(days=90), Reason.DATE_TOO_OLD),
    ]:
        with pytest.raises(Refused) as exc:
            await actions.log_trip(
                core, person_id=p.id, mode="walk", km=1, day=day, now=SEPT, channel="web"
            )
        assert exc.value.reason is reason
    assert await rows(core) == 0


async def test_daily_caps_limit_points_then_entries(core) -> None:
    p = await f.person(core, await f.unit(core))
    got = []
    for _ in range(10):
        rec = await actions.log_trip(
            core, person_id=p.id, mode="walk", km=0.5, day=SEPT.date(), now=SEPT, channel="web"
        )
        got.append(rec.fact.points)
    assert sum(got) == 20 and got[-1] == 0  # points cap 20 a day
    with pytest.raises(Refused) as exc:
        await actions.log_trip(
            core, person_id=p.id, mode="walk", km=0.5, day=SEPT.date(), now=SEPT, channel="web"
        )
    assert exc.value.reason is Reason.DAILY_CAP_REACHED
    assert await rows(core) == 10


async def test_clean_plate_once_per_meal(core) -> None:
    p = await f.person(core, await f.unit(core))
    rec = await actions.log_plate(
        core, person_id=p.id, meal="lunch", day=NOW.date(), now=NOW, channel="bot"
    )
    assert rec.fact.co2_g == 192 and rec.campaign.slug == "clean-plate"
    with pytest.raises(Refused) as exc:
        await actions.log_plate(
            core, person_id=p.id, meal="lunch", day=NOW.date(), now=NOW, channel="web"
        )
    assert exc.value.reason is Reason.MEAL_ALREADY_LOGGED  # not "today's limit"
    with pytest.raises(Refused) as exc:
        await actions.log_plate(
            core, person_id=p.id, meal="supper", day=NOW.date(), now=NOW, channel="web"
        )
    assert exc.value.reason is Reason.UNKNOWN_MEAL
    assert await rows(core) == 1


async def test_service_hours_need_a_volunteer_and_fit_in_a_day(core) -> None:
    u = await f.unit(core)
    staff = await f.person(core, u)
    vol = await f.person(core, u, role=Role.VOLUNTEER)
    with pytest.raises(Refused) as exc:
        await actions.log_service(
            core, volunteer_id=staff.id, hours=2, day=NOW.date(), now=NOW, channel="web"
        )
    assert exc.value.reason is Reason.NOT_ALLOWED
    rec = await actions.log_service(
        core, volunteer_id=vol.id, hours=20, day=NOW.date(), now=NOW, channel="web"
    )
    # Self-asserted hours wait for an organizer: nothing counted or paid yet.
    assert rec.fact.status == "pending" and rec.fact.points == 0 and rec.fact.counted == 0
    org = await f.person(core, u, role=Role.ORGANIZER)
    approved = await review.approve_fact(core, fact_id=rec.fact.id, actor_id=org.id, now=NOW)
    assert approved.points == 80 and approved.counted == 1  # 200 capped at 80
    for hours in (5, 25):
        with pytest.raises(Refused) as exc:
            await actions.log_service(
                core, volunteer_id=vol.id, hours=hours, day=NOW.date(), now=NOW, channel="web"
            )
        assert exc.value.reason is Reason.TOO_MANY_HOURS
    assert await rows(core) == 1


async def test_headcount_is_kept_apart_and_bounded_by_capacity(core) -> None:
    u = await f.unit(core)
    vol = await f.person(core, u, role=Role.VOLUNTEER)
    staff = await f.person(core, u)
    ev = await f.event(core, capacity=100)
    org = await f.person(core, u, role=Role.ORGANIZER)
    rec = await actions.log_headcount(
        core, volunteer_id=vol.id, code=ev.code, heads=60, now=NOW, channel="web"
    )
    assert rec.fact.status == "pending" and rec.fact.headcount == 0  # over 50 heads: it waits
    with pytest.raises(Refused) as exc:  # waiting heads hold their places
        await actions.log_headcount(
            core, volunteer_id=vol.id, code=ev.code, heads=41, now=NOW, channel="web"
        )
    assert exc.value.reason is Reason.OVER_CAPACITY
    with pytest.raises(Refused) as exc:
        await actions.log_headcount(
            core, volunteer_id=staff.id, code=ev.code, heads=3, now=NOW, channel="web"
        )
    assert exc.value.reason is Reason.NOT_ALLOWED
    prog = await totals.progress(core, year=2023)
    assert prog.totals.toward_goal == 0 and prog.waiting == 60
    await review.approve_fact(core, fact_id=rec.fact.id, actor_id=org.id, now=NOW)
    prog = await totals.progress(core, year=2023)
    assert prog.waiting == 0
    assert prog.totals.headcount == 60 and prog.totals.person_times == 0
    assert prog.totals.toward_goal == 60
    assert await rows(core) == 1


@pytest.mark.parametrize("heads", [5001, 99_999_999_999, 2**63])
async def test_an_implausible_headcount_is_refused_and_writes_nothing(core, heads) -> None:
    """Extra zeros typed at a booth without a capacity must not carry the year's goal (on
    PostgreSQL they would not even fit the column)."""
    u = await f.unit(core)
    vol = await f.person(core, u, role=Role.VOLUNTEER)
    ev = await f.event(core, capacity=None)
    with pytest.raises(Refused) as exc:
        await actions.log_headcount(
            core, volunteer_id=vol.id, code=ev.code, heads=heads, now=NOW, channel="bot"
        )
    assert exc.value.reason is Reason.HEADCOUNT_TOO_LARGE
    assert exc.value.detail == {"max": 5000}  # "单次最多 5000 人", not "a number above zero"
    assert await rows(core) == 0
    ok = await actions.log_headcount(
        core, volunteer_id=vol.id, code=ev.code, heads=5000, now=NOW, channel="bot"
    )
    assert ok.fact.quantity == 5000 and ok.fact.status == "pending"


async def test_canteen_checks_and_rates(core) -> None:
    a = await f.unit(core, canteen=True)
    b = await f.unit(core, canteen=True)
    none = await f.unit(core, canteen=False)
    staff = await f.person(core, a)
    vol = await f.person(core, a, role=Role.VOLUNTEER)
    await actions.log_canteen_check(
        core,
        person_id=staff.id,
        unit_id=a.id,
        kind="self",
        passed=True,
        day=NOW.date(),
        now=NOW,
        channel="web",
    )
    with pytest.raises(Refused) as exc:
        await actions.log_canteen_check(
            core,
            person_id=staff.id,
            unit_id=b.id,
            kind="spot",
            passed=True,
            day=NOW.date(),
            now=NOW,
            channel="web",
        )
    assert exc.value.reason is Reason.NOT_ALLOWED
    with pytest.raises(Refused) as exc:
        await actions.log_canteen_check(
            core,
            person_id=vol.id,
            unit_id=none.id,
            kind="spot",
            passed=True,
            day=NOW.date(),
            now=NOW,
            channel="web",
        )
    assert exc.value.reason is Reason.NO_CANTEEN
    await actions.log_canteen_check(
        core,
        person_id=vol.id,
        unit_id=b.id,
        kind="spot",
        passed=False,
        notes="剩菜较多",
        day=NOW.date(),
        now=NOW,
        channel="web",
    )
    rates = await totals.canteen_rates(core, year=2023)
    assert rates.canteens >= 2 and rates.self_evaluated == 1 and rates.spot_checked == 1
    assert await rows(core, CanteenCheck) == 2


async def test_void_reverses_totals_and_points_and_is_audited(core) -> None:
    u = await f.unit(core)
    org = await f.person(core, u, role=Role.ORGANIZER)
    p = await f.person(core, u)
    ev = await f.event(core)
    rec = await checkin.check_in(core, code=ev.code, person_id=p.id, now=NOW, channel="web")
    with pytest.raises(Refused) as exc:
        await review.void_fact(core, fact_id=rec.fact.id, actor_id=p.id, reason="x", now=NOW)
    assert exc.value.reason is Reason.NOT_ALLOWED
    with pytest.raises(Refused) as exc:
        await review.void_fact(core, fact_id=rec.fact.id, actor_id=org.id, reason=" ", now=NOW)
    assert exc.value.reason is Reason.REASON_REQUIRED
    voided = await review.void_fact(
        core, fact_id=rec.fact.id, actor_id=org.id, reason="签到重复", now=NOW
    )
    assert voided.status == "void" and voided.void_reason == "签到重复"
    prog = await totals.progress(core, year=2023)
    assert prog.totals.person_times == 0 and prog.totals.people == 0
    assert (await totals.balance(core, person_id=p.id)).points == 0
    with pytest.raises(Refused) as exc:
        await review.void_fact(core, fact_id=rec.fact.id, actor_id=org.id, reason="x", now=NOW)
    assert exc.value.reason is Reason.ALREADY_VOID
    assert await rows(core) == 1  # the fact stays, voided
    async with core.read() as conn:
        actions_logged = (await conn.execute(select(AuditEntry.action))).scalars().all()
    assert "void_fact" in actions_logged
    # a voided check-in frees the place: the person may check in again
    again = await checkin.check_in(core, code=ev.code, person_id=p.id, now=NOW, channel="web")
    assert again.fact.counted == 1
    assert (await totals.reconcile(core, now=NOW)).ok


async def test_void_hands_the_person_day_to_another_entry(core) -> None:
    u = await f.unit(core)
    org = await f.person(core, u, role=Role.ORGANIZER)
    p = await f.person(core, u)
    first = await actions.log_trip(
        core, person_id=p.id, mode="walk", km=1, day=SEPT.date(), now=SEPT, channel="web"
    )
    second = await actions.log_trip(
        core, person_id=p.id, mode="bike", km=2, day=SEPT.date(), now=SEPT, channel="web"
    )
    assert (first.fact.counted, second.fact.counted) == (1, 0)
    await review.void_fact(core, fact_id=first.fact.id, actor_id=org.id, reason="测试", now=SEPT)
    prog = await totals.progress(core, year=2023)
    assert prog.totals.person_times == 1 and prog.totals.people == 1
    assert (await totals.reconcile(core, now=SEPT)).ok
