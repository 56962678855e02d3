"""Organizer API, field part (/api/v1/organizer, issue 14): buildings and rooms, a unit's
patrol findings, paper sign-in sheets and meter readings — each the twin of a console form
on the same core function."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import Field

from campaigns import meter_report, meters, paper, patrol_report, patrols
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Channel
from web.deps import ViewerDep
from web.routes.api.caller import API_ERRORS
from web.routes.api.organizer_auth import ApiOrganizerDep, require_api_organizer
from web.routes.common import MAX_INT, idempotency_key
from web.routes.console.catalog import decode_csv
from web.schemas import Body as StrictBody

router = APIRouter(
    prefix="/api/v1/organizer",
    tags=["organizer"],
    responses=API_ERRORS,
    dependencies=[Depends(require_api_organizer)],
)
PathId = Annotated[int, Path(ge=1, le=MAX_INT)]
MAX_CSV_BYTES = 2 * 1024 * 1024
CsvBody = Annotated[str, Body(media_type="text/csv", description="The CSV file")]


def twin(*console: str) -> dict[str, Any]:
    return {"x-console-twin": list(console)}


async def _csv(request: Request) -> str:
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise Refused(Reason.INVALID_INPUT)
    return decode_csv(raw)


class VoidIn(StrictBody):
    reason: str = Field(min_length=1, max_length=500)


# buildings and patrols ---------------------------------------------------------------------


class RoomIn(StrictBody):
    name: str = Field(min_length=1, max_length=80)
    floor: int = Field(1, ge=-10, le=200)


class BuildingIn(StrictBody):
    unit_id: int = Field(ge=1, le=MAX_INT)
    name: str = Field(min_length=1, max_length=80)
    floor_area_m2: float = Field(0, ge=0, le=10_000_000)
    rooms: list[RoomIn] = Field(default_factory=list, max_length=2000)


@router.get(
    "/buildings",
    response_model=list[patrols.BuildingView],
    openapi_extra=twin("GET /console/field"),
)
async def list_buildings(viewer: ViewerDep, unit_id: int | None = None) -> Any:
    return await patrols.list_buildings(viewer.state.core, unit_id=unit_id)


@router.post(
    "/buildings",
    response_model=patrols.BuildingView,
    status_code=201,
    openapi_extra=twin("POST /console/field/buildings"),
)
async def save_building(body: BuildingIn, me: ApiOrganizerDep, viewer: ViewerDep) -> Any:
    """A building (or its new floor area) and rooms added to it; rooms there keep labels."""
    return await patrols.save_building(
        viewer.state.core,
        actor_id=me.id,
        unit_id=body.unit_id,
        name=body.name,
        floor_area_m2=body.floor_area_m2,
        rooms=[(r.name, r.floor) for r in body.rooms],
        now=viewer.now,
    )


@router.post(
    "/buildings/import",
    response_model=dict[str, int],
    openapi_extra=twin("POST /console/field/import"),
)
async def import_rooms(
    request: Request, me: ApiOrganizerDep, viewer: ViewerDep, csv_text: CsvBody = ""
) -> dict[str, int]:
    """`unit_code,building,floor_area_m2,room,floor`, all or nothing."""
    buildings, rooms = await patrols.import_rooms_csv(
        viewer.state.core, actor_id=me.id, data=await _csv(request), now=viewer.now
    )
    return {"buildings": buildings, "rooms_added": rooms}


@router.get(
    "/units/{unit_id}/patrols",
    response_model=patrol_report.PatrolReport,
    openapi_extra=twin("GET /console/units/{unit_id}/patrols"),
)
async def unit_patrols(unit_id: PathId, viewer: ViewerDep) -> Any:
    return await patrol_report.unit_report(viewer.state.core, unit_id=unit_id)


@router.post(
    "/room-visits/{visit_id}/void",
    status_code=204,
    openapi_extra=twin("POST /console/field/visits/{visit_id}/void"),
)
async def void_visit(
    visit_id: PathId, body: VoidIn, me: ApiOrganizerDep, viewer: ViewerDep
) -> None:
    """A room visit recorded by mistake: voided with a reason, kept and marked."""
    await patrols.void_visit(
        viewer.state.core, actor_id=me.id, visit_id=visit_id, reason=body.reason, now=viewer.now
    )


# paper sign-in sheets ----------------------------------------------------------------------


class SheetIn(StrictBody):
    unit_id: int = Field(ge=1, le=MAX_INT)
    blank_rows: int = Field(0, ge=0, le=paper.MAX_ROWS)
    with_roster: bool = True


class EntryIn(StrictBody):
    ticked: list[int] = Field(max_length=paper.MAX_ROWS)
    names: dict[str, str] = Field(default_factory=dict, description="written-in names by row")


@router.get(
    "/events/{event_id}/paper-sheets",
    response_model=list[paper.SheetView],
    openapi_extra=twin("GET /console/events/{event_id}/paper"),
)
async def paper_sheets(event_id: PathId, viewer: ViewerDep) -> Any:
    return await paper.sheets_of_event(viewer.state.core, event_id)


@router.post(
    "/events/{event_id}/paper-sheets",
    response_model=paper.SheetView,
    status_code=201,
    openapi_extra=twin("POST /console/events/{event_id}/paper"),
)
async def new_sheet(event_id: PathId, body: SheetIn, me: ApiOrganizerDep, viewer: ViewerDep) -> Any:
    return await paper.create_sheet(
        viewer.state.core,
        actor_id=me.id,
        event_id=event_id,
        unit_id=body.unit_id,
        blank_rows=body.blank_rows,
        with_roster=body.with_roster,
        now=viewer.now,
    )


@router.get(
    "/paper-sheets/{code}",
    response_model=paper.SheetView,
    openapi_extra=twin("GET /console/paper/{code}"),
)
async def get_sheet(code: Annotated[str, Path(max_length=16)], viewer: ViewerDep) -> Any:
    return await paper.get_sheet(viewer.state.core, code)


@router.post(
    "/paper-sheets/{code}/entries",
    response_model=paper.EntryReport,
    openapi_extra=twin("POST /console/paper/{code}"),
)
async def enter(
    code: Annotated[str, Path(max_length=16)], body: EntryIn, me: ApiOrganizerDep, viewer: ViewerDep
) -> Any:
    """The ticked rows of a filled sheet; entering it again changes nothing."""
    return await paper.enter_sheet(
        viewer.state.core,
        actor_id=me.id,
        code=code,
        ticked=body.ticked,
        names={int(k): v for k, v in body.names.items() if k.isdigit()},
        now=viewer.now,
    )


# meters ------------------------------------------------------------------------------------


class ReadingIn(StrictBody):
    building_id: int = Field(ge=1, le=MAX_INT)
    kind: Literal["electricity", "water"]
    read_on: Annotated[date, Field(strict=False)]
    value: float = Field(ge=0, le=meters.MAX_VALUE)
    occasion: Literal["monthly", "before_week", "after_week"] = "monthly"


class ReadingsIn(StrictBody):
    readings: list[ReadingIn] = Field(min_length=1, max_length=5000)
    confirm: bool = Field(False, description="keep a reading far from the usual, flagged")
    idempotency_key: str | None = Field(None, max_length=64)


@router.get(
    "/meters/report",
    response_model=meter_report.MeterReport,
    openapi_extra=twin("GET /console/meters"),
)
async def report(
    viewer: ViewerDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
) -> Any:
    """This year's (or `year`'s) use per person and per m² against the year before."""
    core = viewer.state.core
    year = year or core.today(viewer.now).year
    return await meter_report.report(core, year=year, unit_id=unit_id)


@router.post(
    "/meter-readings",
    response_model=list[meters.ReadingView],
    status_code=201,
    openapi_extra=twin("POST /console/meters"),
)
async def add_readings(body: ReadingsIn, me: ApiOrganizerDep, viewer: ViewerDep) -> Any:
    """Readings, all or nothing; refused before anything is written when implausible."""
    return await meters.record_readings(
        viewer.state.core,
        actor_id=me.id,
        readings=[
            meters.Reading(r.building_id, r.kind, r.read_on, r.value, r.occasion)
            for r in body.readings
        ],
        now=viewer.now,
        channel=Channel.API,
        confirm=body.confirm,
        idempotency_key=idempotency_key(body.idempotency_key),
    )


@router.post(
    "/meter-readings/import",
    response_model=list[meters.ReadingView],
    openapi_extra=twin("POST /console/meters/import"),
)
async def import_readings(
    request: Request,
    me: ApiOrganizerDep,
    viewer: ViewerDep,
    csv_text: CsvBody = "",
    confirm: bool = False,
) -> Any:
    """`building_code,kind,read_on,value[,occasion]`, all or nothing."""
    return await meters.import_readings_csv(
        viewer.state.core,
        actor_id=me.id,
        data=await _csv(request),
        now=viewer.now,
        confirm=confirm,
        channel=Channel.API,
    )


@router.post(
    "/meter-readings/{reading_id}/void",
    response_model=meters.ReadingView,
    openapi_extra=twin("POST /console/meters/{reading_id}/void"),
)
async def void_reading(
    reading_id: PathId, body: VoidIn, me: ApiOrganizerDep, viewer: ViewerDep
) -> Any:
    return await meters.void_reading(
        viewer.state.core,
        actor_id=me.id,
        reading_id=reading_id,
        reason=body.reason,
        now=viewer.now,
    )
