"""Console: printable things (event posters, QR PNGs, personal QR cards, the annual report,
a person's participation record) and the exports for the year-end check."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated

import qrcode
import qrcode.constants
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from campaigns import access, catalog, exports, links, people, planning, reports
from campaigns.errors import Refused
from campaigns.labels import ROLE_LABELS, RULE_LABELS
from campaigns.reasons import Reason
from campaigns.results import EventView
from greentally.settings import Settings
from web.deps import ViewerDep
from web.i18n import translations
from web.routes.console.chart import day_chart
from web.routes.console.common import chart_labels, year_of

router = APIRouter()
MAX_CARDS = 400


def event_link(settings: Settings, event: EventView) -> str:
    return links.checkin_url(settings.public_url, event.code)


def telegram_link(settings: Settings, event: EventView) -> str:
    return links.telegram_deep_link(settings.bot_username, event.code)


def qr_png(data: str, *, box: int = 12) -> bytes:
    """A QR code as PNG with error correction H (a poster survives tape, folds and glare)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H, box_size=box, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


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
    return viewer.render(
        "console/poster.html",
        event=event,
        campaign=campaign,
        link=event_link(settings, event),
        tg=telegram_link(settings, event),
        bot=settings.bot_username,
        zh=translations("zh").gettext,
        en=translations("en").gettext,
    )


@router.get("/events/{event_id}/qr.png")
async def event_qr(event_id: int, viewer: ViewerDep) -> Response:
    event = await catalog.get_event(viewer.state.core, event_id=event_id)
    return _png(qr_png(event_link(viewer.state.settings, event)), f"event-{event.code}.png")


@router.get("/events/{event_id}/telegram.png")
async def event_tg_qr(event_id: int, viewer: ViewerDep) -> Response:
    event = await catalog.get_event(viewer.state.core, event_id=event_id)
    return _png(
        qr_png(telegram_link(viewer.state.settings, event), box=8),
        f"event-{event.code}-telegram.png",
    )


@router.get("/people/{person_id}/qr.png")
async def person_qr(person_id: int, viewer: ViewerDep) -> Response:
    person = await people.get_person(viewer.state.core, person_id)
    if person.deleted:
        raise Refused(Reason.PERSON_DELETED)
    return _png(qr_png(person.qr_token, box=8), f"person-{person.id}.png")


@router.get("/units/{unit_id}/cards", response_class=HTMLResponse)
async def cards(unit_id: int, viewer: ViewerDep) -> Response:
    """A printable sheet of personal QR cards for everyone in a unit (and units below)."""
    core = viewer.state.core
    unit = await catalog.get_unit(core, unit_id)
    found = await planning.list_people(core, unit_id=unit_id, limit=MAX_CARDS)
    return viewer.render("console/cards.html", unit=unit, found=found, limit=MAX_CARDS)


# reports -------------------------------------------------------------------------------


@router.get("/report", response_class=HTMLResponse)
async def annual_report(viewer: ViewerDep, year: int | None = None) -> Response:
    y = year_of(viewer, year)
    report = await reports.annual_report(viewer.state.core, year=y, now=viewer.now)
    board = report.dashboard
    svg = day_chart(
        board.days, year=y, goal=board.overview.progress.goal, labels=chart_labels(viewer.lang, y)
    )
    return viewer.render(
        "console/report.html",
        report=report,
        board=board,
        t=board.overview.progress.totals,
        chart=svg,
        rule_labels=RULE_LABELS,
        tz=viewer.state.core.tz,
    )


@router.get("/people/{person_id}", response_class=HTMLResponse)
async def person_record(person_id: int, viewer: ViewerDep, year: int | None = None) -> Response:
    y = year_of(viewer, year)
    record = await reports.person_record(viewer.state.core, person_id=person_id, year=y)

    return viewer.render(
        "console/person.html",
        record=record,
        role_labels=ROLE_LABELS,
        roles=list(type(record.person.role)),
    )


# exports -------------------------------------------------------------------------------


def _range(viewer: ViewerDep, start: str, end: str) -> tuple[date, date]:
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
    first, last = _range(viewer, start, end)
    report = await reports.range_totals(
        viewer.state.core, start=first, end=last, unit_ids=unit or None
    )
    query = f"start={first}&end={last}" + "".join(f"&unit={u}" for u in unit or [])
    return viewer.render(
        "console/exports.html",
        report=report,
        start=first,
        end=last,
        chosen=set(unit or []),
        units=catalog.tree_order(report.units),
        query=query,
        rule_labels=RULE_LABELS,
    )


def _download(body: bytes | str, filename: str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/exports/facts.csv")
async def facts_csv(
    viewer: ViewerDep,
    start: str = "",
    end: str = "",
    unit: Annotated[list[int] | None, Query()] = None,
) -> Response:
    first, last = _range(viewer, start, end)
    scope = await _scope(viewer, unit)
    rows = await exports.fact_rows(viewer.state.core, start=first, end=last, unit_ids=scope)
    await _audit(viewer, "facts.csv", first, last, unit, len(rows))
    return _download(exports.to_csv(rows), f"facts-{first}-{last}.csv", "text/csv; charset=utf-8")


@router.get("/exports/totals-{grouping}.csv")
async def totals_csv(
    grouping: str,
    viewer: ViewerDep,
    start: str = "",
    end: str = "",
    unit: Annotated[list[int] | None, Query()] = None,
) -> Response:
    if grouping not in reports.GROUPINGS:
        raise Refused(Reason.INVALID_INPUT)
    first, last = _range(viewer, start, end)
    report = await reports.range_totals(
        viewer.state.core, start=first, end=last, unit_ids=unit or None
    )
    await _audit(viewer, f"totals-{grouping}.csv", first, last, unit, None)
    return _download(
        reports.totals_csv(report, grouping),
        f"totals-by-{grouping}-{first}-{last}.csv",
        "text/csv; charset=utf-8",
    )


@router.get("/exports/greentally.xlsx")
async def xlsx(
    viewer: ViewerDep,
    start: str = "",
    end: str = "",
    unit: Annotated[list[int] | None, Query()] = None,
) -> Response:
    first, last = _range(viewer, start, end)
    core = viewer.state.core
    report = await reports.range_totals(core, start=first, end=last, unit_ids=unit or None)
    rows = await exports.fact_rows(core, start=first, end=last, unit_ids=report.selected_unit_ids)
    body = reports.to_xlsx(report, rows, generated=viewer.now)
    await _audit(viewer, "greentally.xlsx", first, last, unit, len(rows))
    return _download(
        body,
        f"greentally-{first}-{last}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


async def _audit(
    viewer: ViewerDep, what: str, first: date, last: date, unit: list[int] | None, rows: int | None
) -> None:
    """Who took which data out (campaigns.access, the audit log)."""
    person = viewer.person.id if viewer.person else None
    await access.record_export(
        viewer.state.core,
        actor_id=person,
        what=f"console:{what}",
        now=viewer.now,
        start=first.isoformat(),
        end=last.isoformat(),
        units=unit or [],
        rows=rows,
    )


async def _scope(viewer: ViewerDep, unit: list[int] | None) -> list[int] | None:
    if not unit:
        return None
    return reports.subtree_ids(await catalog.list_units(viewer.state.core), unit)
