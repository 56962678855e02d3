"""The pace forecast: where the year's total lands on 31 December if the pace so far holds.

Pure: the dashboard hands it the total toward the goal and the local date."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Forecast:
    year: int
    as_of: date
    so_far: int
    goal: int
    projected: int
    per_day: float
    days_elapsed: int
    days_left: int
    needed_per_day: float | None  # None when the goal is already reached or the year is over

    @property
    def on_track(self) -> bool:
        return self.projected >= self.goal

    @property
    def final(self) -> bool:
        return self.days_left == 0


def pace(*, so_far: int, goal: int, year: int, today: date) -> Forecast:
    """Linear run rate since 1 January (today counted as a whole day).

    Before the year starts nothing is projected; after it ends the total is final."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    days_in_year = (last - first).days + 1
    if today < first:
        return Forecast(
            year,
            today,
            so_far,
            goal,
            so_far,
            0.0,
            0,
            days_in_year,
            _needed(so_far, goal, days_in_year),
        )
    if today > last:
        return Forecast(
            year, today, so_far, goal, so_far, so_far / days_in_year, days_in_year, 0, None
        )
    elapsed = (today - first).days + 1
    left = days_in_year - elapsed
    rate = so_far / elapsed
    projected = so_far + math.floor(rate * left)
    return Forecast(
        year, today, so_far, goal, projected, rate, elapsed, left, _needed(so_far, goal, left)
    )


def _needed(so_far: int, goal: int, days_left: int) -> float | None:
    if so_far >= goal or days_left <= 0:
        return None
    return (goal - so_far) / days_left
