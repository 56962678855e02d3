"""Reads for the organizer console (issue 10): the records list and its export under one
set of filters, an event's attendees and arrival times, and the names audit entries refer
to. Plain mappings out, never live ORM rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import RowMapping, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from storage.models import Campaign, Event, Fact, Person, Reward, Unit

NARROW_DAYS = 31  # a range up to this many days is read through the day index


@dataclass(frozen=True)
class FactWhere:
    """What a records list or export is limited to; None or empty means any."""

    start: date | None = None
    end: date | None = None
    event_id: int | None = None
    campaign_id: int | None = None
    unit_ids: Sequence[int] | None = None  # already widened to the subtrees
    kinds: Sequence[str] = ()
    statuses: Sequence[str] = ()
    person_id: int | None = None
    text: str = ""  # part of the person's or the logger's name


def listing() -> tuple[Any, Any]:
    """Facts with the names an organizer reads beside them, and the aliased logger."""
    logger = aliased(Person)
    return (
        select(
            Fact,
            Person.display_name.label("person_name"),
            logger.display_name.label("logger_name"),
            func.coalesce(Unit.name_zh, "").label("unit_name_zh"),
            func.coalesce(Unit.name_en, "").label("unit_name_en"),
            func.coalesce(Unit.code, "").label("unit_code"),
            Campaign.slug.label("campaign_slug"),
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
    ), logger


def _filtered(where: FactWhere, *, day_index: bool = True) -> Any:
    stmt, logger = listing()
    # Without the day index (a wide range listed newest first), the newest facts are read
    # in id order until a page is full, instead of sorting every fact of the range.
    day: Any = Fact.occurred_on if day_index else func.coalesce(Fact.occurred_on, None)
    if where.start is not None:
        stmt = stmt.where(day >= where.start)
    if where.end is not None:
        stmt = stmt.where(day <= where.end)
    if where.event_id is not None:
        stmt = stmt.where(Fact.event_id == where.event_id)
    if where.campaign_id is not None:
        stmt = stmt.where(Fact.campaign_id == where.campaign_id)
    if where.unit_ids is not None:
        stmt = stmt.where(Fact.unit_id.in_(list(where.unit_ids)))
    if where.kinds:
        stmt = stmt.where(Fact.kind.in_(list(where.kinds)))
    if where.statuses:
        stmt = stmt.where(Fact.status.in_(list(where.statuses)))
    if where.person_id is not None:
        stmt = stmt.where(
            (Fact.person_id == where.person_id) | (Fact.logged_by_id == where.person_id)
        )
    if where.text:
        stmt = stmt.where(
            or_(
                Person.display_name.contains(where.text, autoescape=True),
                logger.display_name.contains(where.text, autoescape=True),
            )
        )
    return stmt


async def fact_page(
    conn: AsyncConnection, where: FactWhere, *, limit: int, before_id: int | None = None
) -> Sequence[RowMapping]:
    """Facts under the filters with the names an organizer reads, newest first, `limit`
    of them older than `before_id` (keyset pages: stable while new facts arrive)."""
    narrow = (
        where.event_id is not None
        or where.start is None
        or where.end is None
        or (where.end - where.start).days <= NARROW_DAYS
    )
    stmt = _filtered(where, day_index=narrow)
    if before_id is not None:
        stmt = stmt.where(Fact.id < before_id)
    return (await conn.execute(stmt.order_by(Fact.id.desc()).limit(limit))).mappings().all()


async def fact_export(conn: AsyncConnection, where: FactWhere) -> Sequence[RowMapping]:
    """Every fact under the filters, by day then id (the export's order)."""
    stmt = _filtered(where).order_by(Fact.occurred_on, Fact.id)
    return (await conn.execute(stmt)).mappings().all()


async def arrival_times(conn: AsyncConnection, event_id: int) -> list[datetime]:
    """When each counted check-in of an event was recorded."""
    stmt = select(Fact.created_at).where(
        Fact.event_id == event_id, Fact.kind == "checkin", Fact.status == "counted"
    )
    return list((await conn.execute(stmt)).scalars())


async def names_by_id(
    conn: AsyncConnection, *, people: Sequence[int] = (), rewards: Sequence[int] = ()
) -> dict[str, dict[int, RowMapping]]:
    """People's and rewards' names for the ids an audit page mentions."""
    out: dict[str, dict[int, RowMapping]] = {"person": {}, "reward": {}}
    if people:
        stmt = select(Person.id, Person.display_name, Person.deleted_at).where(
            Person.id.in_(list(people))
        )
        out["person"] = {r["id"]: r for r in (await conn.execute(stmt)).mappings()}
    if rewards:
        stmt2 = select(Reward.id, Reward.name_zh, Reward.name_en).where(
            Reward.id.in_(list(rewards))
        )
        out["reward"] = {r["id"]: r for r in (await conn.execute(stmt2)).mappings()}
    return out


async def count_photos_to_review(conn: AsyncConnection) -> int:
    """Counted facts whose photo nobody has judged yet, read through the photo index.

    The status is compared through coalesce() so that neither planner takes the status
    index instead (on SQLite it did: every counted fact was read, 280 ms at a million)."""
    stmt = select(func.count(Fact.id)).where(
        Fact.evidence_path > "",  # a range on ix_facts_evidence_path: only facts with a photo
        func.coalesce(Fact.status, "") == "counted",
        or_(Fact.evidence_status.is_(None), Fact.evidence_status == "pending"),
    )
    return int(await conn.scalar(stmt) or 0)
