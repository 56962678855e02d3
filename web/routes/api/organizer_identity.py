"""Organizer API, part three (/api/v1/organizer): staff lists and probable duplicates —
the twins of the console's staff-list and duplicates pages, on the same core functions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from campaigns import merging, rosters
from campaigns.errors import Refused
from campaigns.reasons import Reason
from web.deps import ViewerDep
from web.routes.api.caller import API_ERRORS
from web.routes.api.organizer import PathId, twin
from web.routes.api.organizer_auth import ApiOrganizerDep, require_api_organizer
from web.routes.console.identity import MAX_ROSTER_BYTES, roster_template_csv
from web.schemas import Body as StrictBody
from web.schemas import Id

router = APIRouter(
    prefix="/api/v1/organizer",
    tags=["organizer"],
    responses=API_ERRORS,
    dependencies=[Depends(require_api_organizer)],
)


class RowProblem(BaseModel):
    row: int = Field(description="As the spreadsheet numbers it (the header is row 1; 0: file)")
    problem: str
    message: str


class RosterReport(BaseModel):
    written: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    rejoined: int
    left: int
    people_left: int
    linked: int
    ignored_columns: list[str]
    errors: list[RowProblem]


class MergeIn(StrictBody):
    keep_id: Id
    drop_id: Id


@router.get(
    "/roster", response_model=dict[int, int], openapi_extra=twin("GET /console/people/roster")
)
async def roster_sizes(viewer: ViewerDep) -> dict[int, int]:
    """Current staff-list size per unit id (units without a list are absent)."""
    return await rosters.roster_sizes(viewer.state.core)


@router.post(
    "/roster",
    response_model=RosterReport,
    openapi_extra=twin("POST /console/people/roster", "POST /console/people/roster/import"),
)
async def import_roster(
    request: Request,
    me: ApiOrganizerDep,
    viewer: ViewerDep,
    dry_run: Annotated[bool, Query(description="Check and report; write nothing")] = False,
    replace: Annotated[
        bool, Query(description="Rows the file's units no longer list: left")
    ] = False,
    filename: Annotated[str, Query(max_length=120, description="xlsx or csv, by its name")] = "",
    file: Annotated[bytes, Body(media_type="text/csv", description="CSV or XLSX bytes")] = b"",
) -> RosterReport:
    """Import a staff list (the console's columns), checked whole: nothing is written unless
    every row is clean (then `written`), and never on a dry run."""
    raw = await request.body()
    if len(raw) > MAX_ROSTER_BYTES:
        raise Refused(Reason.INVALID_INPUT)
    report = await rosters.import_roster(
        viewer.state.core,
        actor_id=me.id,
        data=raw,
        filename=filename,
        now=viewer.now,
        replace=replace,
        dry_run=dry_run,
    )
    gettext = viewer.lang.gettext
    return RosterReport(
        written=report.written,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejoined=report.rejoined,
        left=report.left,
        people_left=report.people_left,
        linked=report.linked,
        ignored_columns=report.ignored_columns,
        errors=[
            RowProblem(row=e.row, problem=e.problem, message=rosters.describe(e, gettext))
            for e in report.errors
        ],
    )


@router.get(
    "/roster/template.csv",
    response_class=Response,
    openapi_extra=twin("GET /console/people/roster/template.csv"),
)
async def template() -> Response:
    return Response(roster_template_csv(), media_type="text/csv; charset=utf-8")


@router.get(
    "/duplicates",
    response_model=list[merging.DuplicateGroup],
    openapi_extra=twin("GET /console/people/duplicates"),
)
async def duplicates(viewer: ViewerDep) -> list[Any]:
    """Probable duplicates: same name in a unit, same staff number, flagged at registration."""
    return await merging.duplicates(viewer.state.core)


@router.post(
    "/merge", response_model=merging.MergeReport, openapi_extra=twin("POST /console/people/merge")
)
async def merge(body: MergeIn, me: ApiOrganizerDep, viewer: ViewerDep) -> merging.MergeReport:
    """Merge `drop_id` into `keep_id` (audited with both; doubles voided as merged)."""
    return await merging.merge_people(
        viewer.state.core,
        actor_id=me.id,
        keep_id=body.keep_id,
        drop_id=body.drop_id,
        now=viewer.now,
    )


@router.post(
    "/people/{person_id}/not-duplicate",
    status_code=204,
    openapi_extra=twin("POST /console/people/{person_id}/not-duplicate"),
)
async def not_duplicate(person_id: PathId, me: ApiOrganizerDep, viewer: ViewerDep) -> Response:
    await merging.clear_flag(viewer.state.core, actor_id=me.id, person_id=person_id, now=viewer.now)
    return Response(status_code=204)
