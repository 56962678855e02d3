"""Reads of campaigns: one, all, the active habit campaign of a day, slugs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import RowMapping, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Campaign

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


async def counts_toward_goal(conn: AsyncConnection, campaign_id: int) -> bool:
    stmt = select(Campaign.counts_toward_goal).where(Campaign.id == campaign_id)
    return bool(await conn.scalar(stmt))


async def campaign_slugs(conn: AsyncConnection) -> set[str]:
    return set((await conn.execute(select(Campaign.slug))).scalars())


async def campaign_id_by_slug(conn: AsyncConnection, slug: str) -> int | None:
    value = await conn.scalar(select(Campaign.id).where(Campaign.slug == slug))
    return None if value is None else int(value)
