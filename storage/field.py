"""Reads and writes of the field tables (issue 14): buildings and rooms, patrols and room
visits, paper sign-in sheets, meter readings. Plain mappings out; the writer's
transaction owns the commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import insert_ignore
from storage.models import (
    Building,
    Fact,
    MeterReading,
    PaperRow,
    PaperSheet,
    Patrol,
    Person,
    Room,
    RoomVisit,
    RosterEntry,
)

# buildings and rooms -----------------------------------------------------------------------


async def buildings(conn: AsyncConnection, unit_id: int | None = None) -> Sequence[RowMapping]:
    stmt = select(Building)
    if unit_id is not None:
        stmt = stmt.where(Building.unit_id == unit_id)
    return (await conn.execute(stmt.order_by(Building.name, Building.id))).mappings().all()


async def building(conn: AsyncConnection, **where: Any) -> RowMapping | None:
    stmt = select(Building).filter_by(**where)
    return (await conn.execute(stmt)).mappings().first()


async def lock_building(conn: AsyncConnection, building_id: int) -> None:
    """Row-lock a building until the transaction ends (PostgreSQL; SQLite's writer holds
    the database's write lock): its meters' readings and tonight's patrols are checked
    against what is read after this, so two instances take turns."""
    if conn.dialect.name == "postgresql":
        stmt = select(Building.id).where(Building.id == building_id).with_for_update()
        await conn.execute(stmt)


async def rooms(conn: AsyncConnection, building_ids: Sequence[int]) -> Sequence[RowMapping]:
    stmt = select(Room).where(Room.building_id.in_(list(building_ids)))
    return (await conn.execute(stmt.order_by(Room.floor, Room.name, Room.id))).mappings().all()


async def room(conn: AsyncConnection, **where: Any) -> RowMapping | None:
    stmt = select(Room).filter_by(**where)
    return (await conn.execute(stmt)).mappings().first()


async def insert(conn: AsyncConnection, model: Any, values: dict[str, Any]) -> int | None:
    """Insert one row unless a unique key holds it already; its id, or None."""
    rows = await insert_ignore(conn, model.__table__, [values], returning=("id",))
    return int(rows[0][0]) if rows else None


async def set_values(conn: AsyncConnection, model: Any, row_id: int, **values: Any) -> None:
    await conn.execute(update(model).where(model.id == row_id).values(**values))


# patrols -----------------------------------------------------------------------------------


async def patrol(
    conn: AsyncConnection, *, building_id: int, volunteer_id: int, day: date
) -> RowMapping | None:
    stmt = select(Patrol).where(
        Patrol.building_id == building_id, Patrol.volunteer_id == volunteer_id, Patrol.day == day
    )
    return (await conn.execute(stmt)).mappings().first()


async def visit(conn: AsyncConnection, **where: Any) -> RowMapping | None:
    stmt = select(RoomVisit).filter_by(**where)
    return (await conn.execute(stmt)).mappings().first()


async def patrol_visits(conn: AsyncConnection, patrol_id: int) -> Sequence[RowMapping]:
    stmt = (
        select(RoomVisit, Room.name.label("room_name"))
        .join(Room, Room.id == RoomVisit.room_id)
        .where(RoomVisit.patrol_id == patrol_id, RoomVisit.status == "counted")
    )
    return (await conn.execute(stmt.order_by(RoomVisit.id))).mappings().all()


async def visits_of_buildings(
    conn: AsyncConnection, building_ids: Sequence[int]
) -> Sequence[RowMapping]:
    """Every live room visit in these buildings, with its patrol's day and volunteer."""
    stmt = (
        select(
            RoomVisit.id,
            RoomVisit.room_id,
            RoomVisit.findings,
            RoomVisit.visited_at,
            RoomVisit.channel,
            RoomVisit.note,
            Patrol.day,
            Patrol.building_id,
            Patrol.volunteer_id,
            Person.display_name.label("volunteer_name"),
        )
        .join(Patrol, Patrol.id == RoomVisit.patrol_id)
        .join(Person, Person.id == Patrol.volunteer_id)
        .where(Patrol.building_id.in_(list(building_ids)), RoomVisit.status == "counted")
    )
    return (await conn.execute(stmt.order_by(Patrol.day, RoomVisit.id))).mappings().all()


async def patrols_without_fact(conn: AsyncConnection) -> int:
    """Patrols with a live room visit whose service fact is missing (reconcile)."""
    live = select(RoomVisit.patrol_id).where(RoomVisit.status == "counted")
    stmt = select(func.count(Patrol.id)).where(
        Patrol.id.in_(live),
        Patrol.fact_id.not_in(select(Fact.id)) | Patrol.fact_id.is_(None),
    )
    return int((await conn.execute(stmt)).scalar_one())


# paper sheets ------------------------------------------------------------------------------


async def sheet(conn: AsyncConnection, **where: Any) -> RowMapping | None:
    stmt = select(PaperSheet).filter_by(**where)
    return (await conn.execute(stmt)).mappings().first()


async def sheets_of_event(conn: AsyncConnection, event_id: int) -> Sequence[RowMapping]:
    stmt = select(PaperSheet).where(PaperSheet.event_id == event_id).order_by(PaperSheet.id)
    return (await conn.execute(stmt)).mappings().all()


async def lock_sheet(conn: AsyncConnection, sheet_id: int) -> None:
    """Row-lock a sheet until the transaction ends (PostgreSQL): two instances entering it
    at once take turns, the second seeing what the first stored."""
    if conn.dialect.name == "postgresql":
        stmt = select(PaperSheet.id).where(PaperSheet.id == sheet_id).with_for_update()
        await conn.execute(stmt)


async def sheet_rows(conn: AsyncConnection, sheet_id: int) -> Sequence[RowMapping]:
    stmt = (
        select(PaperRow, Fact.channel.label("fact_channel"), Fact.status.label("fact_status"))
        .outerjoin(Fact, Fact.id == PaperRow.fact_id)
        .where(PaperRow.sheet_id == sheet_id)
    )
    return (await conn.execute(stmt.order_by(PaperRow.row_no))).mappings().all()


async def current_roster(conn: AsyncConnection, unit_id: int) -> Sequence[RowMapping]:
    stmt = select(RosterEntry).where(RosterEntry.unit_id == unit_id, RosterEntry.left_at.is_(None))
    return (
        (await conn.execute(stmt.order_by(RosterEntry.name_key, RosterEntry.id))).mappings().all()
    )


async def bind_row_person(conn: AsyncConnection, row_id: int, person_id: int) -> bool:
    """Give a sheet's row its person, unless it has one already (the first entry wins)."""
    result = await conn.execute(
        update(PaperRow)
        .where(PaperRow.id == row_id, PaperRow.person_id.is_(None))
        .values(person_id=person_id)
    )
    return bool(result.rowcount)


async def people_named_in_unit(
    conn: AsyncConnection, *, unit_id: int, name_key: str
) -> Sequence[RowMapping]:
    stmt = select(Person.id).where(
        Person.unit_id == unit_id,
        Person.name_key == name_key,
        Person.deleted_at.is_(None),
        Person.merged_into_id.is_(None),
    )
    return (await conn.execute(stmt.order_by(Person.id))).mappings().all()


async def paper_rows_without_fact(conn: AsyncConnection) -> int:
    """Entered paper rows whose fact is missing or is no paper check-in (reconcile)."""
    paper = select(Fact.id).where(Fact.channel == "paper", Fact.kind == "checkin")
    stmt = select(func.count(PaperRow.id)).where(
        PaperRow.fact_id.is_not(None), PaperRow.fact_id.not_in(paper)
    )
    return int((await conn.execute(stmt)).scalar_one())


# meters ------------------------------------------------------------------------------------


async def readings(
    conn: AsyncConnection, building_ids: Sequence[int], kind: str | None = None
) -> Sequence[RowMapping]:
    """Live readings of these buildings' meters, in date order."""
    stmt = select(MeterReading).where(
        MeterReading.building_id.in_(list(building_ids)), MeterReading.status == "counted"
    )
    if kind is not None:
        stmt = stmt.where(MeterReading.kind == kind)
    order = (MeterReading.building_id, MeterReading.kind, MeterReading.read_on)
    return (await conn.execute(stmt.order_by(*order))).mappings().all()


async def reading(conn: AsyncConnection, **where: Any) -> RowMapping | None:
    stmt = select(MeterReading).filter_by(**where)
    return (await conn.execute(stmt)).mappings().first()


async def recent_readings(conn: AsyncConnection, *, limit: int = 50) -> Sequence[RowMapping]:
    stmt = (
        select(MeterReading, Building.name.label("building_name"))
        .join(Building, Building.id == MeterReading.building_id)
        .order_by(MeterReading.id.desc())
        .limit(limit)
    )
    return (await conn.execute(stmt)).mappings().all()
