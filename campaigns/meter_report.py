"""Use per person and per m², month by month against the same month last year, beside the
notice's targets and the campaign weeks: participation beside its effect."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from campaigns.core import Core
from campaigns.field_rules import load_field_rules
from storage import field as store
from storage import identity as identity_store
from storage import queries

Month = tuple[int, int]


def monthly_use(readings: Sequence[tuple[date, float]]) -> dict[Month, tuple[float, int]]:
    """A meter's use per month, (amount, days covered): each interval between two
    readings spread evenly over its days. Pure; readings in date order."""
    out: dict[Month, list[float]] = defaultdict(lambda: [0.0, 0])
    for (d0, v0), (d1, v1) in zip(readings, readings[1:], strict=False):
        days = (d1 - d0).days
        if days <= 0:
            continue
        per_day = (v1 - v0) / days
        day = d0
        while day < d1:
            # the run of days of this interval inside day's month
            last = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
            end = min(d1, last + timedelta(days=1))
            n = (end - day).days
            cell = out[(day.year, day.month)]
            cell[0] += per_day * n
            cell[1] += n
            day = end
    return {m: (amount, int(days)) for m, (amount, days) in out.items()}


def _complete(month: Month, covered: int) -> bool:
    return covered >= calendar.monthrange(*month)[1]


def change_pct(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before <= 0:
        return None
    return round((now - before) / before * 100, 1)


@dataclass(frozen=True)
class MonthRow:
    month: int
    this_year: float | None  # the unit's use, when the month is covered by readings
    last_year: float | None
    per_person: float | None
    per_person_last: float | None
    per_m2: float | None
    per_m2_last: float | None
    change_pct: float | None  # per person and per m² move alike: same people, same floor
    carbon_per_m2: float | None = None  # kg CO2 per m² (electricity only)
    carbon_per_m2_last: float | None = None
    carbon_change_pct: float | None = None


@dataclass(frozen=True)
class KindReport:
    kind: str
    months: tuple[MonthRow, ...]
    change_pct: float | None  # months covered in both years, added up
    target_pct: float  # per person (and per m² for electricity)
    carbon_change_pct: float | None = None
    carbon_target_pct: float | None = None

    @property
    def meets_target(self) -> bool | None:
        return None if self.change_pct is None else self.change_pct <= self.target_pct


@dataclass(frozen=True)
class Week:
    title_zh: str
    title_en: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class MeterReport:
    year: int
    unit_id: int | None
    people: int
    floor_area_m2: float
    kinds: tuple[KindReport, ...]
    weeks: tuple[Week, ...]
    grid_factor: float
    grid_factor_last: float
    grid_source: tuple[str, str]
    targets_source: tuple[str, str]


def _per(value: float | None, by: float) -> float | None:
    return None if value is None or by <= 0 else round(value / by, 3)


def kind_report(
    kind: str,
    use: dict[Month, tuple[float, int]],
    *,
    year: int,
    people: int,
    area: float,
    factors: tuple[float, float],
    targets: dict[str, float],
) -> KindReport:
    """Pure: one kind's months and year-to-date change from its monthly use."""
    rows = []
    both_now = both_before = 0.0
    for m in range(1, 13):
        now_cell, before_cell = use.get((year, m)), use.get((year - 1, m))
        now = round(now_cell[0], 3) if now_cell and _complete((year, m), now_cell[1]) else None
        before = (
            round(before_cell[0], 3)
            if before_cell and _complete((year - 1, m), before_cell[1])
            else None
        )
        if now is not None and before is not None:
            both_now, both_before = both_now + now, both_before + before
        carbon = kind == "electricity"
        c_now = _per(now * factors[0], area) if carbon and now is not None else None
        c_before = _per(before * factors[1], area) if carbon and before is not None else None
        rows.append(
            MonthRow(
                month=m,
                this_year=now,
                last_year=before,
                per_person=_per(now, people),
                per_person_last=_per(before, people),
                per_m2=_per(now, area),
                per_m2_last=_per(before, area),
                change_pct=change_pct(now, before),
                carbon_per_m2=c_now,
                carbon_per_m2_last=c_before,
                carbon_change_pct=change_pct(c_now, c_before),
            )
        )
    total = change_pct(both_now, both_before) if both_before else None
    if kind == "electricity":
        carbon_total = (
            change_pct(both_now * factors[0], both_before * factors[1]) if both_before else None
        )
        return KindReport(
            kind,
            tuple(rows),
            total,
            targets["energy_per_person"],
            carbon_total,
            targets["carbon_per_m2"],
        )
    return KindReport(kind, tuple(rows), total, targets["water_per_person"])


def _weeks(campaigns: Iterable[Any], year: int) -> tuple[Week, ...]:
    marked = ("energy-week", "water-week")
    out = []
    for c in campaigns:
        if not c["starts_on"] or c["starts_on"].year != year:
            continue
        if any(w in c["slug"] for w in marked):
            out.append(
                Week(c["title_zh"], c["title_en"], c["starts_on"], c["ends_on"] or c["starts_on"])
            )
    return tuple(sorted(out, key=lambda w: w.starts_on))


async def report(core: Core, *, year: int, unit_id: int | None = None) -> MeterReport:
    """A unit's (or, without one, every unit's) use per person and per m², month by month
    against last year, with the notice's targets and the energy and water weeks."""
    rules = load_field_rules()
    async with core.read() as conn:
        buildings = await store.buildings(conn, unit_id)
        ids = [b["id"] for b in buildings]
        readings = await store.readings(conn, ids) if ids else []
        units = (
            [await queries.unit(conn, unit_id)]
            if unit_id is not None
            else list(await queries.units(conn))
        )
        sizes = await identity_store.roster_sizes(conn)
        campaigns = await queries.campaigns(conn)
    unit_ids = {b["unit_id"] for b in buildings}
    people = sum(
        sizes.get(u["id"], 0) or int(u["headcount"] or 0)
        for u in units
        if u is not None and (unit_id is not None or u["id"] in unit_ids)
    )
    area = sum(float(b["floor_area_m2"]) for b in buildings)
    per_meter: dict[tuple[int, str], list[tuple[date, float]]] = defaultdict(list)
    for r in readings:
        per_meter[(r["building_id"], r["kind"])].append((r["read_on"], float(r["value"])))
    use: dict[str, dict[Month, list[float]]] = {
        k: defaultdict(lambda: [0.0, 99]) for k in ("electricity", "water")
    }
    for (_, kind), series in per_meter.items():
        for month, (amount, days) in monthly_use(series).items():
            cell = use[kind][month]
            cell[0] += amount
            cell[1] = min(cell[1], days)  # a month is covered when every meter covers it
    factors = (rules.grid_factor(year), rules.grid_factor(year - 1))
    kinds = tuple(
        kind_report(
            kind,
            {m: (a, int(d)) for m, (a, d) in use[kind].items()},
            year=year,
            people=people,
            area=area,
            factors=factors,
            targets=rules.targets,
        )
        for kind in ("electricity", "water")
    )
    return MeterReport(
        year=year,
        unit_id=unit_id,
        people=people,
        floor_area_m2=area,
        kinds=kinds,
        weeks=_weeks(campaigns, year),
        grid_factor=factors[0],
        grid_factor_last=factors[1],
        grid_source=rules.grid_source,
        targets_source=rules.targets_source,
    )
