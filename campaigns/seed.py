"""Seed data: the notice's 2023 calendar, and a demo set clearly marked as demo."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from campaigns.catalog import create_campaign, create_event, upsert_unit
from campaigns.core import Core
from campaigns.results import EventView
from storage import queries

CALENDAR = Path(__file__).with_name("calendar_2023.toml")

DEMO_UNITS = [
    # code, name_zh, name_en, parent, headcount, canteen
    (
        "demo-gov",
        "【演示】渠县机关事务服务中心",
        "[Demo] County Government Affairs Centre",
        None,
        60,
        True,
    ),
    ("demo-edu", "【演示】县教育局", "[Demo] County Education Bureau", None, 40, True),
    ("demo-school-1", "【演示】渠县中学", "[Demo] Qu County Middle School", "demo-edu", 180, True),
    (
        "demo-school-2",
        "【演示】渠县实验小学",
        "[Demo] Qu County Experimental Primary School",
        "demo-edu",
        90,
        True,
    ),
    ("demo-health", "【演示】县卫生健康局", "[Demo] County Health Bureau", None, 35, False),
    (
        "demo-hospital",
        "【演示】渠县人民医院",
        "[Demo] Qu County People's Hospital",
        "demo-health",
        420,
        True,
    ),
    ("demo-street", "【演示】渠江街道办事处", "[Demo] Qujiang Street Office", None, 50, False),
]


async def load_calendar(core: Core, *, now: datetime, path: Path = CALENDAR) -> int:
    """Add the calendar's campaigns that are not there yet; returns how many were added."""
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    async with core.read() as conn:
        have = await queries.campaign_slugs(conn)
    added = 0
    for c in data["campaign"]:
        if c["slug"] in have:
            continue
        await create_campaign(
            core,
            actor_id=None,
            slug=c["slug"],
            title_zh=c["title_zh"],
            title_en=c["title_en"],
            theme_zh=c.get("theme_zh", ""),
            kind=c["kind"],
            habit=c.get("habit"),
            counting_rule=c["counting_rule"],
            starts_on=_d(c.get("starts_on")),
            ends_on=_d(c.get("ends_on")),
            now=now,
        )
        added += 1
    return added


def _d(value: date | None) -> date | None:
    return value


async def load_demo(core: Core, *, now: datetime) -> list[EventView]:
    """Demo units and two demo events open today (names marked 【演示】/[Demo])."""
    for code, zh, en, parent, heads, canteen in DEMO_UNITS:
        await upsert_unit(
            core,
            actor_id=None,
            code=code,
            name_zh=zh,
            name_en=en,
            parent_code=parent,
            headcount=heads,
            has_canteen=canteen,
            is_demo=True,
            now=now,
        )
    async with core.read() as conn:
        existing = await queries.has_demo_events(conn)
        sorting = await queries.campaign_id_by_slug(conn, "garbage-sorting")
    if existing or sorting is None:
        return []
    start = now.replace(minute=0, second=0, microsecond=0)
    return [
        await create_event(
            core,
            actor_id=None,
            campaign_id=sorting,
            title_zh="【演示】垃圾分类宣传摊位",
            title_en="[Demo] Garbage-sorting booth",
            place="渠县人民广场 People's Square",
            starts_at=start,
            ends_at=start + timedelta(hours=8),
            checkin_opens_at=start - timedelta(hours=1),
            checkin_closes_at=start + timedelta(hours=12),
            capacity=300,
            is_demo=True,
            now=now,
        ),
        await create_event(
            core,
            actor_id=None,
            campaign_id=sorting,
            title_zh="【演示】节能知识讲座",
            title_en="[Demo] Energy-saving lecture",
            place="县机关会议室 County meeting room",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            checkin_opens_at=start - timedelta(hours=1),
            checkin_closes_at=start + timedelta(hours=12),
            capacity=80,
            rotating=True,
            is_demo=True,
            now=now,
        ),
    ]
