"""The year's progress as shown under a check-in: read at most every few seconds.

A burst of check-ins at an event door would otherwise read the same totals once per
person. The figure is a display ("as of a moment ago"); the totals themselves stay in
the core, exact, and /progress and /stats always read them fresh.
"""

from __future__ import annotations

import asyncio
import time

from campaigns import totals
from campaigns.core import Core
from campaigns.results import Progress


class ProgressBoard:
    def __init__(self, *, max_age: float = 2.0) -> None:
        self.max_age = max_age
        self._cached: dict[int, tuple[float, Progress]] = {}
        self._lock = asyncio.Lock()

    async def get(self, core: Core, *, year: int) -> Progress:
        hit = self._cached.get(year)
        if hit is not None and time.monotonic() - hit[0] < self.max_age:
            return hit[1]
        async with self._lock:  # one reader refreshes; the others wait for its answer
            hit = self._cached.get(year)
            if hit is not None and time.monotonic() - hit[0] < self.max_age:
                return hit[1]
            value = await totals.progress(core, year=year)
            self._cached[year] = (time.monotonic(), value)
            return value
