"""Organizer API, part two (/api/v1/organizer): review and void, the records under the
console's filters, an event's attendees, totals by campaign, unit and day, the annual
report, the audit log and the exports — each the twin of a console page or action."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from campaigns import audit_text, records, reports, review
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.records import RecordLine
from campaigns.results import CampaignTotals, DayTotals, FactView, Progress, UnitTotals
from web.deps import ViewerDep
from web.routes.api.caller import API_ERRORS
from web.routes.api.organizer import PathId, twin
from web.routes.api.organizer_auth import ApiOrganizerDep, require_api_organizer
from web.routes.console import printing
from web.routes.console import records as console_records
from web.routes.console.common import year_of
from web.schemas import Body as StrictBody

router = APIRouter(
    prefix="/api/v1/organizer",
    tags=["organizer"],
    responses=API_ERRORS,
    dependencies=[Depends(require_api_organizer)],
)
Year = Annotated[int | None, Query(ge=2000, le=2100)]


# review and void -----------------------------------------------------------------------


class Verdict(StrictBody):
    accept: bool
    reason: str = Field("", max_length=500, description="Required to reject")


class VoidIn(StrictBody):
    reason: str = Field(min_length=1, max_length=500)


@router.get(
    "/review", response_model=list[review.FactLine], openapi_extra=twin("GET /console/review")
)
async def review_queue(viewer: ViewerDep) -> list[Any]:
    """What waits for an organizer, oldest first (50): entries waiting for approval, then
    counted records with a photo nobody has judged yet."""
    return await review.review_queue(viewer.state.core, limit=50)


@router.post(
    "/review/{fact_id}",
    response_model=FactView,
    openapi_extra=twin("POST /console/review/{fact_id}"),
)
async def judge(fact_id: PathId, body: Verdict, me: ApiOrganizerDep, viewer: ViewerDep) -> FactView:
    """Approve a waiting entry (it counts from now) or accept a record's photo; or reject
    either (voided with the reason)."""
    return await review.decide(
        viewer.state.core,
        fact_id=fact_id,
        actor_id=me.id,
        accept=body.accept,
        reason=body.reason,
        now=viewer.now,
    )


@router.get(
    "/facts/{fact_id}/photo",
    response_class=FileResponse,
    openapi_extra=twin("GET /console/evidence/{fact_id}"),
)
async def photo(fact_id: PathId, viewer: ViewerDep) -> Response:
    line = await review.get_fact(viewer.state.core, fact_id=fact_id)
    root = viewer.state.evidence_dir.resolve()
    relative = line.fact.evidence_path or ""
    target = (root / relative).resolve()
    if not relative or not target.is_relative_to(root) or not target.is_file():
        raise Refused(Reason.UNKNOWN_FACT)
    return FileResponse(Path(target), headers={"Cache-Control": "private, no-store"})


@router.post(
    "/facts/{fact_id}/void",
    response_model=FactView,
    openapi_extra=twin("POST /console/facts/{fact_id}/void"),
)
async def void(fact_id: PathId, body: VoidIn, me: ApiOrganizerDep, viewer: ViewerDep) -> FactView:
    """Void a record with a reason (audited); its points are reversed."""
    return await review.void_fact(
        viewer.state.core, fact_id=fact_id, actor_id=me.id, reason=body.reason, now=viewer.now
    )


# records and attendees -----------------------------------------------------------------


class RecordPageOut(BaseModel):
    records: list[RecordLine]
    older: int | None = Field(description="Pass as `before` for the next (older) page")


def _filter(
    start: str = "",
    end: str = "",
    event: str = "",
    campaign: str = "",
    unit: str = "",
    kind: str = "",
    status: str = "",
    q: Annotated[str, Query(max_length=80)] = "",
) -> records.RecordFilter:
    """The records filter: dates (YYYY-MM-DD), event, campaign, unit (with the units under
    it), kind, status (counted, void, pending) and part of a name."""
    return console_records.record_filter(
        start=start,
        end=end,
        event=event,
        campaign=campaign,
        unit=unit,
        kind=kind,
        status=status,
        q=q,
    )


Filter = Annotated[records.RecordFilter, Depends(_filter)]


@router.get("/facts", response_model=RecordPageOut, openapi_extra=twin("GET /console/facts"))
async def facts(
    viewer: ViewerDep,
    f: Filter,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RecordPageOut:
    """Records under the filters, newest first, in keyset pages."""
    page = await records.record_page(viewer.state.core, f, before=before, limit=limit)
    return RecordPageOut(records=page.lines, older=page.older)


@router.get(
    "/facts/{fact_id}",
    response_model=review.FactLine,
    openapi_extra=twin("GET /console/facts/{fact_id}"),
)
async def fact(fact_id: PathId, viewer: ViewerDep) -> Any:
    return await review.get_fact(viewer.state.core, fact_id=fact_id)


@router.get(
    "/facts.{fmt}",
    response_class=Response,
    openapi_extra=twin("GET /console/facts.csv", "GET /console/facts.xlsx"),
)
async def facts_export(fmt: Literal["csv", "xlsx"], viewer: ViewerDep, f: Filter) -> Response:
    """The records under the same filters as a file (this year when no dates are given)."""
    return await console_records.records_export(viewer, f, fmt)


@router.get(
    "/events/{event_id}/attendees",
    response_model=RecordPageOut,
    openapi_extra=twin("GET /console/events/{event_id}"),
)
async def attendees(
    event_id: PathId,
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=80)] = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> RecordPageOut:
    """Who checked in (name, unit, time, channel, who scanned), newest first."""
    page = await records.attendees(viewer.state.core, event_id=event_id, q=q, before=before)
    return RecordPageOut(records=page.lines, older=page.older)


@router.get(
    "/events/{event_id}/attendees.{fmt}",
    response_class=Response,
    openapi_extra=twin("GET /console/events/{event_id}/attendees.{fmt}"),
)
async def attendees_export(
    event_id: PathId,
    fmt: Literal["csv", "xlsx"],
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    return await console_records.attendees_file(viewer, event_id, fmt, q)


# totals, report, audit -----------------------------------------------------------------


class TotalsOut(BaseModel):
    year: int
    progress: Progress
    campaigns: list[CampaignTotals]
    units: list[UnitTotals]
    days: list[DayTotals]


@router.get("/totals", response_model=TotalsOut, openapi_extra=twin("GET /console"))
async def year_totals(
    viewer: ViewerDep,
    year: Year = None,
    by: Annotated[list[Literal["campaign", "unit", "day"]] | None, Query()] = None,
) -> TotalsOut:
    """The dashboard's figures: the year against the goal, and by campaign, unit (own and
    rolled up the tree, with staff headcounts) and day, from the stored totals."""
    y = year_of(viewer, year)
    board = await reports.dashboard(viewer.state.core, year=y, now=viewer.now)
    wanted = set(by or ("campaign", "unit", "day"))
    return TotalsOut(
        year=y,
        progress=board.overview.progress,
        campaigns=board.overview.campaigns if "campaign" in wanted else [],
        units=board.units if "unit" in wanted else [],
        days=board.days if "day" in wanted else [],
    )


@router.get(
    "/report", response_model=reports.AnnualReport, openapi_extra=twin("GET /console/report")
)
async def annual_report(viewer: ViewerDep, year: Year = None) -> Any:
    return await reports.annual_report(
        viewer.state.core, year=year_of(viewer, year), now=viewer.now
    )


class AuditOut(BaseModel):
    id: int
    at: Any
    actor_id: int | None
    actor_name: str
    action: str
    target: str
    detail: dict[str, Any]
    sentence: str


class AuditPageOut(BaseModel):
    entries: list[AuditOut]
    older: int | None


@router.get("/audit", response_model=AuditPageOut, openapi_extra=twin("GET /console/audit"))
async def audit_log(
    viewer: ViewerDep, before: Annotated[int | None, Query(ge=1)] = None, action: str = ""
) -> AuditPageOut:
    """The audit log, newest first, each entry also as a sentence in the caller's language."""
    page = await audit_text.audit_page(
        viewer.state.core, limit=100, before=before, action=action or None
    )
    lang = viewer.lang.code
    return AuditPageOut(
        entries=[
            AuditOut(
                **vars(e), sentence=audit_text.sentence(e, page.names, viewer.lang.gettext, lang)
            )
            for e in page.entries
        ],
        older=page.older,
    )


# exports -------------------------------------------------------------------------------


Units = Annotated[list[int] | None, Query(description="Units, each with the units under it")]


@router.get(
    "/exports/totals",
    response_model=reports.RangeTotals,
    openapi_extra=twin("GET /console/exports"),
)
async def range_totals(
    viewer: ViewerDep, start: str = "", end: str = "", unit: Units = None
) -> Any:
    """Totals recounted from the records for a date range (and units)."""
    first, last = printing.export_range(viewer, start, end)
    return await reports.range_totals(viewer.state.core, start=first, end=last, unit_ids=unit)


@router.get(
    "/exports/greentally.xlsx",
    response_class=Response,
    openapi_extra=twin("GET /console/exports/greentally.xlsx"),
)
async def workbook(
    viewer: ViewerDep, start: str = "", end: str = "", unit: Units = None
) -> Response:
    """The year-end workbook, in the caller's language (Accept-Language)."""
    first, last = printing.export_range(viewer, start, end)
    body = await printing.xlsx_body(viewer, first, last, unit)
    return console_records.download(body, f"greentally-{first}-{last}.xlsx", console_records.XLSX)


@router.get(
    "/exports/facts.csv",
    response_class=Response,
    openapi_extra=twin("GET /console/exports/facts.csv"),
)
async def records_csv(
    viewer: ViewerDep, start: str = "", end: str = "", unit: Units = None
) -> Response:
    first, last = printing.export_range(viewer, start, end)
    return await printing.range_records_csv(viewer, first, last, unit)


@router.get(
    "/exports/totals-{grouping}.csv",
    response_class=Response,
    openapi_extra=twin("GET /console/exports/totals-{grouping}.csv"),
)
async def totals_csv(
    grouping: Literal["campaign", "unit", "month"],
    viewer: ViewerDep,
    start: str = "",
    end: str = "",
    unit: Units = None,
) -> Response:
    first, last = printing.export_range(viewer, start, end)
    return await printing.grouped_csv(viewer, grouping, first, last, unit)
