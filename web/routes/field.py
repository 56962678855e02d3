"""Energy patrol pages for volunteers: a room label's link opens what was found there
(checkboxes, a note, a photo: no JavaScript needed), and the answer lists tonight's rooms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import patrols
from campaigns.errors import Refused
from campaigns.field_rules import load_field_rules
from campaigns.labels import FINDING_LABELS
from campaigns.results import Channel, Role
from web.deps import CsrfDep, Viewer, ViewerDep
from web.errors import WebReason, WebRefused, status_for, words_for
from web.evidence import MAX_PHOTO_MB
from web.routes.common import idempotency_key, with_photo
from web.security import new_random_token

router = APIRouter(tags=["pages"])
PhotoField = Annotated[UploadFile | None, File()]


async def _room_page(
    viewer: Viewer, code: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    room, building = await patrols.find_room(viewer.state.core, code)
    defaults = {
        "idem": new_random_token(),
        "findings": [(k, FINDING_LABELS[k]) for k in load_field_rules().findings],
        "chosen": (),
        "note": "",
        "message": None,
        "max_photo_mb": MAX_PHOTO_MB,
    }
    return viewer.render(
        "field/room.html",
        status_code=status_code,
        room=room,
        building=building,
        **{**defaults, **context},
    )


@router.get("/r/{code}", response_class=HTMLResponse)
async def room_form(code: str, viewer: ViewerDep) -> Response:
    """A room's label: a volunteer records what was left on (others are asked to sign in)."""
    viewer.require(Role.VOLUNTEER)
    return await _room_page(viewer, code)


@router.post("/r/{code}", response_class=HTMLResponse, dependencies=[CsrfDep])
async def room_submit(
    code: str,
    viewer: ViewerDep,
    finding: Annotated[list[str] | None, Form()] = None,
    note: Annotated[str, Form()] = "",
    idem: Annotated[str, Form()] = "",
    all_off: Annotated[str, Form()] = "",
    photo: PhotoField = None,
) -> Response:
    volunteer = viewer.require(Role.VOLUNTEER)
    core = viewer.state.core
    chosen = [] if all_off else list(finding or [])

    async def act(evidence: str | None) -> patrols.VisitView:
        return await patrols.record_visit(
            core,
            volunteer_id=volunteer.id,
            room_code=code,
            findings=chosen,
            note=note,
            now=viewer.now,
            channel=Channel.WEB,
            evidence_path=evidence,
            idempotency_key=idempotency_key(idem),
        )

    try:
        day = patrols.patrol_day(core, viewer.now)  # the evening the visit belongs to
        visit = await with_photo(viewer.state, photo, day=day, act=act)
    except (Refused, WebRefused) as exc:
        reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        return await _room_page(
            viewer,
            code,
            status_code=status_for(reason),
            chosen=tuple(chosen),
            note=note,
            message=message,
        )
    summary = {
        "room": visit.room.name,
        "building": visit.building.name,
        "f": list(visit.findings),
        "done": list(visit.rooms_done),
        "n": visit.counted,
        "p": visit.points,
        "rep": visit.repeated,
        "u": visit.building.unit_id,
    }
    token = viewer.state.signer.dump_result(summary)
    return RedirectResponse(f"/patrol/done?r={token}", status_code=303)


@router.get("/patrol/done", response_class=HTMLResponse)
async def visit_done(viewer: ViewerDep, r: str = "") -> Response:
    result = viewer.state.signer.load_result(r)
    if result is None:
        raise WebRefused(WebReason.NOT_FOUND)
    return viewer.render("field/visit_done.html", result=result, labels=FINDING_LABELS)


@router.get("/patrol", response_class=HTMLResponse)
async def patrol_start(viewer: ViewerDep, code: str = "") -> Response:
    """Type a room label's code when the camera cannot read it."""
    viewer.require(Role.VOLUNTEER)
    if code.strip():
        return RedirectResponse(f"/r/{patrols.clean_room_code(code)}", status_code=303)
    return viewer.render("field/patrol_start.html")
