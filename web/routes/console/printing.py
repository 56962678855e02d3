"""Console: printable things (event posters, QR PNGs, personal QR cards, the annual report,
a person's participation record) and the exports for the year-end check."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from campaigns import (
    catalog,
    exports,
    figures,
    links,
    people,
    planning,
    qr,
    records,
    reports,
    sheets,
)
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import EventView
from campaigns.settings import Settings
from web.deps import ViewerDep
from web.errors import WebReason, WebRefused
from web.i18n import Lang, translations
from web.routes.console.charts import pace_chart
from web.routes.console.common import audit_export, year_of
from web.routes.console.records import XLSX, download, speech
from web.routes.console.words import Words, render, words_for

router = APIRouter()
MAX_CARDS = 400
CSV = "text/csv; charset=utf-8"


def event_link(settings: Settings, event: EventView) -> str:
    return links.checkin_url(settings.public_url, event.code)


def telegram_link(settings: Settings, event: EventView) -> str:
    return links.telegram_deep_link(settings.bot_username, event.code)


def _png(body: bytes, filename: str) -> Response:
    return Response(
        body,
        media_type="image/png",
        headers={
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": f'inline; filename="{filename}"',
        },
    )


@router.get("/events/{event_id}/poster", response_class=HTMLResponse)
async def poster(event_id: int, viewer: ViewerDep) -> Response:
    core, settings = viewer.state.core, viewer.state.settings
    event = await catalog.get_event(core, event_id=event_id)
    campaign = await catalog.get_campaign(core, event.campaign_id)
    return render(
        viewer,
        "console/poster.html",
        event=event,
        campaign=campaign,
        link=event_link(settings, event),
        tg=telegram_link(settings, event) if _has_bot(viewer) else None,
        zh=translations("zh").gettext,
        en=translations("en").gettext,
        zh_w=Words(Lang("zh", viewer.state.core.tz), 0),
        en_w=Words(Lang("en", viewer.state.core.tz), 0),
    )


def _has_bot(viewer: ViewerDep) -> bool:
    """A Telegram QR only for a bot this county runs (a token is configured)."""
    return viewer.state.bot_token is not None


@router.get("/events/{event_id}/qr.png")
async def event_qr(event_id: int, viewer: ViewerDep) -> Response:
    event = await catalog.get_event(viewer.state.core, event_id=event_id)
    return _png(qr.print_png(event_link(viewer.state.settings, event)), f"event-{event.code}.png")


@router.get("/events/{event_id}/telegram.png")
async def event_tg_qr(event_id: int, viewer: ViewerDep) -> Response:
    if not _has_bot(viewer):
        raise WebRefused(WebReason.NOT_FOUND)
    event = await catalog.get_event(viewer.state.core, event_id=event_id)
    return _png(
        qr.print_png(telegram_link(viewer.state.settings, event), box=8),
        f"event-{event.code}-telegram.png",
    )


@router.get("/people/{person_id}/qr.png")
async def person_qr(person_id: int, viewer: ViewerDep) -> Response:
    person = await people.get_person(viewer.state.core, person_id)
    if person.deleted:
        raise Refused(Reason.PERSON_DELETED)
    return _png(qr.print_png(person.qr_token, box=8), f"person-{person.id}.png")


@router.get("/units/{unit_id}/cards", response_class=HTMLResponse)
async def cards(unit_id: int, viewer: ViewerDep) -> Response:
    """A printable sheet of personal QR cards for everyone in a unit (and units below)."""
    core = viewer.state.core
    unit = await catalog.get_unit(core, unit_id)
    found = await planning.list_people(core, unit_id=unit_id, limit=MAX_CARDS)
    return render(
        viewer,
        "console/cards.html",
        unit=unit,
        found=found,
        limit=MAX_CARDS,
        zh=translations("zh").gettext,
        en=translations("en").gettext,
    )


# reports -------------------------------------------------------------------------------


@router.get("/report", response_class=HTMLResponse)
async def annual_report(viewer: ViewerDep, year: int | None = None) -> Response:
    y = year_of(viewer, year)
    core = viewer.state.core
    report = await reports.annual_report(core, year=y, now=viewer.now)
    board = report.dashboard
    series = figures.pace_series(
        board.days, year=y, goal=board.overview.progress.goal, today=core.today(viewer.now)
    )
    return render(
        viewer,
        "console/report.html",
        report=report,
        board=board,
        t=board.overview.progress.totals,
        chart=pace_chart(series, words_for(viewer), chart_id="report-pace"),
    )


@router.get("/people/{person_id}", response_class=HTMLResponse)
async def person_record(person_id: int, viewer: ViewerDep, year: int | None = None) -> Response:
    y = year_of(viewer, year)
    record = await reports.person_record(viewer.state.core, person_id=person_id, year=y)

    return render(
        viewer, "console/person.html", record=record, roles=list(type(record.person.role))
    )


# exports -------------------------------------------------------------------------------


def export_range(viewer: ViewerDep, start: str, end: str) -> tuple[date, date]:
    """The export's dates: this year by default. Refuses INVALID_INPUT."""
    this = viewer.state.core.today(viewer.now).year
    try:
        first = date.fromisoformat(start) if start else date(this, 1, 1)
        last = date.fromisoformat(end) if end else date(this, 12, 31)
    except ValueError as exc:
        raise Refused(Reason.INVALID_INPUT) from exc
    return first, last


@router.get("/exports", response_class=HTMLResponse)
async def exports_page(
    viewer: ViewerDep,
    start: str = "",
    end: str = "",
    unit: Annotated[list[int] | None, Query()] = None,
) -> Response:
    first, last = export_range(viewer, start, end)
    report = await reports.range_totals(
        viewer.state.core, start=first, end=last, unit_ids=unit or None
    )
    query = f"start={first}&end={last}" + "".join(f"&unit={u}" for u in unit or [])
    return render(
        viewer,
        "console/exports.html",
        report=report,
        start=first,
        end=last,
        chosen=set(unit or []),
        units=catalog.tree_order(report.units),
        query=query,
    )


@router.get("/exports/facts.csv")
async def facts_csv(
    viewer: ViewerDep,
    start: str = "",
    end: str = "",
    unit: Annotated[list[int] | None, Query()] = None,
) -> Response:
    first, last = export_range(viewer, start, end)
    return await range_records_csv(viewer, first, last, unit)


async def range_records_csv(
    viewer: ViewerDep, first: date, last: date, unit: list[int] | None
) -> Response:
    """The records of the range (and units), in the organizer's language."""
    lines = await _range_records(viewer, first, last, unit)
    table = sheets.records_table(lines, speech(viewer), viewer.state.core.tz)
    await audit_export(viewer, "facts.csv", first=first, last=last, unit=unit, rows=len(lines))
    return download(exports.to_csv_table(table), f"records-{first}-{last}.csv", CSV)


@router.get("/exports/totals-{grouping}.csv")
async def totals_csv(
    grouping: str,
    viewer: ViewerDep,
    start: str = "",
    end: str = "",
    unit: Annotated[list[int] | None, Query()] = None,
) -> Response:
    first, last = export_range(viewer, start, end)
    return await grouped_csv(viewer, grouping, first, last, unit)


async def grouped_csv(
    viewer: ViewerDep, grouping: str, first: date, last: date, unit: list[int] | None
) -> Response:
    """Totals by campaign, unit (rolled up) or month as CSV. Refuses INVALID_INPUT."""
    if grouping not in reports.GROUPINGS:
        raise Refused(Reason.INVALID_INPUT)
    report = await reports.range_totals(
        viewer.state.core, start=first, end=last, unit_ids=unit or None
    )
    build = {
        "campaign": sheets.campaign_table,
        "unit": sheets.unit_table,
        "month": sheets.month_table,
    }
    table = build[grouping](report, speech(viewer))
    await audit_export(viewer, f"totals-{grouping}.csv", first=first, last=last, unit=unit)
    return download(exports.to_csv_table(table), f"totals-by-{grouping}-{first}-{last}.csv", CSV)


async def xlsx_body(viewer: ViewerDep, first: date, last: date, unit: list[int] | None) -> bytes:
    """The year-end workbook: about, by campaign, by unit (rolled up), by month, records."""
    core = viewer.state.core
    report = await reports.range_totals(core, start=first, end=last, unit_ids=unit or None)
    lines = await _range_records(viewer, first, last, unit)
    s = speech(viewer)
    tables = [
        sheets.campaign_table(report, s),
        sheets.unit_table(report, s),
        sheets.month_table(report, s),
        sheets.records_table(lines, s, core.tz),
    ]
    about = sheets.about(
        report, s, generated=viewer.now, tz=core.tz, scope=sheets.scope_words(report, s, unit or [])
    )
    await audit_export(
        viewer, "greentally.xlsx", first=first, last=last, unit=unit, rows=len(lines)
    )
    return exports.to_xlsx(tables, about=about, about_name=s._("About"))


@router.get("/exports/greentally.xlsx")
async def xlsx(
    viewer: ViewerDep,
    start: str = "",
    end: str = "",
    unit: Annotated[list[int] | None, Query()] = None,
) -> Response:
    first, last = export_range(viewer, start, end)
    body = await xlsx_body(viewer, first, last, unit)
    return download(body, f"greentally-{first}-{last}.xlsx", XLSX)


async def _range_records(
    viewer: ViewerDep, first: date, last: date, unit: list[int] | None
) -> list[records.RecordLine]:
    core = viewer.state.core
    lines: list[records.RecordLine] = []
    chosen: list[int | None] = list(unit) if unit else [None]
    for u in chosen:  # each chosen unit with its subtree
        f = records.RecordFilter(start=first, end=last, unit_id=u)
        lines += await records.record_export(core, f)
    unique = {line.fact.id: line for line in lines}
    return sorted(unique.values(), key=lambda line: (line.fact.occurred_on, line.fact.id))
