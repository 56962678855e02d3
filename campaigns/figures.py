"""The numbers behind the console's charts, pure: the year's running total against the
goal's pace, the units' participation leaderboard, person-times per campaign and an
event's arrivals by quarter-hour. The edges draw them and print them as tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from campaigns.results import CampaignTotals, DayTotals, UnitTotals


@dataclass(frozen=True)
class MonthLine:
    month: int
    added: int  # toward the goal that month
    cumulative: int  # by the month's end (or by today, for the current month)
    pace: int  # where the goal's straight pace stands at the month's end


@dataclass(frozen=True)
class PaceSeries:
    year: int
    goal: int
    n_days: int
    cumulative: list[int]  # per day of the year, up to `shown` days
    shown: int  # days drawn: the whole year once it is over, else up to today
    months: list[MonthLine]

    @property
    def total(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0

    def pace_at(self, day_index: int) -> float:
        """The goal's pace after `day_index + 1` days: goal × days / days in the year."""
        return self.goal * (day_index + 1) / self.n_days

    @property
    def pace_now(self) -> int:
        return round(self.pace_at(self.shown - 1)) if self.shown else 0


def pace_series(days: list[DayTotals], *, year: int, goal: int, today: date) -> PaceSeries:
    """The running total toward the goal day by day, and by month beside the pace."""
    first = date(year, 1, 1)
    n_days = (date(year, 12, 31) - first).days + 1
    per_day = [0] * n_days
    for d in days:
        if d.day.year == year:
            per_day[(d.day - first).days] += d.totals.toward_goal
    shown = n_days if today.year > year else 0 if today.year < year else (today - first).days + 1
    cumulative, running = [], 0
    for v in per_day[:shown]:
        running += v
        cumulative.append(running)
    months = []
    for m in range(1, 13):
        start = (date(year, m, 1) - first).days
        end = (date(year + (m == 12), m % 12 + 1, 1) - first).days  # exclusive
        if start >= shown:
            break
        upto = min(end, shown)
        months.append(
            MonthLine(
                month=m,
                added=sum(per_day[start:upto]),
                cumulative=cumulative[upto - 1],
                pace=round(goal * end / n_days),
            )
        )
    return PaceSeries(year, goal, n_days, cumulative, shown, months)


def leaderboard(units: list[UnitTotals], *, limit: int = 20) -> list[UnitTotals]:
    """Units compared by share of staff taking part, rolled up the tree, best first.

    The compared level is the first with more than one unit (a county whose every unit sits
    under one government compares that government's departments); units without a
    headcount on record have no share and are left out."""
    by_parent: dict[int | None, list[UnitTotals]] = {}
    for u in units:
        by_parent.setdefault(u.unit.parent_id, []).append(u)
    level = by_parent.get(None, [])
    while len(level) == 1 and by_parent.get(level[0].unit.id):
        level = by_parent[level[0].unit.id]
    ranked = [u for u in level if u.rolled_headcount > 0]
    ranked.sort(key=lambda u: (-u.share, -u.rolled.people, u.unit.code))
    return ranked[:limit]


def campaign_ranking(campaigns: list[CampaignTotals]) -> list[CampaignTotals]:
    """Campaigns by person-times toward the goal (identified and booth heads), most first."""
    return sorted(
        campaigns, key=lambda c: (-c.totals.toward_goal, -c.totals.person_times, c.campaign.id)
    )


@dataclass(frozen=True)
class Slot:
    start: datetime  # local time
    arrivals: int


QUARTER = timedelta(minutes=15)


def arrivals_by_quarter(times: list[datetime], tz: tzinfo) -> list[Slot]:
    """Check-ins per quarter-hour (local time), from the first arrival's slot to the last's;
    quiet quarters in between are kept, as zero."""
    if not times:
        return []
    local = sorted(t.astimezone(tz) for t in times)

    def floor(t: datetime) -> datetime:
        return t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0)

    first, last = floor(local[0]), floor(local[-1])
    counts: dict[datetime, int] = {}
    for t in local:
        counts[floor(t)] = counts.get(floor(t), 0) + 1
    slots: list[Slot] = []
    at = first
    while at <= last and len(slots) < 24 * 4 * 3:  # three days of quarters at most
        slots.append(Slot(at, counts.get(at, 0)))
        at = (at.astimezone(tz) + QUARTER).astimezone(tz)
    return slots
