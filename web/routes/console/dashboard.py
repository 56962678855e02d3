"""The organizer console's dashboard and its live counter (guarded by the console router)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from campaigns import reports
from campaigns.labels import RULE_LABELS
from web.deps import ViewerDep
from web.i18n import Lang
from web.routes.console.chart import day_chart
from web.routes.console.common import (
    HEARTBEAT_SECONDS,
    chart_labels,
    live_figures,
    live_hub,
    year_of,
)

router = APIRouter(prefix="/console")


@router.get("", response_class=HTMLResponse)
async def dashboard(viewer: ViewerDep, year: int | None = None) -> Response:
    y = year_of(viewer, year)
    board = await reports.dashboard(viewer.state.core, year=y, now=viewer.now)
    svg = day_chart(
        board.days, year=y, goal=board.overview.progress.goal, labels=chart_labels(viewer.lang, y)
    )
    return viewer.render(
        "console/dashboard.html",
        board=board,
        t=board.overview.progress.totals,
        chart=svg,
        rule_labels=RULE_LABELS,
        this_year=viewer.state.core.today(viewer.now).year,
    )


@router.get("/live")
async def live(request: Request, viewer: ViewerDep, year: int | None = None) -> Response:
    """Server-sent events: the year's totals now, then at every change."""
    y = year_of(viewer, year)
    hub = live_hub(request)
    lang = viewer.lang

    async def stream() -> Any:
        async with hub.subscribe() as queue:
            first = await hub.snapshot(y)
            yield _event(first, lang)
            while not await request.is_disconnected():
                try:
                    data = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if data.get("year") == y:
                    yield _event(data, lang)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _event(data: dict[str, Any], lang: Lang) -> str:
    return "event: totals\ndata: " + json.dumps(live_figures(lang, data)) + "\n\n"
