"""Reads of facts: lookups, a day's usage, the fact sums of reports, the console's listings
and queues, a person's facts, exports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import RowMapping, String, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from storage.models import Campaign, Event, Fact, Person, Unit
from storage.reports import listing
from storage.tallies import FIELDS, fact_sums


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


async def fact_totals_grouped(
    conn: AsyncConnection, *, start: date, end: date, by: str, unit_ids: Sequence[int] | None
) -> list[dict[str, Any]]:
    """Counted facts of goal campaigns in [start, end] summed by campaign, unit or month;
    `people` is distinct people per group."""
    month = func.substr(func.cast(Fact.occurred_on, String), 1, 7)
    key: Any = {"campaign": Fact.campaign_id, "unit": Fact.unit_id, "month": month}[by]
    stmt: Any = (
        select(key.label("k"), *fact_sums())
        .join(Campaign, Campaign.id == Fact.campaign_id)
        .where(Fact.status == "counted", Fact.occurred_on.between(start, end))
        .group_by(key)
    )
    if by != "campaign":
        stmt = stmt.where(Campaign.counts_toward_goal.is_(True))
    if unit_ids is not None:
        stmt = stmt.where(Fact.unit_id.in_(list(unit_ids)))
    return [
        {"key": k, **{n: int(v or 0) for n, v in zip(FIELDS, rest, strict=True)}}
        for k, *rest in (await conn.execute(stmt)).all()
    ]


async def fact_totals_all(
    conn: AsyncConnection, *, start: date, end: date, unit_ids: Sequence[int] | None
) -> dict[str, int]:
    """The same sums over the whole range (goal campaigns only), distinct people once."""
    stmt = (
        select(*fact_sums())
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
    return {n: int(v or 0) for n, v in zip(FIELDS, row, strict=True)}


def _photo_waiting() -> tuple[Any, ...]:
    """A counted fact whose photo no organizer has judged yet."""
    return (
        Fact.evidence_path > "",  # a range: reads ix_facts_evidence_path, not every fact
        Fact.status == "counted",
        or_(Fact.evidence_status.is_(None), Fact.evidence_status == "pending"),
    )


def _fact_listing() -> Any:
    stmt, _logger = listing()
    return stmt


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
        stmt = stmt.where(*_photo_waiting())
    if start is not None and end is not None:
        stmt = stmt.where(Fact.occurred_on.between(start, end))
    order = Fact.id.asc() if pending_evidence or pending_approval else Fact.id.desc()
    return (await conn.execute(stmt.order_by(order).limit(limit))).mappings().all()


async def count_pending_approval(conn: AsyncConnection) -> int:
    """Entries waiting for an organizer's approval (reads the partial ix_facts_pending)."""
    return int(await conn.scalar(select(func.count(Fact.id)).where(Fact.status == "pending")) or 0)


async def count_pending_evidence(conn: AsyncConnection) -> int:
    stmt = select(func.count(Fact.id)).where(*_photo_waiting())
    return int(await conn.scalar(stmt) or 0)


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


async def co2_and_facts(conn: AsyncConnection, person_id: int) -> tuple[int, int]:
    stmt = select(func.coalesce(func.sum(Fact.co2_g), 0), func.count(Fact.id)).where(
        Fact.person_id == person_id, Fact.status == "counted"
    )
    co2, n = (await conn.execute(stmt)).one()
    return int(co2 or 0), int(n)


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
