"""Reads shared by the services; each returns plain mappings, never live ORM rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import RowMapping, String, bindparam, func, or_, select
from sqlalchemy import update as _update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from storage.db import as_id
from storage.models import (
    AuditEntry,
    Campaign,
    CanteenCheck,
    Event,
    Fact,
    LedgerEntry,
    Person,
    Reward,
    Tally,
    Unit,
)

PERSON_COLUMNS = (
    Person.__table__.c.id,
    Person.display_name,
    Person.unit_id,
    Person.role,
    Person.language,
    Person.telegram_id,
    Person.qr_token,
    Person.deleted_at,
    Person.possible_duplicate,
    Person.merged_into_id,
    Person.left_at,
    func.coalesce(Unit.name_zh, "").label("unit_name_zh"),
    func.coalesce(Unit.name_en, "").label("unit_name_en"),
)


def _person_select() -> Any:
    return select(*PERSON_COLUMNS).outerjoin(Unit, Unit.id == Person.unit_id)


# The hot paths' statements are built once (bound parameters, "expanding" for IN lists):
# building a statement costs more than SQLite takes to run it.
@cache
def _person_where(names: tuple[str, ...]) -> Any:
    stmt = _person_select()
    for name in names:
        stmt = stmt.where(getattr(Person, name) == bindparam(name))
    return stmt.limit(1)


@cache
def _person_in(column: str) -> Any:
    return _person_select().where(getattr(Person, column).in_(bindparam("values", expanding=True)))


async def person(conn: AsyncConnection, **where: Any) -> RowMapping | None:
    stmt = _person_where(tuple(sorted(where)))
    return (await conn.execute(stmt, where)).mappings().first()


async def people_by_ids(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, RowMapping]:
    rows = (await conn.execute(_person_in("id"), {"values": list(ids)})).mappings().all()
    return {r["id"]: r for r in rows}


async def people_by_column(
    conn: AsyncConnection, column: Any, values: Sequence[Any]
) -> Sequence[RowMapping]:
    stmt = _person_in(column.key)
    return (await conn.execute(stmt, {"values": list(values)})).mappings().all()


async def search_people(conn: AsyncConnection, text: str, limit: int) -> Sequence[RowMapping]:
    stmt = (
        _person_select()
        .where(
            Person.deleted_at.is_(None),
            Person.merged_into_id.is_(None),
            Person.display_name.contains(text, autoescape=True),
        )
        .order_by(Person.display_name)
        .limit(limit)
    )
    return (await conn.execute(stmt)).mappings().all()


async def unit(conn: AsyncConnection, unit_id: int) -> RowMapping | None:
    return (await conn.execute(select(Unit).where(Unit.id == unit_id))).mappings().first()


async def units(conn: AsyncConnection) -> Sequence[RowMapping]:
    return (await conn.execute(select(Unit).order_by(Unit.id))).mappings().all()


async def search_units(conn: AsyncConnection, text: str, limit: int) -> Sequence[RowMapping]:
    stmt = (
        select(Unit)
        .where(
            or_(
                Unit.name_zh.contains(text, autoescape=True),
                Unit.name_en.contains(text, autoescape=True),
                Unit.code == text,
            )
        )
        .order_by(Unit.name_zh)
        .limit(limit)
    )
    return (await conn.execute(stmt)).mappings().all()


_CAMPAIGN_BY_ID = select(Campaign).where(Campaign.id == bindparam("id"))


async def campaign(conn: AsyncConnection, campaign_id: int) -> RowMapping | None:
    return (await conn.execute(_CAMPAIGN_BY_ID, {"id": campaign_id})).mappings().first()


async def campaigns(conn: AsyncConnection) -> Sequence[RowMapping]:
    stmt = select(Campaign).order_by(Campaign.starts_on.is_(None), Campaign.starts_on, Campaign.id)
    return (await conn.execute(stmt)).mappings().all()


async def active_habit_campaign(conn: AsyncConnection, habit: str, day: date) -> RowMapping | None:
    """The most specific campaign for a habit that runs on `day` (a dated one before a
    year-round one)."""
    stmt = (
        select(Campaign)
        .where(
            Campaign.habit == habit,
            or_(Campaign.starts_on.is_(None), Campaign.starts_on <= day),
            or_(Campaign.ends_on.is_(None), Campaign.ends_on >= day),
        )
        .order_by(Campaign.starts_on.is_(None), Campaign.ends_on - Campaign.starts_on, Campaign.id)
        .limit(1)
    )
    return (await conn.execute(stmt)).mappings().first()


_EVENTS_BY_CODE = (
    select(Event, Campaign.counts_toward_goal)
    .join(Campaign, Campaign.id == Event.campaign_id)
    .where(Event.code.in_(bindparam("codes", expanding=True)))
)


async def events_by_code(conn: AsyncConnection, codes: Sequence[str]) -> dict[str, RowMapping]:
    rows = (await conn.execute(_EVENTS_BY_CODE, {"codes": list(codes)})).mappings().all()
    return {r["code"]: r for r in rows}


async def event(
    conn: AsyncConnection, *, code: str | None = None, event_id: int | None = None
) -> RowMapping | None:
    stmt = select(Event)
    stmt = stmt.where(Event.code == code) if code is not None else stmt.where(Event.id == event_id)
    return (await conn.execute(stmt)).mappings().first()


async def events(conn: AsyncConnection, campaign_id: int | None = None) -> Sequence[RowMapping]:
    stmt = select(Event).order_by(Event.starts_at.desc())
    if campaign_id is not None:
        stmt = stmt.where(Event.campaign_id == campaign_id)
    return (await conn.execute(stmt)).mappings().all()


_EVENT_COUNTS = select(Tally.key, Tally.person_times).where(
    Tally.dim == "event", Tally.key.in_(bindparam("keys", expanding=True))
)


async def event_counts(conn: AsyncConnection, event_ids: Sequence[int]) -> dict[int, int]:
    params = {"keys": [str(i) for i in event_ids]}
    out: dict[int, int] = {}
    for key, value in (await conn.execute(_EVENT_COUNTS, params)).all():
        out[int(key)] = out.get(int(key), 0) + value
    return out


async def fact(conn: AsyncConnection, **where: Any) -> RowMapping | None:
    stmt = select(Fact)
    for name, value in where.items():
        stmt = stmt.where(getattr(Fact, name) == value)
    return (await conn.execute(stmt.limit(1))).mappings().first()


@cache
def _facts_in(column: str) -> Any:
    return select(Fact).where(getattr(Fact, column).in_(bindparam("values", expanding=True)))


async def facts_by(
    conn: AsyncConnection, column: str, values: Sequence[Any]
) -> dict[Any, RowMapping]:
    rows = (await conn.execute(_facts_in(column), {"values": list(values)})).mappings().all()
    return {r[column]: r for r in rows}


async def day_usage(
    conn: AsyncConnection, *, person_id: int, kind: str, day: date, pending: bool = True
) -> tuple[int, float, int]:
    """(entries, quantity, points) a person logged of one kind on one day, voids excluded;
    entries waiting for approval count toward the entries and the quantity (they earn
    their points only when approved) unless `pending` is off."""
    statuses = ("counted", "pending") if pending else ("counted",)
    stmt = select(func.count(Fact.id), func.sum(Fact.quantity), func.sum(Fact.points)).where(
        Fact.person_id == person_id,
        Fact.kind == kind,
        Fact.occurred_on == day,
        Fact.status.in_(statuses),
    )
    n, qty, pts = (await conn.execute(stmt)).one()
    return int(n), float(qty or 0), int(pts or 0)


async def logged_points_today(
    conn: AsyncConnection, *, logged_by_id: int, kind: str, day: date
) -> tuple[int, int]:
    stmt = select(func.count(Fact.id), func.sum(Fact.points)).where(
        Fact.logged_by_id == logged_by_id,
        Fact.kind == kind,
        Fact.occurred_on == day,
        Fact.status.in_(("counted", "pending")),
    )
    n, pts = (await conn.execute(stmt)).one()
    return int(n), int(pts or 0)


async def same_meal(conn: AsyncConnection, *, person_id: int, day: date, meal: str) -> bool:
    """Whether the person logged that meal on that day (counted or waiting)."""
    stmt = select(Fact.id).where(
        Fact.person_id == person_id,
        Fact.kind == "plate",
        Fact.occurred_on == day,
        Fact.mode == meal,
        Fact.status.in_(("counted", "pending")),
    )
    return (await conn.execute(stmt.limit(1))).first() is not None


async def waiting_heads(conn: AsyncConnection, event_id: int) -> int:
    """Heads of an event's booth headcounts waiting for approval (they hold their places)."""
    stmt = select(func.coalesce(func.sum(Fact.quantity), 0)).where(
        Fact.event_id == event_id, Fact.kind == "headcount", Fact.status == "pending"
    )
    return int(await conn.scalar(stmt) or 0)


async def canteen_check_paid(conn: AsyncConnection, pay_key: str) -> bool:
    stmt = select(CanteenCheck.id).where(CanteenCheck.pay_key == pay_key).limit(1)
    return (await conn.execute(stmt)).first() is not None


async def event_totals(conn: AsyncConnection, event_id: int) -> dict[str, int]:
    stmt = select(func.sum(Tally.person_times), func.sum(Tally.headcount)).where(
        Tally.dim == "event", Tally.key == str(event_id)
    )
    pt, hc = (await conn.execute(stmt)).one()
    return {"person_times": int(pt or 0), "headcount": int(hc or 0)}


# Organizer console (reports, review, rewards, door scanner) --------------------------------


async def fact_totals_grouped(
    conn: AsyncConnection, *, start: date, end: date, by: str, unit_ids: Sequence[int] | None
) -> list[dict[str, Any]]:
    """Counted facts of goal campaigns in [start, end] summed by campaign, unit or month;
    `people` is distinct people per group."""
    month = func.substr(func.cast(Fact.occurred_on, String), 1, 7)
    key: Any = {"campaign": Fact.campaign_id, "unit": Fact.unit_id, "month": month}[by]
    stmt: Any = (
        select(
            key.label("k"),
            func.sum(Fact.counted),
            func.sum(Fact.headcount),
            func.count(func.distinct(Fact.person_id)),
            func.count(Fact.id),
            func.sum(Fact.co2_g),
            func.sum(Fact.points),
        )
        .join(Campaign, Campaign.id == Fact.campaign_id)
        .where(Fact.status == "counted", Fact.occurred_on.between(start, end))
        .group_by(key)
    )
    if by != "campaign":
        stmt = stmt.where(Campaign.counts_toward_goal.is_(True))
    if unit_ids is not None:
        stmt = stmt.where(Fact.unit_id.in_(list(unit_ids)))
    names = ("person_times", "headcount", "people", "facts", "co2_g", "points")
    return [
        {"key": k, **{n: int(v or 0) for n, v in zip(names, rest, strict=True)}}
        for k, *rest in (await conn.execute(stmt)).all()
    ]


async def fact_totals_all(
    conn: AsyncConnection, *, start: date, end: date, unit_ids: Sequence[int] | None
) -> dict[str, int]:
    """The same sums over the whole range (goal campaigns only), distinct people once."""
    stmt = (
        select(
            func.sum(Fact.counted),
            func.sum(Fact.headcount),
            func.count(func.distinct(Fact.person_id)),
            func.count(Fact.id),
            func.sum(Fact.co2_g),
            func.sum(Fact.points),
        )
        .join(Campaign, Campaign.id == Fact.campaign_id)
        .where(
            Fact.status == "counted",
            Fact.occurred_on.between(start, end),
            Campaign.counts_toward_goal.is_(True),
        )
    )
    if unit_ids is not None:
        stmt = stmt.where(Fact.unit_id.in_(list(unit_ids)))
    row = (await conn.execute(stmt)).one()
    names = ("person_times", "headcount", "people", "facts", "co2_g", "points")
    return {n: int(v or 0) for n, v in zip(names, row, strict=True)}


def _fact_listing() -> Any:
    logger = aliased(Person)
    return (
        select(
            Fact,
            Person.display_name.label("person_name"),
            logger.display_name.label("logger_name"),
            func.coalesce(Unit.name_zh, "").label("unit_name_zh"),
            func.coalesce(Unit.name_en, "").label("unit_name_en"),
            Campaign.title_zh.label("campaign_zh"),
            Campaign.title_en.label("campaign_en"),
            Campaign.counting_rule.label("counting_rule"),
            Event.title_zh.label("event_zh"),
            Event.title_en.label("event_en"),
        )
        .join(Campaign, Campaign.id == Fact.campaign_id)
        .outerjoin(Event, Event.id == Fact.event_id)
        .outerjoin(Person, Person.id == Fact.person_id)
        .outerjoin(logger, logger.id == Fact.logged_by_id)
        .outerjoin(Unit, Unit.id == Fact.unit_id)
    )


async def facts_listing(
    conn: AsyncConnection,
    *,
    limit: int,
    before_id: int | None = None,
    person_id: int | None = None,
    pending_evidence: bool = False,
    pending_approval: bool = False,
    start: date | None = None,
    end: date | None = None,
) -> Sequence[RowMapping]:
    """Facts with the names an organizer reads, newest first (the review queues: oldest
    first)."""
    stmt = _fact_listing()
    if pending_approval:
        stmt = stmt.where(Fact.status == "pending")
    if before_id is not None:
        stmt = stmt.where(Fact.id < before_id)
    if person_id is not None:
        stmt = stmt.where((Fact.person_id == person_id) | (Fact.logged_by_id == person_id))
    if pending_evidence:
        stmt = stmt.where(
            Fact.evidence_path > "",  # a range: reads ix_facts_evidence_path, not every fact
            Fact.status == "counted",
            or_(Fact.evidence_status.is_(None), Fact.evidence_status == "pending"),
        )
    if start is not None and end is not None:
        stmt = stmt.where(Fact.occurred_on.between(start, end))
    order = Fact.id.asc() if pending_evidence or pending_approval else Fact.id.desc()
    return (await conn.execute(stmt.order_by(order).limit(limit))).mappings().all()


async def set_evidence_status(conn: AsyncConnection, fact_id: int, status: str) -> None:
    await conn.execute(_update(Fact).where(Fact.id == fact_id).values(evidence_status=status))


async def count_pending_approval(conn: AsyncConnection) -> int:
    """Entries waiting for an organizer's approval (reads the partial ix_facts_pending)."""
    return int(await conn.scalar(select(func.count(Fact.id)).where(Fact.status == "pending")) or 0)


async def count_pending_evidence(conn: AsyncConnection) -> int:
    stmt = select(func.count(Fact.id)).where(
        Fact.evidence_path > "",  # a range: reads ix_facts_evidence_path, not every fact
        Fact.status == "counted",
        or_(Fact.evidence_status.is_(None), Fact.evidence_status == "pending"),
    )
    return int(await conn.scalar(stmt) or 0)


async def audit_entries(
    conn: AsyncConnection, *, limit: int, before_id: int | None = None, action: str | None = None
) -> Sequence[RowMapping]:
    stmt = (
        select(AuditEntry, Person.display_name.label("actor_name"))
        .outerjoin(Person, Person.id == AuditEntry.actor_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return (await conn.execute(stmt)).mappings().all()


async def last_door_checkin(
    conn: AsyncConnection, *, event_id: int, logged_by_id: int
) -> RowMapping | None:
    """The latest counted check-in a volunteer made at an event's door."""
    stmt = (
        select(Fact)
        .where(
            Fact.event_id == event_id,
            Fact.logged_by_id == logged_by_id,
            Fact.kind == "checkin",
            Fact.status == "counted",
        )
        .order_by(Fact.id.desc())
        .limit(1)
    )
    return (await conn.execute(stmt)).mappings().first()


async def rewards(conn: AsyncConnection) -> Sequence[RowMapping]:
    redeemed = (
        select(func.count(LedgerEntry.id))
        .where(LedgerEntry.reward_id == Reward.id, LedgerEntry.kind == "redeem")
        .scalar_subquery()
    )
    stmt = select(Reward, redeemed.label("redeemed")).order_by(Reward.price, Reward.id)
    return (await conn.execute(stmt)).mappings().all()


async def reward(conn: AsyncConnection, reward_id: int) -> RowMapping | None:
    return (await conn.execute(select(Reward).where(Reward.id == reward_id))).mappings().first()


async def insert_reward(conn: AsyncConnection, values: dict[str, Any]) -> int:
    from sqlalchemy import insert as _insert  # noqa: PLC0415

    return as_id(await conn.scalar(_insert(Reward).values(**values).returning(Reward.id)))


async def update_reward(conn: AsyncConnection, reward_id: int, values: dict[str, Any]) -> None:
    await conn.execute(_update(Reward).where(Reward.id == reward_id).values(**values))


async def take_from_stock(conn: AsyncConnection, reward_id: int) -> bool:
    """One item out of stock, only if one is left (a conditional update, race-free)."""
    result = await conn.execute(
        _update(Reward)
        .where(Reward.id == reward_id, Reward.stock > 0)
        .values(stock=Reward.stock - 1)
    )
    return bool(result.rowcount)


async def ledger_balance(conn: AsyncConnection, person_id: int) -> int:
    stmt = select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
        LedgerEntry.person_id == person_id
    )
    return int(await conn.scalar(stmt) or 0)


async def ledger_by_key(conn: AsyncConnection, key: str) -> RowMapping | None:
    stmt = select(LedgerEntry).where(LedgerEntry.idempotency_key == key)
    return (await conn.execute(stmt)).mappings().first()


async def insert_ledger(conn: AsyncConnection, values: dict[str, Any]) -> int:
    from sqlalchemy import insert as _insert  # noqa: PLC0415

    return as_id(await conn.scalar(_insert(LedgerEntry).values(**values).returning(LedgerEntry.id)))


async def redemptions(conn: AsyncConnection, *, limit: int) -> Sequence[RowMapping]:
    stmt = (
        select(LedgerEntry, Person.display_name, Reward.name_zh, Reward.name_en)
        .join(Person, Person.id == LedgerEntry.person_id)
        .join(Reward, Reward.id == LedgerEntry.reward_id)
        .where(LedgerEntry.kind == "redeem")
        .order_by(LedgerEntry.id.desc())
        .limit(limit)
    )
    return (await conn.execute(stmt)).mappings().all()


async def people_listing(
    conn: AsyncConnection,
    *,
    text: str,
    role: str | None,
    unit_ids: Sequence[int] | None,
    limit: int,
) -> Sequence[RowMapping]:
    stmt = _person_select().where(Person.deleted_at.is_(None), Person.merged_into_id.is_(None))
    if text:
        stmt = stmt.where(Person.display_name.contains(text, autoescape=True))
    if role:
        stmt = stmt.where(Person.role == role)
    if unit_ids is not None:
        stmt = stmt.where(Person.unit_id.in_(list(unit_ids)))
    return (await conn.execute(stmt.order_by(Person.display_name).limit(limit))).mappings().all()


async def update_campaign(conn: AsyncConnection, campaign_id: int, values: dict[str, Any]) -> None:
    await conn.execute(_update(Campaign).where(Campaign.id == campaign_id).values(**values))


async def live_signature(conn: AsyncConnection, year: int) -> tuple[int, ...]:
    """A cheap fingerprint of the year's totals: one primary-key read."""
    stmt = select(
        Tally.person_times, Tally.headcount, Tally.people, Tally.facts, Tally.co2_g, Tally.points
    ).where(Tally.year == year, Tally.dim == "year", Tally.key == "all")
    row = (await conn.execute(stmt)).first()
    return tuple(int(v) for v in row) if row else (0, 0, 0, 0, 0, 0)


async def tallies_for_year(conn: AsyncConnection, year: int, dims: Sequence[str]) -> Sequence[Any]:
    """Every stored tally of a year for the given dims, in one read: (dim, key, *FIELDS)."""
    stmt = select(
        Tally.dim,
        Tally.key,
        Tally.person_times,
        Tally.headcount,
        Tally.people,
        Tally.facts,
        Tally.co2_g,
        Tally.points,
    ).where(Tally.year == year, Tally.dim.in_(list(dims)))
    return (await conn.execute(stmt)).all()


async def canteen_coverage(conn: AsyncConnection, start: date, end: date) -> tuple[int, int, int]:
    """(canteens, canteens self-evaluated, canteens spot-checked) in [start, end], one read."""

    def covered(kind: str) -> Any:
        return (
            select(func.count(func.distinct(CanteenCheck.unit_id)))
            .join(Unit, Unit.id == CanteenCheck.unit_id)
            .where(
                CanteenCheck.kind == kind,
                CanteenCheck.status == "counted",
                Unit.has_canteen.is_(True),
                CanteenCheck.checked_on.between(start, end),
            )
            .scalar_subquery()
        )

    canteens = select(func.count(Unit.id)).where(Unit.has_canteen.is_(True)).scalar_subquery()
    row = (await conn.execute(select(canteens, covered("self"), covered("spot")))).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


async def last_reconcile(conn: AsyncConnection) -> RowMapping | None:
    stmt = (
        select(AuditEntry.at, AuditEntry.detail)
        .where(AuditEntry.action == "reconcile")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return (await conn.execute(stmt)).mappings().first()


async def change_marks(conn: AsyncConnection) -> tuple[int, int, int]:
    """(last fact id, last audit id, last canteen check id): any write the dashboard shows
    moves one of them (voids and catalog edits are audited)."""
    row = (
        await conn.execute(
            select(
                select(func.max(Fact.id)).scalar_subquery(),
                select(func.max(AuditEntry.id)).scalar_subquery(),
                select(func.max(CanteenCheck.id)).scalar_subquery(),
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


# --- reads for the core services (people, catalog, actions, totals, seed, exports) ------


async def login_secret(conn: AsyncConnection, login: str) -> RowMapping | None:
    stmt = select(Person.id, Person.password_hash, Person.deleted_at).where(Person.login == login)
    return (await conn.execute(stmt)).mappings().first()


async def facts_of_person(
    conn: AsyncConnection, person_id: int, limit: int | None = None
) -> Sequence[RowMapping]:
    """Facts a person took part in or logged, newest first."""
    stmt = (
        select(Fact)
        .where((Fact.person_id == person_id) | (Fact.logged_by_id == person_id))
        .order_by(Fact.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return (await conn.execute(stmt)).mappings().all()


async def ledger_of_person(conn: AsyncConnection, person_id: int) -> Sequence[RowMapping]:
    stmt = select(LedgerEntry).where(LedgerEntry.person_id == person_id).order_by(LedgerEntry.id)
    return (await conn.execute(stmt)).mappings().all()


async def co2_and_facts(conn: AsyncConnection, person_id: int) -> tuple[int, int]:
    stmt = select(func.coalesce(func.sum(Fact.co2_g), 0), func.count(Fact.id)).where(
        Fact.person_id == person_id, Fact.status == "counted"
    )
    co2, n = (await conn.execute(stmt)).one()
    return int(co2 or 0), int(n)


async def canteen_check_by_key(conn: AsyncConnection, key: str) -> RowMapping | None:
    stmt = select(CanteenCheck).where(CanteenCheck.idempotency_key == key)
    return (await conn.execute(stmt)).mappings().first()


async def canteen_checks_of_person(conn: AsyncConnection, person_id: int) -> Sequence[RowMapping]:
    """The canteen checks a person filed, oldest first, with the canteen's names."""
    stmt = (
        select(CanteenCheck, Unit.name_zh.label("unit_name_zh"), Unit.name_en.label("unit_name_en"))
        .join(Unit, Unit.id == CanteenCheck.unit_id)
        .where(CanteenCheck.by_person_id == person_id)
        .order_by(CanteenCheck.id)
    )
    return (await conn.execute(stmt)).mappings().all()


async def unit_has_canteen(conn: AsyncConnection, unit_id: int) -> bool | None:
    """None for an unknown unit."""
    value = await conn.scalar(select(Unit.has_canteen).where(Unit.id == unit_id))
    return None if value is None else bool(value)


async def unit_id_by_code(conn: AsyncConnection, code: str) -> int | None:
    value = await conn.scalar(select(Unit.id).where(Unit.code == code))
    return None if value is None else int(value)


async def uncounted_same_day(
    conn: AsyncConnection, *, person_id: int, campaign_id: int, day: date
) -> RowMapping | None:
    """The first still-counted entry of that person, campaign and day not holding the count."""
    stmt = (
        select(Fact)
        .where(
            Fact.person_id == person_id,
            Fact.campaign_id == campaign_id,
            Fact.occurred_on == day,
            Fact.status == "counted",
            Fact.counted == 0,
        )
        .order_by(Fact.id)
        .limit(1)
    )
    return (await conn.execute(stmt)).mappings().first()


async def counts_toward_goal(conn: AsyncConnection, campaign_id: int) -> bool:
    stmt = select(Campaign.counts_toward_goal).where(Campaign.id == campaign_id)
    return bool(await conn.scalar(stmt))


async def campaign_slugs(conn: AsyncConnection) -> set[str]:
    return set((await conn.execute(select(Campaign.slug))).scalars())


async def campaign_id_by_slug(conn: AsyncConnection, slug: str) -> int | None:
    value = await conn.scalar(select(Campaign.id).where(Campaign.slug == slug))
    return None if value is None else int(value)


async def has_demo_events(conn: AsyncConnection) -> bool:
    return (
        await conn.execute(select(Event.id).where(Event.is_demo.is_(True)).limit(1))
    ).first() is not None


async def fact_export_rows(
    conn: AsyncConnection, *, start: date, end: date, unit_ids: Sequence[int] | None
) -> Sequence[RowMapping]:
    """Every fact in [start, end] with the names an export shows beside it."""
    logger = aliased(Person)
    stmt = (
        select(
            Fact,
            Campaign.slug,
            Event.title_zh.label("event_title"),
            Person.display_name,
            Unit.code.label("unit_code"),
            Unit.name_zh.label("unit_name"),
            logger.display_name.label("logger_name"),
        )
        .join(Campaign, Campaign.id == Fact.campaign_id)
        .outerjoin(Event, Event.id == Fact.event_id)
        .outerjoin(Person, Person.id == Fact.person_id)
        .outerjoin(Unit, Unit.id == Fact.unit_id)
        .outerjoin(logger, logger.id == Fact.logged_by_id)
        .where(Fact.occurred_on.between(start, end))
        .order_by(Fact.occurred_on, Fact.id)
    )
    if unit_ids:
        stmt = stmt.where(Fact.unit_id.in_(unit_ids))
    return (await conn.execute(stmt)).mappings().all()
