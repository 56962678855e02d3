"""What organizers read and hand to the year-end check: the dashboard, totals for a date
range and units (by campaign, unit, month), the annual report and one person's record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from campaigns import catalog, totals
from campaigns.catalog import _runs_in as catalog_runs_in
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.forecast import Forecast, pace
from campaigns.people import get_person
from campaigns.reasons import Reason
from campaigns.results import (
    Balance,
    CampaignTotals,
    CampaignView,
    CanteenRates,
    DayTotals,
    EventView,
    Overview,
    PersonView,
    Progress,
    Totals,
    UnitTotals,
    UnitView,
)
from campaigns.review import FactLine, fact_lines
from campaigns.views import campaign_view, unit_view
from storage import queries
from storage import reports as console_store

GROUPINGS = ("campaign", "unit", "month")


@dataclass(frozen=True)
class Dashboard:
    year: int
    overview: Overview
    units: list[UnitTotals]
    days: list[DayTotals]
    forecast: Forecast
    pending_review: int


async def dashboard(core: Core, *, year: int, now: datetime) -> Dashboard:
    """Everything the dashboard shows, from the stored tallies (never a scan of the facts),
    read on one connection; answered from memory while nothing it shows has changed."""
    today = core.today(now)
    async with core.read() as conn:
        marks = await queries.change_marks(conn)
        key = (id(core), year, today, marks)
        if (hit := _CACHE.get(key)) is not None:
            return hit
        rows = await queries.tallies_for_year(
            conn, year, ("year", "campaign", "unit", "day", "pending")
        )
        units = [unit_view(r) for r in await queries.units(conn)]
        campaigns = [campaign_view(r) for r in await queries.campaigns(conn)]
        canteens = CanteenRates(
            *await queries.canteen_coverage(conn, date(year, 1, 1), date(year, 12, 31))
        )
        last = await queries.last_reconcile(conn)
        pending = await console_store.count_photos_to_review(conn)
    by_dim: dict[str, dict[str, Totals]] = {}
    for dim, tally_key, *values in rows:
        by_dim.setdefault(dim, {})[tally_key] = Totals(*values)
    progress = Progress(
        year,
        core.goal,
        by_dim.get("year", {}).get("all", Totals()),
        pending=by_dim.get("pending", {}).get("all", Totals()),
    )
    overview = Overview(
        progress=progress,
        campaigns=[
            CampaignTotals(c, by_dim.get("campaign", {}).get(str(c.id), Totals()))
            for c in campaigns
            if catalog_runs_in(c, year)
        ],
        canteens=canteens,
        reconciled_at=last["at"] if last else None,
        reconciled_ok=('"ok": true' in last["detail"]) if last else None,
    )
    days = sorted(
        (DayTotals(date.fromisoformat(k), v) for k, v in by_dim.get("day", {}).items()),
        key=lambda d: d.day,
    )
    forecast = pace(so_far=progress.totals.toward_goal, goal=core.goal, year=year, today=today)
    board = Dashboard(
        year, overview, totals.roll_up(units, by_dim.get("unit", {})), days, forecast, pending
    )
    if len(_CACHE) > 32:
        _CACHE.clear()
    _CACHE[key] = board
    return board


_CACHE: dict[tuple[Any, ...], Dashboard] = {}


@dataclass(frozen=True)
class TotalsRow:
    key: str
    label_zh: str
    label_en: str
    totals: Totals
    counting_rule: str = ""

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" and self.label_en else self.label_zh


@dataclass(frozen=True)
class RangeTotals:
    start: date
    end: date
    units: list[UnitView]
    by: dict[str, list[TotalsRow]]
    overall: Totals
    selected_unit_ids: list[int] | None = field(default=None)
    unit_own: dict[str, Totals] = field(default_factory=dict)  # by unit id, not rolled up

    def rolled_units(self) -> list[UnitTotals]:
        """The units in scope rolled up the tree (a unit includes the units under it)."""
        scope = set(self.selected_unit_ids or [u.id for u in self.units])
        return [u for u in totals.roll_up(self.units, self.unit_own) if u.unit.id in scope]


def subtree_ids(all_units: list[UnitView], chosen: list[int]) -> list[int]:
    """The chosen units and every unit below them."""
    children: dict[int | None, list[int]] = {}
    for u in all_units:
        children.setdefault(u.parent_id, []).append(u.id)
    out: list[int] = []
    stack = list(chosen)
    seen: set[int] = set()
    while stack:
        uid = stack.pop()
        if uid in seen:
            continue
        seen.add(uid)
        out.append(uid)
        stack.extend(children.get(uid, []))
    return sorted(out)


def _check_range(start: date, end: date) -> None:
    if end < start or (end - start).days > 3 * 366:
        raise Refused(Reason.INVALID_INPUT)


async def range_totals(
    core: Core, *, start: date, end: date, unit_ids: list[int] | None = None
) -> RangeTotals:
    """Totals of counted facts in [start, end] (chosen units and their subtrees), by
    campaign, unit and month, recounted from the facts. Refuses INVALID_INPUT."""
    _check_range(start, end)
    all_units = await catalog.list_units(core)
    scope = subtree_ids(all_units, unit_ids) if unit_ids else None
    campaigns = {str(c.id): c for c in await catalog.list_campaigns(core)}
    units = {str(u.id): u for u in all_units}
    by: dict[str, list[TotalsRow]] = {}
    own: dict[str, Totals] = {}
    async with core.read() as conn:
        for grouping in GROUPINGS:
            rows = await queries.fact_totals_grouped(
                conn, start=start, end=end, by=grouping, unit_ids=scope
            )
            by[grouping] = sorted(
                (_row(grouping, r, campaigns, units) for r in rows), key=lambda t: t.key
            )
            if grouping == "unit":
                own = {
                    str(r["key"]): Totals(**{k: v for k, v in r.items() if k != "key"})
                    for r in rows
                    if r["key"] is not None
                }
        overall = await queries.fact_totals_all(conn, start=start, end=end, unit_ids=scope)
    return RangeTotals(start, end, all_units, by, Totals(**overall), scope, own)


def _row(
    grouping: str,
    r: dict[str, Any],
    campaigns: dict[str, CampaignView],
    units: dict[str, UnitView],
) -> TotalsRow:
    values = Totals(**{k: v for k, v in r.items() if k != "key"})
    key = "" if r["key"] is None else str(r["key"])
    if grouping == "campaign" and key in campaigns:
        c = campaigns[key]
        return TotalsRow(c.slug, c.title_zh, c.title_en, values, c.counting_rule)
    if grouping == "unit":
        if key in units:
            u = units[key]
            return TotalsRow(u.code, u.name_zh, u.name_en, values)
        return TotalsRow("-", "（无单位：展位人数）", "(no unit: booth headcounts)", values)
    return TotalsRow(key, key, key, values)


@dataclass(frozen=True)
class EventLine:
    event: EventView
    campaign: CampaignView


@dataclass(frozen=True)
class AnnualReport:
    dashboard: Dashboard
    events: list[EventLine]


async def annual_report(core: Core, *, year: int, now: datetime) -> AnnualReport:
    """The printable year: dashboard figures plus every event held that year."""
    board = await dashboard(core, year=year, now=now)
    campaigns = {c.id: c for c in await catalog.list_campaigns(core)}
    events = [
        EventLine(e, campaigns[e.campaign_id])
        for e in await catalog.list_events(core)
        if e.starts_at.astimezone(core.tz).year == year and e.campaign_id in campaigns
    ]
    events.sort(key=lambda line: line.event.starts_at)
    return AnnualReport(board, events)


@dataclass(frozen=True)
class PersonRecord:
    person: PersonView
    balance: Balance
    year: int
    facts: list[FactLine]
    person_times: int
    co2_g: int


async def person_record(core: Core, *, person_id: int, year: int) -> PersonRecord:
    """One person's participation in a year, for a certificate or a query. Refuses
    UNKNOWN_PERSON."""
    person = await get_person(core, person_id)
    balance = await totals.balance(core, person_id=person_id)
    lines = await fact_lines(
        core, person_id=person_id, limit=5000, start=date(year, 1, 1), end=date(year, 12, 31)
    )
    mine = [line for line in lines if line.fact.person_id == person_id]
    counted = [line for line in mine if line.fact.status == "counted"]
    return PersonRecord(
        person=person,
        balance=balance,
        year=year,
        facts=sorted(mine, key=lambda line: (line.fact.occurred_on, line.fact.id)),
        person_times=sum(line.fact.counted for line in counted),
        co2_g=sum(line.fact.co2_g for line in counted),
    )
