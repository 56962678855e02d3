"""Reads for the door scanner: the roster a door keeps on the phone, and the last
check-in a volunteer made at a door (to name it before undoing it)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Fact, Person, Unit


async def roster(conn: AsyncConnection, *, limit: int) -> Sequence[RowMapping]:
    """Everyone who may be checked in (not deleted): id, name, unit names, personal token."""
    stmt = (
        select(
            Person.id,
            Person.display_name,
            Person.qr_token,
            func.coalesce(Unit.name_zh, "").label("unit_name_zh"),
            func.coalesce(Unit.name_en, "").label("unit_name_en"),
        )
        .outerjoin(Unit, Unit.id == Person.unit_id)
        .where(Person.deleted_at.is_(None))
        .order_by(Person.id)
        .limit(limit)
    )
    return (await conn.execute(stmt)).mappings().all()


async def checked_in_people(conn: AsyncConnection, event_id: int) -> set[int]:
    """The people with a counted check-in at an event."""
    stmt = select(Fact.person_id).where(
        Fact.event_id == event_id, Fact.kind == "checkin", Fact.status == "counted"
    )
    return {int(pid) for pid in (await conn.execute(stmt)).scalars().all() if pid is not None}


async def last_checkin_by(
    conn: AsyncConnection, *, event_id: int, volunteer_id: int
) -> RowMapping | None:
    """The latest counted check-in a volunteer made at an event's door, with the name and
    unit of the person it checked in."""
    stmt = (
        select(
            Fact.id,
            Fact.created_at,
            Person.display_name,
            func.coalesce(Unit.name_zh, "").label("unit_name_zh"),
            func.coalesce(Unit.name_en, "").label("unit_name_en"),
        )
        .join(Person, Person.id == Fact.person_id)
        .outerjoin(Unit, Unit.id == Fact.unit_id)
        .where(
            Fact.event_id == event_id,
            Fact.logged_by_id == volunteer_id,
            Fact.kind == "checkin",
            Fact.status == "counted",
        )
        .order_by(Fact.id.desc())
        .limit(1)
    )
    return (await conn.execute(stmt)).mappings().first()
