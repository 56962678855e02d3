"""What counts: waiting entries count nowhere until approved; small rules that leaked
points; idempotency keys scoped to their caller and action; capacity and balances exact
with several instances on one database."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from campaigns import actions, checkin, exports, review, rewards, totals
from campaigns.core import Core, open_core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Role
from storage.models import Fact, LedgerEntry
from tests import factories as f
from tests.factories import NOW, SEPT, SEPT_DAY


async def n_facts(core: Core, *where: Any) -> int:
    async with core.read() as conn:
        stmt = select(func.count()).select_from(Fact)
        return int(await conn.scalar(stmt.where(*where) if where else stmt) or 0)


async def reconciled(core: Core) -> None:
    report = await totals.reconcile(core, now=NOW)
    assert report.ok, report.mismatches


async def test_a_waiting_entry_counts_nowhere_until_approved(core: Core) -> None:
    unit = await f.unit(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    org = await f.person(core, unit, role=Role.ORGANIZER)
    ev = await f.event(core)
    hours = await actions.log_service(
        core, volunteer_id=vol.id, hours=3, day=NOW.date(), now=NOW, channel="web"
    )
    heads = await actions.log_headcount(
        core, volunteer_id=vol.id, code=ev.code, heads=80, now=NOW, channel="web"
    )
    small = await actions.log_headcount(
        core, volunteer_id=vol.id, code=ev.code, heads=20, now=NOW, channel="web"
    )
    assert hours.fact.status == heads.fact.status == "pending" and small.fact.status == "counted"
    progress = await totals.progress(core, year=2023)
    assert progress.totals.toward_goal == 20 and progress.waiting == 1 + 80
    units = {u.unit.id: u for u in await totals.by_unit(core, year=2023)}
    assert units[unit.id].own.person_times == 0
    camps = {c.campaign.id: c.totals for c in await totals.by_campaign(core, year=2023)}
    assert camps[hours.campaign.id].person_times == 0
    assert (await totals.balance(core, person_id=vol.id)).points == 5  # the small headcount only
    rows = await exports.fact_rows(core, start=NOW.date(), end=NOW.date())
    waiting = [r for r in rows if r["status"] == "pending"]
    assert len(waiting) == 2 and all(r["person_times"] == r["points"] == 0 for r in waiting)
    assert [line.fact.id for line in await review.review_queue(core)] == [
        hours.fact.id,
        heads.fact.id,
    ]
    await reconciled(core)

    approved = await review.approve_fact(core, fact_id=hours.fact.id, actor_id=org.id, now=NOW)
    assert approved.status == "counted" and approved.counted == 1 and approved.points == 30
    rejected = await review.reject_fact(
        core, fact_id=heads.fact.id, actor_id=org.id, reason="无照片为证", now=NOW
    )
    assert rejected.status == "void" and rejected.void_reason == "无照片为证"
    progress = await totals.progress(core, year=2023)
    assert progress.totals.person_times == 1 and progress.totals.headcount == 20
    assert progress.waiting == 0
    assert (await totals.balance(core, person_id=vol.id)).points == 35
    with pytest.raises(Refused) as exc:
        await review.approve_fact(core, fact_id=hours.fact.id, actor_id=org.id, now=NOW)
    assert exc.value.reason is Reason.NOT_PENDING
    with pytest.raises(Refused) as exc:
        await review.approve_fact(core, fact_id=small.fact.id, actor_id=vol.id, now=NOW)
    assert exc.value.reason is Reason.NOT_ALLOWED
    await reconciled(core)


async def test_an_organizers_own_hours_count_at_once(core: Core) -> None:
    org = await f.person(core, await f.unit(core), role=Role.ORGANIZER)
    rec = await actions.log_service(
        core, volunteer_id=org.id, hours=2, day=NOW.date(), now=NOW, channel="web"
    )
    assert rec.fact.status == "counted" and rec.fact.points == 20


async def test_approval_keeps_one_count_per_day_and_the_days_points_cap(core: Core) -> None:
    unit = await f.unit(core)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    org = await f.person(core, unit, role=Role.ORGANIZER)
    waiting = [
        await actions.log_service(
            core, volunteer_id=vol.id, hours=h, day=NOW.date(), now=NOW, channel="web"
        )
        for h in (6, 5)
    ]
    with pytest.raises(Refused) as exc:  # waiting hours count toward the day's 24
        await actions.log_service(
            core, volunteer_id=vol.id, hours=14, day=NOW.date(), now=NOW, channel="web"
        )
    assert exc.value.reason is Reason.TOO_MANY_HOURS
    first, second = [
        await review.approve_fact(core, fact_id=w.fact.id, actor_id=org.id, now=NOW)
        for w in waiting
    ]
    assert (first.counted, first.points) == (1, 60)
    assert (second.counted, second.points) == (0, 20)  # the day counted once; 80 a day at most
    assert (await totals.progress(core, year=2023)).totals.person_times == 1
    await reconciled(core)


async def test_the_rules_can_ask_for_a_photo(core: Core) -> None:
    core.rules = dataclasses.replace(core.rules, photo_required=frozenset({"trip"}))
    unit = await f.unit(core)
    person = await f.person(core, unit)
    org = await f.person(core, unit, role=Role.ORGANIZER)
    trip: dict[str, Any] = {
        "person_id": person.id,
        "mode": "bus",
        "km": 5,
        "day": SEPT_DAY,
        "now": SEPT,
    }
    with pytest.raises(Refused) as exc:
        await actions.log_trip(core, channel="web", **trip)
    assert exc.value.reason is Reason.PHOTO_REQUIRED
    rec = await actions.log_trip(core, channel="web", evidence_path="2023/09/t.jpg", **trip)
    assert rec.fact.status == "pending" and rec.fact.co2_g == 0
    accepted = await review.judge_evidence(
        core, fact_id=rec.fact.id, actor_id=org.id, accept=True, reason="", now=SEPT
    )
    assert accepted.status == "counted" and accepted.points == 5 and accepted.co2_g == 134
    await reconciled(core)


async def test_small_rules_that_leaked_points(core: Core) -> None:
    unit = await f.unit(core, canteen=True)
    person = await f.person(core, unit)
    colleague = await f.person(core, unit)
    with pytest.raises(Refused) as exc:
        await actions.log_trip(
            core, person_id=person.id, mode="walk", km=0.05, day=SEPT_DAY, now=SEPT, channel="web"
        )
    assert exc.value.reason is Reason.TRIP_TOO_SHORT and exc.value.detail["min_km"] == 0.1
    checks = [
        await actions.log_canteen_check(
            core,
            person_id=who.id,
            unit_id=unit.id,
            kind="self",
            passed=True,
            day=NOW.date(),
            now=NOW,
            channel="web",
        )
        for who in (person, colleague)
    ]
    assert checks[0].points == 5 and not checks[0].paid_before
    assert checks[1].points == 0 and checks[1].paid_before  # the same canteen, the same day
    paid = (await totals.balance(core, person_id=person.id)).points
    paid += (await totals.balance(core, person_id=colleague.id)).points
    assert paid == 5
    tomorrow = await actions.log_canteen_check(
        core,
        person_id=person.id,
        unit_id=unit.id,
        kind="self",
        passed=True,
        day=NOW.date() + timedelta(days=1),
        now=NOW + timedelta(days=1),
        channel="web",
    )
    assert tomorrow.points == 5


async def test_idempotency_keys_belong_to_their_caller_and_action(core: Core) -> None:
    unit = await f.unit(core)
    x, y = await f.person(core, unit), await f.person(core, unit)
    ev, other = await f.event(core), await f.event(core)
    first = await checkin.check_in(
        core, code=ev.code, person_id=x.id, now=NOW, channel="api", idempotency_key="k-1"
    )
    again = await checkin.check_in(
        core, code=ev.code, person_id=x.id, now=NOW, channel="api", idempotency_key="k-1"
    )
    assert again.repeated and again.fact.id == first.fact.id
    # Y sending X's key is Y's own request: Y's own fact, not X's answer.
    mine = await checkin.check_in(
        core, code=ev.code, person_id=y.id, now=NOW, channel="api", idempotency_key="k-1"
    )
    assert not mine.repeated and mine.fact.person_id == y.id
    with pytest.raises(Refused) as exc:  # the same key for another event
        await checkin.check_in(
            core, code=other.code, person_id=x.id, now=NOW, channel="api", idempotency_key="k-1"
        )
    assert exc.value.reason is Reason.IDEMPOTENCY_KEY_REUSED
    trip: dict[str, Any] = {
        "person_id": x.id,
        "mode": "bus",
        "day": SEPT_DAY,
        "now": SEPT,
        "channel": "api",
    }
    await actions.log_trip(core, km=5, idempotency_key="k-1", **trip)  # another action: fine
    with pytest.raises(Refused) as exc:
        await actions.log_trip(core, km=6, idempotency_key="k-1", **trip)
    assert exc.value.reason is Reason.IDEMPOTENCY_KEY_REUSED
    assert await n_facts(core) == 3


async def test_a_long_idempotency_key_is_kept_short_under_its_caller(core: Core) -> None:
    """Whatever a client sends as its key (here 500 characters), the stored key fits its
    column, starts with the caller and the action (one caller's keys sit together in the
    unique index), and still replays the first answer."""
    unit = await f.unit(core)
    x = await f.person(core, unit)
    ev = await f.event(core)
    long_key = "長" * 500
    first = await checkin.check_in(
        core, code=ev.code, person_id=x.id, now=NOW, channel="api", idempotency_key=long_key
    )
    again = await checkin.check_in(
        core, code=ev.code, person_id=x.id, now=NOW, channel="api", idempotency_key=long_key
    )
    assert again.repeated and again.fact.id == first.fact.id
    with pytest.raises(Refused) as exc:  # another key is another request, not a replay
        await checkin.check_in(
            core, code=ev.code, person_id=x.id, now=NOW, channel="api", idempotency_key="長" * 499
        )
    assert exc.value.reason is Reason.ALREADY_CHECKED_IN
    async with core.read() as conn:
        stored = await conn.scalar(select(Fact.idempotency_key).where(Fact.id == first.fact.id))
    assert stored is not None and len(stored) <= 80
    assert stored.startswith(f"p{x.id}:checkin:")


async def test_capacity_holds_across_instances(core: Core, db_url: str) -> None:
    """Four cores (four instances' writers) on one database; 40 people for 10 places."""
    unit = await f.unit(core)
    crowd = [await f.person(core, unit) for _ in range(40)]
    ev = await f.event(core, capacity=10)
    others = [await open_core(db_url, secret=core.secret, migrate=False) for _ in range(3)]
    cores = [core, *others]
    try:
        results = await asyncio.gather(
            *(
                checkin.check_in(cores[i % 4], code=ev.code, person_id=p.id, now=NOW, channel="web")
                for i, p in enumerate(crowd)
            ),
            return_exceptions=True,
        )
    finally:
        for other in others:
            await other.close()
    admitted = [r for r in results if not isinstance(r, BaseException)]
    full = [r for r in results if isinstance(r, Refused) and r.reason is Reason.OVER_CAPACITY]
    assert len(admitted) == 10 and len(full) == 30
    assert await n_facts(core, Fact.event_id == ev.id) == 10
    await reconciled(core)


async def test_a_balance_is_spent_once_across_instances(core: Core, db_url: str) -> None:
    unit = await f.unit(core)
    person = await f.person(core, unit)
    vol = await f.person(core, unit, role=Role.VOLUNTEER)
    ev = await f.event(core)
    await checkin.check_in(core, code=ev.code, person_id=person.id, now=NOW, channel="web")
    reward = await rewards.save_reward(
        core, actor_id=None, name_zh="环保袋", price=10, stock=100, now=NOW
    )
    found = await _qr(core, person.id)
    others = [await open_core(db_url, secret=core.secret, migrate=False) for _ in range(3)]
    cores = [core, *others]
    try:
        results = await asyncio.gather(
            *(
                rewards.redeem(
                    cores[i % 4], reward_id=reward.id, token=found, volunteer_id=vol.id, now=NOW
                )
                for i in range(20)
            ),
            return_exceptions=True,
        )
    finally:
        for other in others:
            await other.close()
    done = [r for r in results if not isinstance(r, BaseException)]
    short = [r for r in results if isinstance(r, Refused)]
    assert len(done) == 1 and len(short) == 19
    assert all(r.reason is Reason.INSUFFICIENT_BALANCE for r in short)
    assert (await totals.balance(core, person_id=person.id)).points == 0
    async with core.read() as conn:
        spent = await conn.scalar(select(func.count()).where(LedgerEntry.kind == "redeem"))
    assert spent == 1


async def _qr(core: Core, person_id: int) -> str:
    from storage.models import Person

    async with core.read() as conn:
        return str(await conn.scalar(select(Person.qr_token).where(Person.id == person_id)))
