"""Reads about one person: their check-in at an event, their history with the names of what
each fact was for, their redemptions, and their year by campaign (the personal record)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import RowMapping, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Campaign, Event, Fact, LedgerEntry, Reward

_CHECKIN_AT = (
    select(Fact.created_at)
    .where(
        Fact.person_id == bindparam("person_id"),
        Fact.event_id == bindparam("event_id"),
        Fact.kind == "checkin",
        Fact.status == "counted",
    )
    .order_by(Fact.id)
    .limit(1)
)


async def checkin_at(conn: AsyncConnection, *, person_id: int, event_id: int) -> datetime | None:
    """When the person's counted check-in at the event was made, if there is one."""
    value = await conn.scalar(_CHECKIN_AT, {"person_id": person_id, "event_id": event_id})
    return value if isinstance(value, datetime) else None


async def history(conn: AsyncConnection, person_id: int, limit: int) -> Sequence[RowMapping]:
    """The facts a person took part in or logged, newest first, each with its campaign's
    and event's titles."""
    stmt = (
        select(
            Fact,
            Campaign.title_zh.label("campaign_zh"),
            Campaign.title_en.label("campaign_en"),
            Event.title_zh.label("event_zh"),
            Event.title_en.label("event_en"),
        )
        .join(Campaign, Campaign.id == Fact.campaign_id)
        .outerjoin(Event, Event.id == Fact.event_id)
        .where((Fact.person_id == person_id) | (Fact.logged_by_id == person_id))
        .order_by(Fact.created_at.desc(), Fact.id.desc())
        .limit(limit)
    )
    return (await conn.execute(stmt)).mappings().all()


async def redemptions(conn: AsyncConnection, person_id: int) -> Sequence[RowMapping]:
    """The rewards a person was handed, newest first, with the reward's names."""
    stmt = (
        select(
            LedgerEntry.id,
            LedgerEntry.created_at,
            LedgerEntry.delta,
            Reward.name_zh,
            Reward.name_en,
        )
        .join(Reward, Reward.id == LedgerEntry.reward_id)
        .where(LedgerEntry.person_id == person_id, LedgerEntry.kind == "redeem")
        .order_by(LedgerEntry.id.desc())
    )
    return (await conn.execute(stmt)).mappings().all()


async def year_by_campaign(
    conn: AsyncConnection, person_id: int, start: date, end: date
) -> Sequence[RowMapping]:
    """A person's own counted facts in a date range, summed by campaign, kind and mode:
    person-times, facts, quantity (km, hours), CO2 and points."""
    stmt = (
        select(
            Fact.campaign_id,
            Campaign.title_zh,
            Campaign.title_en,
            Campaign.counts_toward_goal,
            Fact.kind,
            Fact.mode,
            func.sum(Fact.counted).label("person_times"),
            func.count(Fact.id).label("facts"),
            func.sum(Fact.quantity).label("quantity"),
            func.sum(Fact.co2_g).label("co2_g"),
            func.sum(Fact.points).label("points"),
        )
        .join(Campaign, Campaign.id == Fact.campaign_id)
        .where(
            Fact.person_id == person_id,
            Fact.status == "counted",
            Fact.occurred_on >= start,
            Fact.occurred_on <= end,
        )
        .group_by(
            Fact.campaign_id,
            Campaign.title_zh,
            Campaign.title_en,
            Campaign.counts_toward_goal,
            Fact.kind,
            Fact.mode,
        )
        .order_by(Fact.campaign_id, Fact.kind, Fact.mode)
    )
    return (await conn.execute(stmt)).mappings().all()
