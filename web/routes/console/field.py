"""Console: buildings and rooms (with their QR labels), a unit's patrol page, paper
sign-in sheets (printed, then entered back), and meter readings beside participation."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import catalog, meter_report, meters, paper, patrol_report, patrols, qr
from campaigns.errors import Refused
from campaigns.labels import FINDING_LABELS, METER_LABELS, METER_UNITS, OCCASION_LABELS
from campaigns.reasons import Reason
from campaigns.results import Channel, Role
from web.deps import CsrfDep, Viewer, ViewerDep
from web.errors import status_for, words_for
from web.i18n import translations
from web.routes.common import parse_int, parse_number, with_photo
from web.routes.console.catalog import MAX_CSV_BYTES, decode_csv
from web.routes.console.field_svg import months_chart, rooms_grid
from web.routes.console.printing import _png, event_link
from web.routes.console.words import render

router = APIRouter()


def room_link(viewer: Viewer, code: str) -> str:
    return f"{viewer.state.settings.public_url.rstrip('/')}/r/{code}"


def _message(viewer: Viewer, exc: Exception) -> tuple[int, str]:
    reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
    return status_for(reason), message


# buildings and rooms -----------------------------------------------------------------------


async def _field_page(viewer: Viewer, *, exc: Exception | None = None, **context: Any) -> Response:
    core = viewer.state.core
    units = catalog.tree_order(await catalog.list_units(core))
    buildings = await patrols.list_buildings(core)
    status, message = _message(viewer, exc) if exc else (200, None)
    return render(
        viewer,
        "console/field.html",
        status_code=status,
        units=units,
        buildings=buildings,
        unit_names={u.id: u.name(viewer.lang.code) for u, _ in units},
        message=message,
        **context,
    )


@router.get("/field", response_class=HTMLResponse)
async def field_page(viewer: ViewerDep, saved: int | None = None) -> Response:
    return await _field_page(viewer, saved=saved)


def parse_rooms(text: str) -> list[tuple[str, int]]:
    """One room a line: `name` or `name, floor` (a Chinese comma too)."""
    rooms = []
    for line in text.splitlines():
        name, _, floor = line.replace("，", ",").rpartition(",")
        if not name:
            name, floor = floor, ""
        if name.strip():
            rooms.append((name.strip(), parse_int(floor) or 1))
    return rooms


@router.post("/field/buildings", dependencies=[CsrfDep])
async def save_building(
    viewer: ViewerDep,
    unit_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    floor_area_m2: Annotated[str, Form()] = "",
    rooms: Annotated[str, Form()] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    try:
        area = parse_number(floor_area_m2 or "0")
        if area is None:
            raise Refused(Reason.INVALID_QUANTITY)
        b = await patrols.save_building(
            viewer.state.core,
            actor_id=organizer.id,
            unit_id=parse_int(unit_id) or 0,
            name=name,
            floor_area_m2=area,
            rooms=parse_rooms(rooms),
            now=viewer.now,
        )
    except Refused as exc:
        return await _field_page(viewer, exc=exc)
    return RedirectResponse(f"/console/field?saved={b.id}", status_code=303)


@router.post("/field/import", dependencies=[CsrfDep])
async def import_rooms(viewer: ViewerDep, file: Annotated[UploadFile, File()]) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    raw = await file.read(MAX_CSV_BYTES + 1)
    try:
        if len(raw) > MAX_CSV_BYTES:
            raise Refused(Reason.INVALID_INPUT)
        await patrols.import_rooms_csv(
            viewer.state.core, actor_id=organizer.id, data=decode_csv(raw), now=viewer.now
        )
    except Refused as exc:
        return await _field_page(viewer, exc=exc)
    return RedirectResponse("/console/field", status_code=303)


@router.get("/field/buildings/{building_id}/labels", response_class=HTMLResponse)
async def labels(building_id: int, viewer: ViewerDep) -> Response:
    """One A4 sheet of room labels: each a QR of the room's link, its name and code."""
    b = await patrols.get_building(viewer.state.core, building_id)
    unit = await catalog.get_unit(viewer.state.core, b.unit_id)
    return render(
        viewer,
        "console/room_labels.html",
        building=b,
        unit=unit,
        links={r.code: room_link(viewer, r.code) for r in b.rooms},
        zh=translations("zh").gettext,
        en=translations("en").gettext,
    )


@router.get("/field/rooms/{code}/qr.png")
async def room_qr(code: str, viewer: ViewerDep) -> Response:
    room, _ = await patrols.find_room(viewer.state.core, code)
    return _png(qr.print_png(room_link(viewer, room.code), box=8), f"room-{room.code}.png")


@router.get("/units/{unit_id}/patrols", response_class=HTMLResponse)
async def unit_patrols(unit_id: int, viewer: ViewerDep) -> Response:
    """Findings per room and week, repeat offenders first, the rooms as a coloured grid."""
    core = viewer.state.core
    unit = await catalog.get_unit(core, unit_id)
    report = await patrol_report.unit_report(core, unit_id=unit_id)
    gettext = viewer.lang.gettext
    grids = {b.id: rooms_grid(report, b.id, gettext) for b in report.buildings if b.rooms}
    return render(
        viewer,
        "console/patrols.html",
        unit=unit,
        report=report,
        grids=grids,
        findings=FINDING_LABELS,
    )


@router.post("/field/visits/{visit_id}/void", dependencies=[CsrfDep])
async def void_visit(
    visit_id: int, viewer: ViewerDep, reason: Annotated[str, Form()] = "", unit_id: int = 0
) -> Response:
    """A room visit recorded by mistake: voided with a reason, kept and marked."""
    organizer = viewer.require(Role.ORGANIZER)
    await patrols.void_visit(
        viewer.state.core,
        actor_id=organizer.id,
        visit_id=visit_id,
        reason=reason,
        now=viewer.now,
    )
    return RedirectResponse(f"/console/units/{unit_id}/patrols", status_code=303)


# paper sign-in sheets ----------------------------------------------------------------------


async def _paper_page(viewer: Viewer, event_id: int, *, exc: Exception | None = None) -> Response:
    core = viewer.state.core
    event = await catalog.get_event(core, event_id=event_id)
    status, message = _message(viewer, exc) if exc else (200, None)
    return render(
        viewer,
        "console/paper_sheets.html",
        status_code=status,
        event=event,
        sheets=await paper.sheets_of_event(core, event_id),
        units=catalog.tree_order(await catalog.list_units(core)),
        message=message,
    )


@router.get("/events/{event_id}/paper", response_class=HTMLResponse)
async def paper_sheets(event_id: int, viewer: ViewerDep) -> Response:
    return await _paper_page(viewer, event_id)


@router.post("/events/{event_id}/paper", dependencies=[CsrfDep])
async def new_sheet(
    event_id: int,
    viewer: ViewerDep,
    unit_id: Annotated[str, Form()] = "",
    blank_rows: Annotated[str, Form()] = "0",
    with_roster: Annotated[str, Form()] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    try:
        blank = int(blank_rows or 0) if (blank_rows or "0").strip().isdigit() else -1
        sheet = await paper.create_sheet(
            viewer.state.core,
            actor_id=organizer.id,
            event_id=event_id,
            unit_id=parse_int(unit_id) or 0,
            blank_rows=blank,
            with_roster=bool(with_roster),
            now=viewer.now,
        )
    except Refused as exc:
        return await _paper_page(viewer, event_id, exc=exc)
    return RedirectResponse(f"/console/paper/{sheet.code}/print", status_code=303)


@router.get("/paper/{code}/print", response_class=HTMLResponse)
async def print_sheet(code: str, viewer: ViewerDep) -> Response:
    """The sheet to print: 25 rows an A4 page, each page headed by the event and its QR."""
    sheet = await paper.get_sheet(viewer.state.core, code)
    event = await catalog.get_event(viewer.state.core, event_id=sheet.event_id)
    pages = [
        sheet.rows[i : i + paper.ROWS_PER_PAGE]
        for i in range(0, len(sheet.rows), paper.ROWS_PER_PAGE)
    ]
    return render(
        viewer,
        "console/paper_print.html",
        sheet=sheet,
        event=event,
        pages=pages,
        link=event_link(viewer.state.settings, event),
    )


async def _entry_page(
    viewer: Viewer,
    code: str,
    *,
    exc: Exception | None = None,
    report: Any = None,
    ticked: tuple[int, ...] = (),
    names: dict[int, str] | None = None,
) -> Response:
    sheet = await paper.get_sheet(viewer.state.core, code)
    status, message = _message(viewer, exc) if exc else (200, None)
    return render(
        viewer,
        "console/paper_entry.html",
        status_code=status,
        sheet=sheet,
        report=report,
        message=message,
        ticked=ticked,
        names=names or {},
    )


@router.get("/paper/{code}", response_class=HTMLResponse)
async def entry_form(code: str, viewer: ViewerDep) -> Response:
    return await _entry_page(viewer, code)


@router.post("/paper/{code}", response_class=HTMLResponse, dependencies=[CsrfDep])
async def enter(code: str, request: Request, viewer: ViewerDep) -> Response:
    """Ticks per row (`tick` = row numbers; `name_<row>` for a blank row's written name)."""
    organizer = viewer.require(Role.ORGANIZER)
    form = await request.form()
    ticked = tuple(n for v in form.getlist("tick") if (n := parse_int(str(v))) is not None)
    names = {
        n: str(v)
        for key, v in form.items()
        if key.startswith("name_") and (n := parse_int(key[5:])) is not None and str(v).strip()
    }
    photo = form.get("photo")
    core = viewer.state.core

    async def act(evidence: str | None) -> paper.EntryReport:
        return await paper.enter_sheet(
            core,
            actor_id=organizer.id,
            code=code,
            ticked=list(ticked),
            names=names,
            now=viewer.now,
            evidence_path=evidence,
        )

    upload = photo if isinstance(photo, UploadFile) and photo.filename else None
    try:
        report = await with_photo(viewer.state, upload, day=core.today(viewer.now), act=act)
    except Refused as exc:
        return await _entry_page(viewer, code, exc=exc, ticked=ticked, names=names)
    return await _entry_page(viewer, code, report=report)


# meters ------------------------------------------------------------------------------------


async def _meters_page(
    viewer: Viewer,
    *,
    unit_id: int | None = None,
    year: int | None = None,
    exc: Exception | None = None,
    values: dict[str, str] | None = None,
    saved: int = 0,
) -> Response:
    core = viewer.state.core
    this = core.today(viewer.now).year
    year = year if year and 2000 <= year <= this else this
    report = await meter_report.report(core, year=year, unit_id=unit_id)
    gettext = viewer.lang.gettext
    status, message = _message(viewer, exc) if exc else (200, None)
    return render(
        viewer,
        "console/meters.html",
        status_code=status,
        report=report,
        charts={k.kind: months_chart(k, report.weeks, year, gettext) for k in report.kinds},
        units=catalog.tree_order(await catalog.list_units(core)),
        buildings=await patrols.list_buildings(core),
        recent=await meters.recent(core, limit=30),
        unit_id=unit_id,
        year=year,
        values=values or {},
        saved=saved,
        message=message,
        meter_labels=METER_LABELS,
        meter_units=METER_UNITS,
        occasions=OCCASION_LABELS,
        jump_refused=bool(exc and getattr(exc, "reason", None) is Reason.METER_JUMP),
        today=core.today(viewer.now).isoformat(),
    )


@router.get("/meters", response_class=HTMLResponse)
async def meters_page(
    viewer: ViewerDep, unit_id: int | None = None, year: int | None = None, saved: int = 0
) -> Response:
    return await _meters_page(viewer, unit_id=unit_id, year=year, saved=saved)


@router.post("/meters", response_class=HTMLResponse, dependencies=[CsrfDep])
async def add_reading(
    viewer: ViewerDep,
    building_id: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    read_on: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    occasion: Annotated[str, Form()] = "monthly",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    values = {
        "building_id": building_id,
        "kind": kind,
        "read_on": read_on,
        "value": value,
        "occasion": occasion,
    }
    try:
        number = parse_number(value)
        if number is None:
            raise Refused(Reason.INVALID_QUANTITY)
        try:
            day = date.fromisoformat(read_on)
        except ValueError:
            raise Refused(Reason.INVALID_INPUT) from None
        reading = meters.Reading(parse_int(building_id) or 0, kind, day, number, occasion)
        await meters.record_readings(
            viewer.state.core,
            actor_id=organizer.id,
            readings=[reading],
            now=viewer.now,
            channel=Channel.WEB,
            confirm=bool(confirm),
        )
    except Refused as exc:
        return await _meters_page(viewer, exc=exc, values=values)
    return RedirectResponse("/console/meters?saved=1", status_code=303)


@router.post("/meters/import", response_class=HTMLResponse, dependencies=[CsrfDep])
async def import_readings(
    viewer: ViewerDep, file: Annotated[UploadFile, File()], confirm: Annotated[str, Form()] = ""
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    raw = await file.read(MAX_CSV_BYTES + 1)
    try:
        if len(raw) > MAX_CSV_BYTES:
            raise Refused(Reason.INVALID_INPUT)
        done = await meters.import_readings_csv(
            viewer.state.core,
            actor_id=organizer.id,
            data=decode_csv(raw),
            now=viewer.now,
            confirm=bool(confirm),
        )
    except Refused as exc:
        return await _meters_page(viewer, exc=exc)
    return RedirectResponse(f"/console/meters?saved={len(done)}", status_code=303)


@router.post("/meters/{reading_id}/void", response_class=HTMLResponse, dependencies=[CsrfDep])
async def void_reading(
    reading_id: int, viewer: ViewerDep, reason: Annotated[str, Form()] = ""
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    try:
        await meters.void_reading(
            viewer.state.core,
            actor_id=organizer.id,
            reading_id=reading_id,
            reason=reason,
            now=viewer.now,
        )
    except Refused as exc:
        return await _meters_page(viewer, exc=exc)
    return RedirectResponse("/console/meters", status_code=303)
