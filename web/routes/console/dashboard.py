"""The organizer console's dashboard and its live counter (guarded by the console router)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from campaigns import figures, meter_report, reports
from campaigns.labels import METER_LABELS
from web.deps import ViewerDep
from web.i18n import Lang
from web.routes.console.charts import Bar, bar_chart, pace_chart
from web.routes.console.common import HEARTBEAT_SECONDS, live_figures, live_hub, year_of
from web.routes.console.words import Words, render, words_for

router = APIRouter(prefix="/console")


def board_charts(board: reports.Dashboard, w: Words, *, today: Any) -> dict[str, Any]:
    """The dashboard's three charts and the rows of the tables beside them."""
    goal = board.overview.progress.goal
    series = figures.pace_series(board.days, year=board.year, goal=goal, today=today)
    leaders = figures.leaderboard(board.units)
    ranked = figures.campaign_ranking(board.overview.campaigns)
    lang = w.lang.code
    unit_chart = bar_chart(
        [Bar(u.unit.name(lang), u.share, w.pct(u.share)) for u in leaders],
        chart_id="units",
        title=w._("Participation rate by unit"),
        desc=w._(
            "Share of each unit's staff who took part, units under it included, best first: "
            "{first}."
        ).format(first="; ".join(f"{u.unit.name(lang)} {w.pct(u.share)}" for u in leaders[:5]))
        if leaders
        else w._("No unit has a staff headcount on record yet."),
        top=1.0,
    )
    drawn = [c for c in ranked if c.totals.toward_goal] or ranked  # the table lists them all
    campaign_chart = bar_chart(
        [
            Bar(c.campaign.title(lang), c.totals.toward_goal, w.n(c.totals.toward_goal))
            for c in drawn
        ],
        chart_id="campaigns",
        title=w._("Person-times by campaign"),
        desc=w._("Person-times toward the goal per campaign, most first: {first}.").format(
            first="; ".join(
                f"{c.campaign.title(lang)} {w.n(c.totals.toward_goal)}" for c in ranked[:5]
            )
        ),
    )
    return {
        "series": series,
        "pace_svg": pace_chart(series, w),
        "leaders": leaders,
        "unit_svg": unit_chart,
        "ranked": ranked,
        "campaign_svg": campaign_chart,
    }


@router.get("", response_class=HTMLResponse)
async def dashboard(viewer: ViewerDep, year: int | None = None) -> Response:
    y = year_of(viewer, year)
    core = viewer.state.core
    board = await reports.dashboard(core, year=y, now=viewer.now)
    w = words_for(viewer)
    return render(
        viewer,
        "console/dashboard.html",
        board=board,
        t=board.overview.progress.totals,
        this_year=core.today(viewer.now).year,
        **board_charts(board, w, today=core.today(viewer.now)),
        meters=await meter_report.report(core, year=y),  # beside participation (issue 14)
        meter_labels=METER_LABELS,
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
