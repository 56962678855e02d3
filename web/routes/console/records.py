"""Console: the records list (filtered by event, unit with its subtree, dates, kind, status
and name; keyset pages), one record and voiding it, and the exports those filters drive."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import catalog, exports, records, review, sheets
from campaigns.errors import Refused
from campaigns.labels import KIND_LABELS, STATUS_LABELS
from campaigns.reasons import Reason
from campaigns.records import RecordFilter
from campaigns.results import Role
from web.deps import CsrfDep, Viewer, ViewerDep
from web.errors import status_for, words_for
from web.i18n import translations
from web.routes.common import parse_int
from web.routes.console.common import audit_export
from web.routes.console.words import render

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse_day(value: str, field: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise Refused(Reason.INVALID_INPUT, field=field) from exc


def record_filter(
    *,
    start: str = "",
    end: str = "",
    event: str = "",
    campaign: str = "",
    unit: str = "",
    kind: str = "",
    status: str = "",
    q: str = "",
) -> RecordFilter:
    """The filter from query parameters; checked by the core (refuses INVALID_INPUT)."""
    return RecordFilter(
        start=parse_day(start, "start"),
        end=parse_day(end, "end"),
        event_id=parse_int(event),
        campaign_id=parse_int(campaign),
        unit_id=parse_int(unit),
        kind=kind,
        status=status,
        q=q[:80],
    ).checked()


def speech(viewer: Viewer) -> sheets.Speech:
    t = translations(viewer.lang.code)
    return sheets.Speech(t.gettext, t.pgettext, viewer.lang.code)


def download(body: bytes | str, filename: str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _year_range(viewer: Viewer, f: RecordFilter) -> RecordFilter:
    """An export names its period: this year when the filter leaves the dates open."""
    year = viewer.state.core.today(viewer.now).year
    return replace(f, start=f.start or date(year, 1, 1), end=f.end or date(year, 12, 31))


@router.get("/facts", response_class=HTMLResponse)
async def facts_page(
    viewer: ViewerDep,
    start: str = "",
    end: str = "",
    event: str = "",
    campaign: str = "",
    unit: str = "",
    kind: str = "",
    status: str = "",
    q: str = "",
    before: str = "",
) -> Response:
    core = viewer.state.core
    f = record_filter(
        start=start,
        end=end,
        event=event,
        campaign=campaign,
        unit=unit,
        kind=kind,
        status=status,
        q=q,
    )
    page = await records.record_page(core, f, before=parse_int(before))
    events = sorted(await catalog.list_events(core), key=lambda e: e.starts_at, reverse=True)
    return render(
        viewer,
        "console/facts.html",
        page=page,
        f=page.filter,
        query=page.filter.query(),
        events=events[:300],
        units=catalog.tree_order(await catalog.list_units(core)),
        kinds=list(KIND_LABELS),
        statuses=list(STATUS_LABELS),
        first=before == "",
    )


async def records_export(viewer: Viewer, f: RecordFilter, fmt: str) -> Response:
    """The records under a filter as CSV or XLSX, in the viewer's language."""
    f = _year_range(viewer, f)
    lines = await records.record_export(viewer.state.core, f)
    table = sheets.records_table(lines, speech(viewer), viewer.state.core.tz)
    name = f"records-{f.start}-{f.end}"
    await audit_export(viewer, f"{name}.{fmt}", first=f.start, last=f.end, rows=len(lines))
    if fmt == "csv":
        return download(exports.to_csv_table(table), f"{name}.csv", "text/csv; charset=utf-8")
    s = speech(viewer)
    about = [
        (s._("Period"), f"{f.start} – {f.end}"),
        (s._("Counting rule"), s._(sheets.COUNTING_RULE)),
    ]
    body = exports.to_xlsx([table], about=about, about_name=s._("About"))
    return download(body, f"{name}.xlsx", XLSX)


@router.get("/facts.csv")
async def facts_csv(
    viewer: ViewerDep,
    start: str = "",
    end: str = "",
    event: str = "",
    campaign: str = "",
    unit: str = "",
    kind: str = "",
    status: str = "",
    q: str = "",
) -> Response:
    f = record_filter(
        start=start,
        end=end,
        event=event,
        campaign=campaign,
        unit=unit,
        kind=kind,
        status=status,
        q=q,
    )
    return await records_export(viewer, f, "csv")


@router.get("/facts.xlsx")
async def facts_xlsx(
    viewer: ViewerDep,
    start: str = "",
    end: str = "",
    event: str = "",
    campaign: str = "",
    unit: str = "",
    kind: str = "",
    status: str = "",
    q: str = "",
) -> Response:
    f = record_filter(
        start=start,
        end=end,
        event=event,
        campaign=campaign,
        unit=unit,
        kind=kind,
        status=status,
        q=q,
    )
    return await records_export(viewer, f, "xlsx")


@router.get("/facts/{fact_id}", response_class=HTMLResponse)
async def fact_page(fact_id: int, viewer: ViewerDep) -> Response:
    line = await review.get_fact(viewer.state.core, fact_id=fact_id)
    return render(viewer, "console/fact.html", line=line, message=None)


@router.post("/facts/{fact_id}/void", dependencies=[CsrfDep])
async def void(
    fact_id: int, viewer: ViewerDep, reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    core = viewer.state.core
    try:
        await review.void_fact(
            core, fact_id=fact_id, actor_id=organizer.id, reason=reason, now=viewer.now
        )
    except Refused as exc:
        code, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        line = await review.get_fact(core, fact_id=fact_id)
        return render(
            viewer, "console/fact.html", status_code=status_for(code), line=line, message=message
        )
    return RedirectResponse(f"/console/facts/{fact_id}", status_code=303)


# an event's attendees ---------------------------------------------------------------


@router.get("/events/{event_id}/attendees.{fmt}")
async def attendees_export(event_id: int, fmt: str, viewer: ViewerDep, q: str = "") -> Response:
    return await attendees_file(viewer, event_id, fmt, q)


async def attendees_file(viewer: Viewer, event_id: int, fmt: str, q: str) -> Response:
    """An event's attendees as CSV or XLSX, in the viewer's language."""
    if fmt not in ("csv", "xlsx"):
        raise Refused(Reason.INVALID_INPUT, field="format")
    core = viewer.state.core
    event = await catalog.get_event(core, event_id=event_id)
    lines = await records.all_attendees(core, event_id=event_id, q=q)
    s = speech(viewer)
    table = sheets.attendees_table(lines, s, core.tz)
    name = f"attendees-{event.code}"
    await audit_export(viewer, f"{name}.{fmt}", rows=len(lines))
    if fmt == "csv":
        return download(exports.to_csv_table(table), f"{name}.csv", "text/csv; charset=utf-8")
    starts = exports.local(event.starts_at, core.tz)
    about = [
        (s._("Event"), event.title(viewer.lang.code)),
        (s._("Place"), event.place),
        (s._("Starts"), starts.strftime("%Y-%m-%d %H:%M") if starts else ""),
        (s._("Times"), s._("China Standard Time (UTC+8)")),
    ]
    body = exports.to_xlsx([table], about=about, about_name=s._("About"))
    return download(body, f"{name}.xlsx", XLSX)
