"""Totals toward the goal, from the stored tallies; reconcile recounts them from facts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from campaigns import audit
from campaigns.catalog import list_campaigns, list_units, tree_order
from campaigns.core import Core
from campaigns.field_reconcile import field_mismatches
from campaigns.results import (
    Balance,
    CampaignTotals,
    CanteenRates,
    DayTotals,
    FactView,
    Mismatch,
    Overview,
    Progress,
    ReconcileReport,
    Totals,
    UnitTotals,
    UnitView,
)
from campaigns.views import fact_view
from storage import queries, tallies
from storage.writer import Call, Tx


def _totals(values: Totals | dict[str, int] | None) -> Totals:
    if isinstance(values, Totals):
        return values
    return Totals(**values) if values else Totals()


async def progress(core: Core, *, year: int) -> Progress:
    """The year's person-times (and booth headcounts, kept apart) against the goal."""
    async with core.read() as conn:
        row = await tallies.read(conn, year, "year", ["all"])
        waiting = await tallies.read(conn, year, "pending", ["all"])
    return Progress(
        year=year,
        goal=core.goal,
        totals=_totals(row.get("all")),
        pending=_totals(waiting.get("all")),
    )


async def by_campaign(core: Core, *, year: int) -> list[CampaignTotals]:
    camps = await list_campaigns(core, year=year)
    async with core.read() as conn:
        rows = await tallies.read(conn, year, "campaign")
    return [CampaignTotals(c, _totals(rows.get(str(c.id)))) for c in camps]


def roll_up(
    units: list[UnitView], own_rows: Mapping[str, Totals | dict[str, int]]
) -> list[UnitTotals]:
    """Per unit, own and rolled up the tree (parents before children), with the headcount
    rolled the same way; the one place this rule lives."""
    ordered = tree_order(units)
    own = {u.id: _totals(own_rows.get(str(u.id))) for u in units}
    children: dict[int | None, list[int]] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u.id)
    rolled: dict[int, Totals] = {}
    heads: dict[int, int] = {}
    for u, _depth in reversed(ordered):
        parts = [own[u.id]] + [rolled[c] for c in children.get(u.id, [])]
        rolled[u.id] = Totals(*(sum(getattr(p, f) for p in parts) for f in tallies.FIELDS))
        # A parent's headcount is its own staff; children add theirs.
        heads[u.id] = u.headcount + sum(heads[c] for c in children.get(u.id, []))
    return [UnitTotals(u, own[u.id], rolled[u.id], heads[u.id], d) for u, d in ordered]


async def by_unit(core: Core, *, year: int) -> list[UnitTotals]:
    """Per unit, own and rolled up the tree, with the share of staff taking part."""
    units = await list_units(core)
    async with core.read() as conn:
        rows = await tallies.read(conn, year, "unit")
    return roll_up(units, rows)


async def unit_ranking(core: Core, *, year: int, limit: int | None = None) -> list[UnitTotals]:
    """Units with a headcount on record, by share of staff taking part (then by people,
    then code), best first."""
    ranked = [u for u in await by_unit(core, year=year) if u.rolled_headcount > 0]
    ranked.sort(key=lambda u: (-u.share, -u.rolled.people, u.unit.code))
    return ranked[:limit]


async def by_day(core: Core, *, year: int) -> list[DayTotals]:
    async with core.read() as conn:
        rows = await tallies.read(conn, year, "day")
    return sorted(
        (DayTotals(date.fromisoformat(k), _totals(v)) for k, v in rows.items()),
        key=lambda d: d.day,
    )


async def canteen_rates(core: Core, *, year: int) -> CanteenRates:
    """Self-evaluation and spot-check rates over the units that run a canteen."""
    async with core.read() as conn:
        return CanteenRates(
            *await queries.canteen_coverage(conn, date(year, 1, 1), date(year, 12, 31))
        )


async def overview(core: Core, *, year: int) -> Overview:
    """Everything the dashboard shows at once."""
    async with core.read() as conn:
        last = await queries.last_reconcile(conn)
    return Overview(
        progress=await progress(core, year=year),
        campaigns=await by_campaign(core, year=year),
        canteens=await canteen_rates(core, year=year),
        reconciled_at=last["at"] if last else None,
        reconciled_ok=('"ok": true' in last["detail"]) if last else None,
    )


async def balance(core: Core, *, person_id: int) -> Balance:
    """A person's points (a sum of the ledger), CO2 avoided and counted facts."""
    async with core.read() as conn:
        points = await queries.ledger_balance(conn, person_id)
        co2, n = await queries.co2_and_facts(conn, person_id)
    return Balance(person_id=person_id, points=points, co2_g=co2, facts=n)


async def history(core: Core, *, person_id: int, limit: int = 50) -> list[FactView]:
    async with core.read() as conn:
        rows = await queries.facts_of_person(conn, person_id, limit)
    return [fact_view(r) for r in rows]


async def reconcile(core: Core, *, now: datetime) -> ReconcileReport:
    """Recount every stored total from the facts and report each difference (audited).

    Both sides are read in one snapshot (a read transaction), so writes going on meanwhile
    neither block nor skew it; only the audit entry goes through the writer."""
    async with core.snapshot() as conn:
        stored = await tallies.stored(conn)
        fresh = await tallies.recount(conn)
        links = await field_mismatches(conn)  # patrol and paper facts' links (issue 14)
    mismatches = []
    for key in sorted(set(stored) | set(fresh)):
        a, b = stored.get(key, {}), fresh.get(key, {})
        for field in tallies.FIELDS:
            if a.get(field, 0) != b.get(field, 0):
                mismatches.append(Mismatch(*key, field, a.get(field, 0), b.get(field, 0)))
    mismatches += links
    report = ReconcileReport(checked=len(fresh), mismatches=mismatches, at=now)

    async def note(tx: Tx) -> None:
        await audit.record(
            tx.conn,
            actor_id=None,
            action="reconcile",
            target="tallies",
            now=now,
            ok=report.ok,
            checked=report.checked,
            mismatches=len(mismatches),
        )

    await core.write(Call[None](note))
    return report
