"""Reads of units: one, all, search, by code, whether a unit runs a canteen."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Unit


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


async def unit_has_canteen(conn: AsyncConnection, unit_id: int) -> bool | None:
    """None for an unknown unit."""
    value = await conn.scalar(select(Unit.has_canteen).where(Unit.id == unit_id))
    return None if value is None else bool(value)


async def unit_id_by_code(conn: AsyncConnection, code: str) -> int | None:
    value = await conn.scalar(select(Unit.id).where(Unit.code == code))
    return None if value is None else int(value)
