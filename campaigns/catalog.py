"""Units, campaigns and events: reading the catalog and editing it (audited)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

from campaigns import audit, codes
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import CampaignView, EventView, Role, UnitView
from campaigns.roles import require_role
from campaigns.views import campaign_view, event_view, unit_view
from storage import queries, writes
from storage.models import Campaign, Event, Unit
from storage.writer import Call, Tx

COUNTING_RULES = ("per_event", "per_day", "headcount")
HABITS = ("trip", "plate", "service", "sorting")


def tree_order(units: list[UnitView]) -> list[tuple[UnitView, int]]:
    """Units depth-first (parents before children) with their depth."""
    children: dict[int | None, list[UnitView]] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    out: list[tuple[UnitView, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda x: (x.code, x.id)):
            out.append((u, depth))
            walk(u.id, depth + 1)

    walk(None, 0)
    return out


async def list_units(core: Core) -> list[UnitView]:
    """The whole tree, parents before children."""
    async with core.read() as conn:
        units = [unit_view(r) for r in await queries.units(conn)]
    return [u for u, _ in tree_order(units)]


async def search_units(core: Core, *, query: str, limit: int = 20) -> list[UnitView]:
    text = (query or "").strip()
    if not text:
        return (await list_units(core))[:limit]
    async with core.read() as conn:
        return [unit_view(r) for r in await queries.search_units(conn, text, limit)]


async def canteen_units(core: Core, *, query: str = "", limit: int | None = None) -> list[UnitView]:
    """The units that run a canteen (the only ones a canteen check can name), parents
    first; those matching `query` when one is given."""
    text = (query or "").strip()
    found = await search_units(core, query=text, limit=1000) if text else await list_units(core)
    return [u for u in found if u.has_canteen][:limit]


async def get_unit(core: Core, unit_id: int) -> UnitView:
    """Refuses UNKNOWN_UNIT."""
    async with core.read() as conn:
        row = await queries.unit(conn, unit_id)
    if row is None:
        raise Refused(Reason.UNKNOWN_UNIT)
    return unit_view(row)


async def list_campaigns(core: Core, *, year: int | None = None) -> list[CampaignView]:
    async with core.read() as conn:
        views = [campaign_view(r) for r in await queries.campaigns(conn)]
    if year is None:
        return views
    return [c for c in views if _runs_in(c, year)]


def _runs_in(c: CampaignView, year: int) -> bool:
    start = c.starts_on.year if c.starts_on else -1
    end = c.ends_on.year if c.ends_on else 10_000
    return start <= year <= end


async def get_campaign(core: Core, campaign_id: int) -> CampaignView:
    """Refuses UNKNOWN_CAMPAIGN."""
    async with core.read() as conn:
        row = await queries.campaign(conn, campaign_id)
    if row is None:
        raise Refused(Reason.UNKNOWN_CAMPAIGN)
    return campaign_view(row)


async def get_event(
    core: Core, *, code: str | None = None, event_id: int | None = None
) -> EventView:
    """An event with its live check-in count. Refuses UNKNOWN_CODE / UNKNOWN_EVENT."""
    async with core.read() as conn:
        row = (
            await queries.event(conn, code=(code or "").strip().lower() or None, event_id=event_id)
            if (code or event_id)
            else None
        )
        if row is None:
            raise Refused(Reason.UNKNOWN_CODE if code is not None else Reason.UNKNOWN_EVENT)
        counts = await queries.event_counts(conn, [row["id"]])
    return event_view(row, counts.get(row["id"], 0))


async def list_events(core: Core, *, campaign_id: int | None = None) -> list[EventView]:
    async with core.read() as conn:
        rows = await queries.events(conn, campaign_id)
        counts = await queries.event_counts(conn, [r["id"] for r in rows])
    return [event_view(r, counts.get(r["id"], 0)) for r in rows]


async def create_campaign(
    core: Core,
    *,
    actor_id: int | None,
    slug: str,
    title_zh: str,
    title_en: str,
    kind: str,
    counting_rule: str,
    now: datetime,
    habit: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    counts_toward_goal: bool = True,
    target: int | None = None,
    theme_zh: str = "",
) -> CampaignView:
    """Refuses NOT_ALLOWED, INVALID_INPUT (empty title, bad dates or rule)."""
    if (
        not title_zh.strip()
        or kind not in ("event", "habit")
        or counting_rule not in COUNTING_RULES
        or (habit is not None and habit not in HABITS)
        or (starts_on and ends_on and ends_on < starts_on)
    ):
        raise Refused(Reason.INVALID_INPUT)

    async def run(tx: Tx) -> CampaignView:
        await require_role(tx, actor_id, Role.ORGANIZER)
        new_id = await writes.insert_row(
            tx.conn,
            Campaign,
            slug=slug,
            title_zh=title_zh.strip(),
            title_en=title_en.strip(),
            theme_zh=theme_zh,
            kind=kind,
            habit=habit,
            counting_rule=counting_rule,
            starts_on=starts_on,
            ends_on=ends_on,
            counts_toward_goal=counts_toward_goal,
            target=target,
        )
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="create_campaign",
            target=f"campaign:{new_id}",
            now=now,
            slug=slug,
        )
        return campaign_view(await queries.campaign(tx.conn, new_id))

    return await core.write(Call[CampaignView](run))


async def create_event(
    core: Core,
    *,
    actor_id: int | None,
    campaign_id: int,
    title_zh: str,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    title_en: str = "",
    place: str = "",
    checkin_opens_at: datetime | None = None,
    checkin_closes_at: datetime | None = None,
    capacity: int | None = None,
    rotating: bool = False,
    is_demo: bool = False,
) -> EventView:
    """An event with a fresh unguessable code. The check-in window defaults to an hour
    before the start until the end. Refuses NOT_ALLOWED, UNKNOWN_CAMPAIGN, INVALID_INPUT."""
    opens = checkin_opens_at or starts_at - timedelta(hours=1)
    closes = checkin_closes_at or ends_at
    if (
        not title_zh.strip()
        or ends_at < starts_at
        or closes < opens
        or (capacity is not None and capacity <= 0)
    ):
        raise Refused(Reason.INVALID_INPUT)

    async def run(tx: Tx) -> EventView:
        await require_role(tx, actor_id, Role.ORGANIZER)
        if await queries.campaign(tx.conn, campaign_id) is None:
            raise Refused(Reason.UNKNOWN_CAMPAIGN)
        new_id = await writes.insert_row(
            tx.conn,
            Event,
            campaign_id=campaign_id,
            code=codes.new_event_code(),
            title_zh=title_zh.strip(),
            title_en=title_en.strip(),
            place=place.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            checkin_opens_at=opens,
            checkin_closes_at=closes,
            capacity=capacity,
            rotating=rotating,
            is_demo=is_demo,
        )
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="create_event",
            target=f"event:{new_id}",
            now=now,
            title=title_zh,
        )
        return event_view(await queries.event(tx.conn, event_id=new_id))

    return await core.write(Call[EventView](run))


async def update_event(
    core: Core, *, actor_id: int | None, event_id: int, now: datetime, **changes: Any
) -> EventView:
    """Edit an event's fields (audited). Refuses NOT_ALLOWED, UNKNOWN_EVENT, INVALID_INPUT."""
    allowed = {
        "title_zh",
        "title_en",
        "place",
        "starts_at",
        "ends_at",
        "checkin_opens_at",
        "checkin_closes_at",
        "capacity",
        "rotating",
    }
    if not set(changes) <= allowed:
        raise Refused(Reason.INVALID_INPUT)

    async def run(tx: Tx) -> EventView:
        await require_role(tx, actor_id, Role.ORGANIZER)
        before = await queries.event(tx.conn, event_id=event_id)
        if before is None:
            raise Refused(Reason.UNKNOWN_EVENT)
        after = {**dict(before), **changes}
        if (
            after["ends_at"] < after["starts_at"]
            or after["checkin_closes_at"] < after["checkin_opens_at"]
        ):
            raise Refused(Reason.INVALID_INPUT)
        await writes.update_by_id(tx.conn, Event, event_id, **changes)
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="update_event",
            target=f"event:{event_id}",
            now=now,
            changes={k: str(v) for k, v in changes.items()},
        )
        return event_view(await queries.event(tx.conn, event_id=event_id))

    return await core.write(Call[EventView](run))


async def upsert_unit(
    core: Core,
    *,
    actor_id: int | None,
    code: str,
    name_zh: str,
    now: datetime,
    name_en: str = "",
    parent_code: str | None = None,
    headcount: int = 0,
    has_canteen: bool = False,
    is_demo: bool = False,
) -> UnitView:
    """Create or update a unit by its code. Refuses INVALID_INPUT, UNKNOWN_UNIT (parent)."""

    async def run(tx: Tx) -> UnitView:
        await require_role(tx, actor_id, Role.ORGANIZER)
        return await _upsert_unit(
            tx,
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            parent_code=parent_code,
            headcount=headcount,
            has_canteen=has_canteen,
            is_demo=is_demo,
            actor_id=actor_id,
            now=now,
        )

    return await core.write(Call[UnitView](run))


async def _upsert_unit(
    tx: Tx,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    parent_code: str | None,
    headcount: int,
    has_canteen: bool,
    is_demo: bool,
    actor_id: int | None,
    now: datetime,
) -> UnitView:
    code = (code or "").strip()
    if not code or not (name_zh or "").strip() or headcount < 0 or len(code) > 64:
        raise Refused(Reason.INVALID_INPUT)
    parent_id = None
    if parent_code:
        parent_id = await queries.unit_id_by_code(tx.conn, parent_code.strip())
        if parent_id is None:
            raise Refused(Reason.UNKNOWN_UNIT)
    values = {
        "name_zh": name_zh.strip(),
        "name_en": (name_en or "").strip(),
        "parent_id": parent_id,
        "headcount": headcount,
        "has_canteen": has_canteen,
        "is_demo": is_demo,
    }
    existing = await queries.unit_id_by_code(tx.conn, code)
    if existing is None:
        unit_id = await writes.insert_row(tx.conn, Unit, code=code, **values)
    else:
        unit_id = existing
        await writes.update_by_id(tx.conn, Unit, existing, **values)
    await audit.record(
        tx.conn,
        actor_id=actor_id,
        action="upsert_unit",
        target=f"unit:{unit_id}",
        now=now,
        code=code,
    )
    return unit_view(await queries.unit(tx.conn, unit_id))


def _truthy(value: str) -> bool:
    return (value or "").strip().lower() in {"1", "yes", "true", "y", "是", "有"}


async def import_units_csv(core: Core, *, actor_id: int | None, text: str, now: datetime) -> int:
    """Units from CSV (code,name_zh,name_en,parent_code,headcount,has_canteen), parents
    before children, all or nothing. Refuses INVALID_INPUT (detail `line`), UNKNOWN_UNIT."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    parsed: list[dict[str, Any]] = []
    for line, row in enumerate(rows, start=2):
        try:
            parsed.append(
                {
                    "code": row["code"],
                    "name_zh": row["name_zh"],
                    "name_en": row.get("name_en", ""),
                    "parent_code": (row.get("parent_code") or "").strip() or None,
                    "headcount": int(row.get("headcount") or 0),
                    "has_canteen": _truthy(row.get("has_canteen", "")),
                }
            )
        except (KeyError, ValueError) as exc:
            raise Refused(Reason.INVALID_INPUT, line=line) from exc

    async def run(tx: Tx) -> int:
        await require_role(tx, actor_id, Role.ORGANIZER)
        for item in parsed:
            await _upsert_unit(tx, **item, is_demo=False, actor_id=actor_id, now=now)
        return len(parsed)

    return await core.write(Call[int](run))
