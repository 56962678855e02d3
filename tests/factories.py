"""Builders for test data, through the service layer (never raw SQL)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from campaigns import catalog, people
from campaigns.core import Core
from campaigns.results import CampaignView, EventView, PersonView, Role, UnitView

NOW = datetime(2023, 7, 12, 2, 0, tzinfo=UTC)  # 10:00 in Qu County, national low-carbon day
SEPT = datetime(2023, 9, 5, 2, 0, tzinfo=UTC)  # inside the green-travel month
SEPT_DAY = SEPT.date()
_seq = itertools.count(1)


async def unit(
    core: Core,
    *,
    parent: UnitView | None = None,
    headcount: int = 50,
    canteen: bool = True,
    name: str | None = None,
) -> UnitView:
    n = next(_seq)
    return await catalog.upsert_unit(
        core,
        actor_id=None,
        code=f"u{n}",
        name_zh=name or f"测试单位{n}",
        name_en=f"Unit {n}",
        parent_code=parent.code if parent else None,
        headcount=headcount,
        has_canteen=canteen,
        now=NOW,
    )


async def person(
    core: Core,
    unit_: UnitView,
    *,
    role: Role = Role.PARTICIPANT,
    name: str | None = None,
    telegram_id: int | None = None,
) -> PersonView:
    return await people.register_person(
        core,
        name=name or f"测试{next(_seq)}",
        unit_id=unit_.id,
        role=role,
        now=NOW,
        telegram_id=telegram_id,
    )


async def campaign(core: Core, slug: str) -> CampaignView:
    found = [c for c in await catalog.list_campaigns(core) if c.slug == slug]
    assert found, slug
    return found[0]


async def event(
    core: Core,
    *,
    slug: str = "2023-low-carbon-day",
    capacity: int | None = None,
    opens: datetime | None = None,
    closes: datetime | None = None,
    rotating: bool = False,
) -> EventView:
    camp = await campaign(core, slug)
    return await catalog.create_event(
        core,
        actor_id=None,
        campaign_id=camp.id,
        title_zh="低碳日宣传活动",
        title_en="Low-carbon day booth",
        place="人民广场",
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=4),
        checkin_opens_at=opens or NOW - timedelta(hours=1),
        checkin_closes_at=closes or NOW + timedelta(hours=6),
        capacity=capacity,
        rotating=rotating,
        now=NOW,
    )
