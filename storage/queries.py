"""Reads shared by the services; each returns plain mappings, never live ORM rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Campaign, Event, Fact, Person, Tally, Unit

PERSON_COLUMNS = (
    Person.__table__.c.id,
    Person.display_name,
    Person.unit_id,
    Person.role,
    Person.language,
    Person.telegram_id,
    Person.qr_token,
    Person.deleted_at,
    func.coalesce(Unit.name_zh, "").label("unit_name_zh"),
    func.coalesce(Unit.name_en, "").label("unit_name_en"),
)


def _person_select() -> Any:
    return select(*PERSON_COLUMNS).outerjoin(Unit, Unit.id == Person.unit_id)


async def person(conn: AsyncConnection, **where: Any) -> RowMapping | None:
    stmt = _person_select()
    for name, value in where.items():
        stmt = stmt.where(getattr(Person, name) == value)
    return (await conn.execute(stmt.limit(1))).mappings().first()


async def people_by_ids(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, RowMapping]:
    rows = (await conn.execute(_person_select().where(Person.id.in_(ids)))).mappings().all()
    return {r["id"]: r for r in rows}


async def people_by_column(
    conn: AsyncConnection, column: Any, values: Sequence[Any]
) -> Sequence[RowMapping]:
    return (await conn.execute(_person_select().where(column.in_(values)))).mappings().all()


async def search_people(conn: AsyncConnection, text: str, limit: int) -> Sequence[RowMapping]:
    stmt = (
        _person_select()
        .where(Person.deleted_at.is_(None), Person.display_name.contains(text, autoescape=True))
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


async def campaign(conn: AsyncConnection, campaign_id: int) -> RowMapping | None:
    return (
        (await conn.execute(select(Campaign).where(Campaign.id == campaign_id))).mappings().first()
    )


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


async def events_by_code(conn: AsyncConnection, codes: Sequence[str]) -> dict[str, RowMapping]:
    stmt = select(Event, Campaign.counts_toward_goal).join(
        Campaign, Campaign.id == Event.campaign_id
    )
    rows = (await conn.execute(stmt.where(Event.code.in_(codes)))).mappings().all()
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


async def event_counts(conn: AsyncConnection, event_ids: Sequence[int]) -> dict[int, int]:
    stmt = select(Tally.key, Tally.person_times).where(
        Tally.dim == "event", Tally.key.in_([str(i) for i in event_ids])
    )
    out: dict[int, int] = {}
    for key, value in (await conn.execute(stmt)).all():
        out[int(key)] = out.get(int(key), 0) + value
    return out


async def fact(conn: AsyncConnection, **where: Any) -> RowMapping | None:
    stmt = select(Fact)
    for name, value in where.items():
        stmt = stmt.where(getattr(Fact, name) == value)
    return (await conn.execute(stmt.limit(1))).mappings().first()


async def facts_by(
    conn: AsyncConnection, column: str, values: Sequence[Any]
) -> dict[Any, RowMapping]:
    col = getattr(Fact, column)
    rows = (await conn.execute(select(Fact).where(col.in_(values)))).mappings().all()
    return {r[column]: r for r in rows}


async def day_usage(
    conn: AsyncConnection, *, person_id: int, kind: str, day: date
) -> tuple[int, float, int]:
    """(entries, quantity, points) a person logged of one kind on one day, voids excluded."""
    stmt = select(func.count(Fact.id), func.sum(Fact.quantity), func.sum(Fact.points)).where(
        Fact.person_id == person_id,
        Fact.kind == kind,
        Fact.occurred_on == day,
        Fact.status == "counted",
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
        Fact.status == "counted",
    )
    n, pts = (await conn.execute(stmt)).one()
    return int(n), int(pts or 0)


async def event_totals(conn: AsyncConnection, event_id: int) -> dict[str, int]:
    stmt = select(func.sum(Tally.person_times), func.sum(Tally.headcount)).where(
        Tally.dim == "event", Tally.key == str(event_id)
    )
    pt, hc = (await conn.execute(stmt)).one()
    return {"person_times": int(pt or 0), "headcount": int(hc or 0)}
