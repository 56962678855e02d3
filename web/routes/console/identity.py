"""Console: staff lists (import with a preview; nothing written until the whole file is
clean) and probable duplicates (merge two records into one person, or clear a flag)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import catalog, merging, rosters
from campaigns.errors import Refused
from campaigns.labels import DUPLICATE_REASONS
from campaigns.reasons import Reason
from campaigns.results import Role
from web.deps import CsrfDep, Viewer, ViewerDep
from web.errors import status_for, words_for
from web.routes.common import parse_int
from web.routes.console.words import render

router = APIRouter()
MAX_ROSTER_BYTES = 5 * 1024 * 1024
UPLOAD_NAME = "roster-{token}.upload"


def _uploads(viewer: Viewer) -> Path:
    """Where a previewed file waits for its confirmation (beside the evidence folder)."""
    folder = viewer.state.evidence_dir.parent / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def _roster_page(
    viewer: Viewer,
    *,
    report: rosters.ImportReport | None = None,
    token: str = "",
    filename: str = "",
    replace: bool = False,
    status: int = 200,
    message: str | None = None,
) -> Response:
    units = catalog.tree_order(await catalog.list_units(viewer.state.core))
    sizes = await rosters.roster_sizes(viewer.state.core)
    problems = (
        [(e, rosters.describe(e, viewer.lang.gettext)) for e in report.errors] if report else []
    )
    return render(
        viewer,
        "console/roster.html",
        status_code=status,
        units=units,
        sizes=sizes,
        report=report,
        problems=problems,
        token=token,
        filename=filename,
        replace=replace,
        message=message,
    )


@router.get("/people/roster", response_class=HTMLResponse)
async def roster_page(viewer: ViewerDep) -> Response:
    return await _roster_page(viewer)


@router.post("/people/roster", response_class=HTMLResponse, dependencies=[CsrfDep])
async def roster_preview(
    viewer: ViewerDep,
    file: Annotated[UploadFile, File()],
    replace: Annotated[str, Form()] = "",
) -> Response:
    """Check the file (a dry run) and show what importing it would do; keep it for the
    confirmation only when it is clean."""
    organizer = viewer.require(Role.ORGANIZER)
    data = await file.read(MAX_ROSTER_BYTES + 1)
    if len(data) > MAX_ROSTER_BYTES:
        raise Refused(Reason.INVALID_INPUT)
    name = (file.filename or "").rsplit("/", 1)[-1][:120]
    report = await rosters.import_roster(
        viewer.state.core,
        actor_id=organizer.id,
        data=data,
        filename=name,
        now=viewer.now,
        replace=bool(replace),
        dry_run=True,
    )
    token = ""
    if report.ok:
        token = secrets.token_urlsafe(18)
        (_uploads(viewer) / UPLOAD_NAME.format(token=token)).write_bytes(data)
    return await _roster_page(
        viewer,
        report=report,
        token=token,
        filename=name,
        replace=bool(replace),
        status=200 if report.ok else 422,
    )


@router.post("/people/roster/import", response_class=HTMLResponse, dependencies=[CsrfDep])
async def roster_import(
    viewer: ViewerDep,
    token: Annotated[str, Form(max_length=64)] = "",
    filename: Annotated[str, Form(max_length=120)] = "",
    replace: Annotated[str, Form()] = "",
) -> Response:
    """Write the previewed file: checked again whole, in one transaction (audited)."""
    organizer = viewer.require(Role.ORGANIZER)
    path = _uploads(viewer) / UPLOAD_NAME.format(token=token)
    if not token.replace("-", "").replace("_", "").isalnum() or not path.is_file():
        message = viewer.lang.gettext("This preview has expired: choose the file again.")
        return await _roster_page(viewer, status=410, message=message)
    report = await rosters.import_roster(
        viewer.state.core,
        actor_id=organizer.id,
        data=path.read_bytes(),
        filename=filename,
        now=viewer.now,
        replace=bool(replace),
    )
    if report.written:
        path.unlink(missing_ok=True)
    return await _roster_page(
        viewer,
        report=report,
        filename=filename,
        replace=bool(replace),
        status=200 if report.ok else 422,
    )


def roster_template_csv() -> bytes:
    """An example staff list (UTF-8 with BOM, which spreadsheet programs open as such)."""
    return "\ufeff单位代码,姓名,工号,手机尾号\r\nedu,张三,1001,1234\r\n".encode()


@router.get("/people/roster/template.csv")
async def roster_template(viewer: ViewerDep) -> Response:
    return Response(
        roster_template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="staff-list.csv"'},
    )


# duplicates ----------------------------------------------------------------------------------


async def _duplicates_page(
    viewer: Viewer, *, status: int = 200, message: str | None = None, done: str = ""
) -> Response:
    groups = await merging.duplicates(viewer.state.core)
    return render(
        viewer,
        "console/duplicates.html",
        status_code=status,
        groups=groups,
        reasons=DUPLICATE_REASONS,
        message=message,
        done=done,
    )


@router.get("/people/duplicates", response_class=HTMLResponse)
async def duplicates_page(viewer: ViewerDep, done: str = "") -> Response:
    return await _duplicates_page(viewer, done=done[:16])


@router.post("/people/merge", dependencies=[CsrfDep])
async def merge(
    viewer: ViewerDep,
    keep_id: Annotated[str, Form()] = "",
    drop_id: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Merge `drop` into `keep` (audited with both ids; doubles voided, not deleted)."""
    organizer = viewer.require(Role.ORGANIZER)
    keep, drop = parse_int(keep_id), parse_int(drop_id)
    try:
        if keep is None or drop is None or not confirm:
            raise Refused(Reason.CANNOT_MERGE)
        await merging.merge_people(
            viewer.state.core, actor_id=organizer.id, keep_id=keep, drop_id=drop, now=viewer.now
        )
    except Refused as exc:
        reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        return await _duplicates_page(viewer, status=status_for(reason), message=message)
    return RedirectResponse("/console/people/duplicates?done=merged", status_code=303)


@router.post("/people/{person_id}/not-duplicate", dependencies=[CsrfDep])
async def not_duplicate(person_id: int, viewer: ViewerDep) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    await merging.clear_flag(
        viewer.state.core, actor_id=organizer.id, person_id=person_id, now=viewer.now
    )
    return RedirectResponse("/console/people/duplicates?done=cleared", status_code=303)
