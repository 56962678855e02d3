"""Logging green actions: trips, clean plates, service hours, booth headcounts, canteen
checks. Voiding a fact lives with the other corrections, in campaigns.review."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from campaigns import text
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.identity import request_fingerprint, scoped_key
from campaigns.reasons import Reason
from campaigns.recording import (
    check_fingerprint,
    counts_toward_goal,
    day_key,
    fact_row,
    recorded_for,
    replay,
    write_fact,
)
from campaigns.results import FactKind, Recorded, Role
from campaigns.rules import Rules
from storage import identity as identity_store
from storage import queries, writes
from storage.models import CanteenCheck, LedgerEntry
from storage.writer import Call, Tx


@dataclass(frozen=True)
class CanteenCheckView:
    id: int
    unit_id: int
    kind: str
    checked_on: date
    passed: bool
    points: int
    repeated: bool = False
    # another check of this canteen of this kind was filed that day: kept, not paid again
    paid_before: bool = False


@dataclass(frozen=True)
class _Key:
    """An idempotency key scoped to its caller and action, with its request's fingerprint."""

    key: str | None
    fingerprint: str

    @classmethod
    def of(cls, caller: int, action: str, key: str | None, *payload: object) -> _Key:
        return cls(scoped_key(f"p{caller}", action, key), request_fingerprint(action, *payload))


def _check_day(core: Core, day: date, now: datetime) -> None:
    today = core.today(now)
    if day > today:
        raise Refused(Reason.FUTURE_DATE)
    if day < today - timedelta(days=core.rules.max_days_back):
        raise Refused(Reason.DATE_TOO_OLD, days=core.rules.max_days_back)


def _quantity(value: float) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise Refused(Reason.INVALID_QUANTITY)
    return round(float(value), 2)


async def _actor(tx: Tx, person_id: int, role: Role = Role.PARTICIPANT) -> dict[str, Any]:
    """The person acting (one merged into another is that other person now). Refuses
    UNKNOWN_PERSON, PERSON_DELETED, NOT_ALLOWED."""
    row = await queries.person(tx.conn, id=person_id)
    if row is not None and row["merged_into_id"] is not None:
        row = await queries.person(
            tx.conn, id=await identity_store.merged_target(tx.conn, person_id)
        )
    if row is None:
        raise Refused(Reason.UNKNOWN_PERSON)
    if row["deleted_at"] is not None:
        raise Refused(Reason.PERSON_DELETED)
    if not Role(row["role"]).at_least(role):
        raise Refused(Reason.NOT_ALLOWED)
    return dict(row)


async def _habit_campaign(tx: Tx, habit: str, day: date) -> dict[str, Any]:
    camp = await queries.active_habit_campaign(tx.conn, habit, day)
    if camp is None:
        raise Refused(Reason.NO_ACTIVE_CAMPAIGN)
    return dict(camp)


async def _record_habit(
    core: Core,
    tx: Tx,
    *,
    kind: FactKind,
    habit: str,
    person: dict[str, Any],
    day: date,
    now: datetime,
    channel: str,
    points: int,
    already_points: int,
    mode: str | None = None,
    quantity: float = 0.0,
    co2_g: int = 0,
    idempotency_key: _Key | None = None,
    evidence_path: str | None = None,
    pending: bool = False,
) -> Recorded:
    camp = await _habit_campaign(tx, habit, day)
    awarded = core.rules.capped_points(habit, points, already_points)
    person_id = int(person["id"])
    row = fact_row(
        kind=kind,
        person_id=person_id,
        unit_id=person["unit_id"],
        campaign_id=int(camp["id"]),
        occurred_on=day,
        now=now,
        channel=channel,
        mode=mode,
        quantity=quantity,
        co2_g=co2_g,
        points=awarded,
        counted=1,
        idempotency_key=idempotency_key.key if idempotency_key else None,
        fingerprint=idempotency_key.fingerprint if idempotency_key else None,
        evidence_path=evidence_path,
        count_key=day_key(int(camp["id"]), person_id, day),
        pending=pending,
    )
    written = await write_fact(
        tx, row, counts_toward_goal=bool(camp["counts_toward_goal"]), ledger_person=person_id
    )
    result = await recorded_for(tx.conn, written)
    return Recorded(
        fact=result.fact, campaign=result.campaign, points_capped=not pending and awarded < points
    )


def _needs_photo(core: Core, kind: str, evidence_path: str | None) -> bool:
    """Whether the entry waits for its photo; refuses PHOTO_REQUIRED when it has none."""
    if kind not in core.rules.photo_required:
        return False
    if not evidence_path:
        raise Refused(Reason.PHOTO_REQUIRED)
    return True


def check_trip(rules: Rules, *, mode: str, km: float) -> float:
    """A trip's distance as it is recorded (rounded), or the refusal: the bot checks it where
    the number is typed. Refuses UNKNOWN_MODE, INVALID_QUANTITY, TRIP_TOO_SHORT,
    IMPLAUSIBLE_DISTANCE."""
    if mode not in rules.modes:
        raise Refused(Reason.UNKNOWN_MODE)
    km = _quantity(km)
    if km < rules.trip_min_km:
        raise Refused(Reason.TRIP_TOO_SHORT, km=km, min_km=rules.trip_min_km)
    if km > rules.modes[mode].max_km:
        raise Refused(Reason.IMPLAUSIBLE_DISTANCE, km=km, max_km=rules.modes[mode].max_km)
    return km


async def log_trip(
    core: Core,
    *,
    person_id: int,
    mode: str,
    km: float,
    day: date,
    now: datetime,
    channel: str,
    idempotency_key: str | None = None,
    evidence_path: str | None = None,
) -> Recorded:
    """A green trip. Refuses UNKNOWN_MODE, INVALID_QUANTITY, TRIP_TOO_SHORT (detail
    min_km), IMPLAUSIBLE_DISTANCE (detail max_km), FUTURE_DATE, DATE_TOO_OLD,
    DAILY_CAP_REACHED, NO_ACTIVE_CAMPAIGN, PHOTO_REQUIRED (when the rules ask for one),
    IDEMPOTENCY_KEY_REUSED."""
    rules = core.rules
    km = check_trip(rules, mode=mode, km=km)
    _check_day(core, day, now)
    advice = rules.advice_135(mode, km)
    pending = _needs_photo(core, "trip", evidence_path)
    key = _Key.of(person_id, "trip", idempotency_key, mode, km, day)

    async def run(tx: Tx) -> Recorded:
        if (first := await replay(tx.conn, key.key, key.fingerprint)) is not None:
            return Recorded(fact=first.fact, campaign=first.campaign, repeated=True, advice=advice)
        person = await _actor(tx, person_id)
        entries, _, pts = await queries.day_usage(
            tx.conn, person_id=person["id"], kind="trip", day=day
        )
        cap = rules.caps["trip"].max_entries_per_day
        if cap is not None and entries >= cap:
            raise Refused(Reason.DAILY_CAP_REACHED)
        result = await _record_habit(
            core,
            tx,
            kind=FactKind.TRIP,
            habit="trip",
            person=person,
            day=day,
            now=now,
            channel=channel,
            points=rules.points["trip"],
            already_points=pts,
            mode=mode,
            quantity=km,
            co2_g=rules.trip_co2_g(mode, km),
            idempotency_key=key,
            evidence_path=evidence_path,
            pending=pending,
        )
        return Recorded(
            fact=result.fact,
            campaign=result.campaign,
            advice=advice,
            points_capped=result.points_capped,
        )

    return await core.write(Call[Recorded](run))


async def log_plate(
    core: Core,
    *,
    person_id: int,
    meal: str,
    day: date,
    now: datetime,
    channel: str,
    idempotency_key: str | None = None,
    evidence_path: str | None = None,
) -> Recorded:
    """A clean-plate meal. Refuses UNKNOWN_MEAL, FUTURE_DATE, DATE_TOO_OLD,
    MEAL_ALREADY_LOGGED, DAILY_CAP_REACHED (the day's limit), NO_ACTIVE_CAMPAIGN,
    PHOTO_REQUIRED (when the rules ask for one), IDEMPOTENCY_KEY_REUSED."""
    rules = core.rules
    if meal not in rules.meals:
        raise Refused(Reason.UNKNOWN_MEAL)
    _check_day(core, day, now)
    pending = _needs_photo(core, "plate", evidence_path)
    key = _Key.of(person_id, "plate", idempotency_key, meal, day)

    async def run(tx: Tx) -> Recorded:
        if (first := await replay(tx.conn, key.key, key.fingerprint)) is not None:
            return first
        person = await _actor(tx, person_id)
        if await queries.same_meal(tx.conn, person_id=person["id"], day=day, meal=meal):
            raise Refused(Reason.MEAL_ALREADY_LOGGED, meal=meal)
        entries, _, pts = await queries.day_usage(
            tx.conn, person_id=person["id"], kind="plate", day=day
        )
        cap = rules.caps["plate"].max_entries_per_day
        if cap is not None and entries >= cap:
            raise Refused(Reason.DAILY_CAP_REACHED)
        return await _record_habit(
            core,
            tx,
            kind=FactKind.PLATE,
            habit="plate",
            person=person,
            day=day,
            now=now,
            channel=channel,
            points=rules.points["plate"],
            already_points=pts,
            mode=meal,
            quantity=1,
            co2_g=rules.plate_co2_g,
            idempotency_key=key,
            evidence_path=evidence_path,
            pending=pending,
        )

    return await core.write(Call[Recorded](run))


async def log_service(
    core: Core,
    *,
    volunteer_id: int,
    hours: float,
    day: date,
    now: datetime,
    channel: str,
    idempotency_key: str | None = None,
    evidence_path: str | None = None,
) -> Recorded:
    """Volunteer service hours; they wait for an organizer's approval (the rules say so;
    an organizer's own count at once). Refuses NOT_ALLOWED, INVALID_QUANTITY,
    TOO_MANY_HOURS (a day's total over its cap, waiting entries included), FUTURE_DATE,
    DATE_TOO_OLD, NO_ACTIVE_CAMPAIGN, PHOTO_REQUIRED, IDEMPOTENCY_KEY_REUSED."""
    rules = core.rules
    hours = _quantity(hours)
    max_hours = rules.caps["service"].max_hours_per_day or 24
    if hours > max_hours:
        raise Refused(Reason.TOO_MANY_HOURS, max_hours=max_hours)
    _check_day(core, day, now)
    photo_waits = _needs_photo(core, "service", evidence_path)
    key = _Key.of(volunteer_id, "service", idempotency_key, hours, day)

    async def run(tx: Tx) -> Recorded:
        if (first := await replay(tx.conn, key.key, key.fingerprint)) is not None:
            return first
        person = await _actor(tx, volunteer_id, Role.VOLUNTEER)
        by_organizer = Role(person["role"]).at_least(Role.ORGANIZER)
        _, logged, pts = await queries.day_usage(
            tx.conn, person_id=person["id"], kind="service", day=day, pending=True
        )
        if logged + hours > max_hours:
            raise Refused(Reason.TOO_MANY_HOURS, max_hours=max_hours)
        return await _record_habit(
            core,
            tx,
            kind=FactKind.SERVICE,
            habit="service",
            person=person,
            day=day,
            now=now,
            channel=channel,
            points=rules.service_points(hours),
            already_points=pts,
            quantity=hours,
            idempotency_key=key,
            evidence_path=evidence_path,
            pending=photo_waits or rules.waits("service", by_organizer=by_organizer),
        )

    return await core.write(Call[Recorded](run))


async def log_headcount(
    core: Core,
    *,
    volunteer_id: int,
    code: str,
    heads: float,
    now: datetime,
    channel: str,
    idempotency_key: str | None = None,
    evidence_path: str | None = None,
) -> Recorded:
    """A booth headcount at an event: N person-times, kept apart from identified ones; one
    of more heads than the rules' threshold waits for an organizer's approval.
    Refuses NOT_ALLOWED, UNKNOWN_CODE, INVALID_QUANTITY (not a whole number above zero),
    HEADCOUNT_TOO_LARGE (detail max: past the rules' plausible count for one entry),
    OVER_CAPACITY (waiting heads included), DAILY_CAP_REACHED, PHOTO_REQUIRED,
    IDEMPOTENCY_KEY_REUSED."""
    rules = core.rules
    _quantity(heads)  # a finite number above zero
    if isinstance(heads, bool) or heads != int(heads):
        raise Refused(Reason.INVALID_QUANTITY)
    bound = rules.caps["headcount"].max_per_entry
    if bound is not None and heads > bound:
        raise Refused(Reason.HEADCOUNT_TOO_LARGE, max=bound)
    heads = int(heads)
    day = core.today(now)
    code = code.strip().lower()
    waits = _needs_photo(core, "headcount", evidence_path) or rules.waits(
        "headcount", quantity=heads
    )
    key = _Key.of(volunteer_id, "headcount", idempotency_key, code, heads)

    async def run(tx: Tx) -> Recorded:
        if (first := await replay(tx.conn, key.key, key.fingerprint)) is not None:
            return first
        logger_id = (await _actor(tx, volunteer_id, Role.VOLUNTEER))["id"]
        ev = await queries.event(tx.conn, code=code)
        if ev is None:
            raise Refused(Reason.UNKNOWN_CODE)
        if ev["capacity"] is not None:
            await identity_store.lock_events(tx.conn, [ev["id"]])
            taken = (await queries.event_totals(tx.conn, ev["id"]))["headcount"]
            taken += tx.deltas.pending(day.year, "event", str(ev["id"]), "headcount")
            taken += await queries.waiting_heads(tx.conn, ev["id"])
            if taken + heads > ev["capacity"]:
                raise Refused(Reason.OVER_CAPACITY, capacity=ev["capacity"])
        entries, pts = await queries.logged_points_today(
            tx.conn, logged_by_id=logger_id, kind="headcount", day=day
        )
        cap = rules.caps["headcount"].max_entries_per_day
        if cap is not None and entries >= cap:
            raise Refused(Reason.DAILY_CAP_REACHED)
        awarded = rules.capped_points("headcount", rules.points["headcount"], pts)
        row = fact_row(
            kind=FactKind.HEADCOUNT,
            person_id=None,
            unit_id=None,
            campaign_id=ev["campaign_id"],
            event_id=ev["id"],
            occurred_on=day,
            now=now,
            channel=channel,
            logged_by_id=logger_id,
            quantity=heads,
            headcount=heads,
            points=awarded,
            idempotency_key=key.key,
            fingerprint=key.fingerprint,
            evidence_path=evidence_path,
            pending=waits,
        )
        written = await write_fact(
            tx,
            row,
            counts_toward_goal=await counts_toward_goal(tx.conn, ev["campaign_id"]),
            ledger_person=logger_id,
        )
        return await recorded_for(tx.conn, written)

    return await core.write(Call[Recorded](run))


async def log_canteen_check(
    core: Core,
    *,
    person_id: int,
    unit_id: int,
    kind: str,
    passed: bool,
    day: date,
    now: datetime,
    channel: str,
    notes: str = "",
    idempotency_key: str | None = None,
    evidence_path: str | None = None,
) -> CanteenCheckView:
    """A canteen's self-evaluation (by its own staff) or a volunteer's spot check.
    Refuses INVALID_INPUT, NOT_ALLOWED (spot checks need a volunteer), UNKNOWN_UNIT,
    NO_CANTEEN, NOT_OWN_CANTEEN (a self-evaluation of another unit's canteen), FUTURE_DATE,
    DATE_TOO_OLD, IDEMPOTENCY_KEY_REUSED. A canteen checked again the same day (same kind,
    anyone) is recorded and pays nothing: `paid_before`."""
    if kind not in ("self", "spot") or len(notes or "") > 1000:
        raise Refused(Reason.INVALID_INPUT)
    text.check(notes or "")
    _check_day(core, day, now)
    points = core.rules.points["canteen_check"]
    key = _Key.of(person_id, "canteen", idempotency_key, unit_id, kind, passed, day, notes)
    pay_key = f"c:{unit_id}:{kind}:{day.isoformat()}"

    async def run(tx: Tx) -> CanteenCheckView:
        if key.key:
            found = await queries.canteen_check_by_key(tx.conn, key.key)
            if found is not None:
                check_fingerprint(found, key.fingerprint)
                return CanteenCheckView(
                    found["id"],
                    found["unit_id"],
                    found["kind"],
                    found["checked_on"],
                    found["passed"],
                    0,
                    repeated=True,
                )
        actor = await _actor(tx, person_id, Role.VOLUNTEER if kind == "spot" else Role.PARTICIPANT)
        has = await queries.unit_has_canteen(tx.conn, unit_id)
        if has is None:
            raise Refused(Reason.UNKNOWN_UNIT)
        if not has:
            raise Refused(Reason.NO_CANTEEN)
        if kind == "self" and actor["unit_id"] != unit_id:
            raise Refused(Reason.NOT_OWN_CANTEEN)
        paid_before = await queries.canteen_check_paid(tx.conn, pay_key)
        new_id = await writes.insert_row(
            tx.conn,
            CanteenCheck,
            unit_id=unit_id,
            kind=kind,
            checked_on=day,
            by_person_id=actor["id"],
            passed=passed,
            notes=notes or "",
            evidence_path=evidence_path,
            created_at=now,
            idempotency_key=key.key,
            idempotency_fingerprint=key.fingerprint if key.key else None,
            pay_key=None if paid_before else pay_key,
        )
        if paid_before:
            return CanteenCheckView(new_id, unit_id, kind, day, passed, 0, paid_before=True)
        await writes.insert_row(
            tx.conn, LedgerEntry, person_id=actor["id"], delta=points, kind="earn", created_at=now
        )
        return CanteenCheckView(new_id, unit_id, kind, day, passed, points)

    return await core.write(Call[CanteenCheckView](run))
