"""Reads of canteen checks: paid keys, coverage, by key, a person's checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import CanteenCheck, Unit


async def canteen_check_paid(conn: AsyncConnection, pay_key: str) -> bool:
    stmt = select(CanteenCheck.id).where(CanteenCheck.pay_key == pay_key).limit(1)
    return (await conn.execute(stmt)).first() is not None


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
