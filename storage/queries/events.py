"""Reads of events: by code (with whether their campaign counts toward the goal), by id, lists."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Campaign, Event

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


async def has_demo_events(conn: AsyncConnection) -> bool:
    return (
        await conn.execute(select(Event.id).where(Event.is_demo.is_(True)).limit(1))
    ).first() is not None
