"""Event check-in at /e/<code>: one tap for a known phone, name and unit once for a new one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import catalog, checkin, joining, personal
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Channel, EventView, PersonView
from web.deps import (
    CsrfDep,
    Viewer,
    ViewerDep,
    checked_form,
    csrf_cookie_of,
    forget_cookie,
    form_text,
    light_viewer,
    safe_next,
    state_of,
)
from web.errors import status_for, words_for
from web.routes.common import (
    UnitChoice,
    answer,
    idempotency_key,
    parse_int,
    unit_options,
    verify_step,
)
from web.security import SESSION_COOKIE, AuthMethod, Session, new_random_token

router = APIRouter(tags=["pages"])


def _scan_pass(viewer: Viewer, event: EventView, token: str | None, carried: str | None) -> str:
    """For a rotating code: a pass proving a fresh scan, or the refusal "scan again".

    The screen's token lives 30-60 s; a new phone needs longer to type a name and pick a
    unit, so a valid scan earns a signed 10-minute pass that the form carries to the post.
    """
    if not event.rotating:
        return ""
    signer, browser = viewer.state.signer, csrf_cookie_of(viewer.request)
    if signer.scan_pass_ok(carried, event.code, browser):
        return carried or ""
    if checkin.scan_is_fresh(viewer.state.core, code=event.code, token=token, now=viewer.now):
        return signer.dump_scan_pass(event.code, browser)
    raise Refused(Reason.CODE_EXPIRED)


async def _page(
    viewer: Viewer,
    event: EventView,
    scan_pass: str,
    *,
    unit_q: str | None = None,
    error: Exception | None = None,
    name: str = "",
    unit_id: int | None = None,
) -> HTMLResponse:
    status, message, reason = 200, None, None
    if error is not None:
        reason, message = words_for(error, viewer.lang.gettext, viewer.lang.tz)
        status = status_for(reason)
    core, person = viewer.state.core, viewer.person
    came = await personal.arrival(
        core, event=event, person_id=person.id if person else None, now=viewer.now
    )
    if came.state is not personal.DoorState.OPEN and reason in _SHOWN_AS_STATE:
        # The state says it instead of an error; a repeat is a calm success, not a refusal.
        message, reason = None, None
        status = 200 if came.state is personal.DoorState.ALREADY else status
    wanted = _wants_units(viewer, came)
    verify = await verify_step(viewer, reason, name, unit_id) if wanted else None
    units = await unit_options(core, viewer.lang.code, unit_q) if wanted else UnitChoice([])
    return viewer.render(
        "checkin.html",
        status_code=status,
        event=event,
        arrival=came,
        state=str(came.state),
        scan_pass=scan_pass,
        units=units,
        unit_q=unit_q or "",
        idem=new_random_token(),
        reason=reason,
        message=message,
        name=name,
        unit_id=unit_id,
        verify=verify,
    )


# Refusals the page's arrival state already explains (a repeat, the window, the capacity):
# the page shows the state instead of an error above a form that is gone.
_SHOWN_AS_STATE = {
    Reason.ALREADY_CHECKED_IN,
    Reason.WINDOW_CLOSED,
    Reason.WINDOW_NOT_OPEN,
    Reason.OVER_CAPACITY,
}


def _wants_units(viewer: Viewer, came: personal.Arrival) -> bool:
    return viewer.person is None and came.state is personal.DoorState.OPEN


@router.get("/e/{code}", response_class=HTMLResponse)
async def checkin_page(
    code: str,
    viewer: ViewerDep,
    t: str | None = None,
    unit_q: str | None = None,
    scan: str | None = None,
) -> Response:
    event = await catalog.get_event(viewer.state.core, code=code)
    scan_pass = _scan_pass(viewer, event, t, scan)
    return await _page(viewer, event, scan_pass, unit_q=unit_q)


async def checkin_submit(request: Request) -> Response:
    """The hot path: the signed cookie names the person, the core checks everything else;
    the person and the event are read only to explain a refusal. Fields: idem, scan, and
    for a new phone name and unit_id (the core refuses a missing or over-long name).

    A plain Starlette route, not a FastAPI one: FastAPI's dependency and parameter
    machinery cost more than the check-in itself (bench/checkin_http.py)."""
    code: str = request.path_params["code"]
    state = state_of(request)
    form = await checked_form(request, state)
    viewer = light_viewer(request, state)
    idem, scan = form_text(form, "idem"), form_text(form, "scan")
    name, unit_id = form_text(form, "name"), form_text(form, "unit_id")
    core, now = viewer.state.core, viewer.now
    person_id = viewer.session.person_id if viewer.session else None
    registered, flagged = None, False
    try:
        if person_id is None:
            key = idempotency_key(idem)
            joined = await joining.join(
                core,
                name=name.strip(),
                unit_id=parse_int(unit_id),
                language=viewer.lang.code,
                now=now,
                idempotency_key=f"join:{key}" if key else None,
                verifier=form_text(form, "verifier") or None,
            )
            registered, flagged = joined.person, joined.flagged
            person_id = registered.id
        recorded = await checkin.check_in(
            core,
            code=code,
            person_id=person_id,
            now=now,
            channel=Channel.WEB,
            idempotency_key=idempotency_key(idem),
            fresh_scan=_pass_ok(viewer, scan, code.strip().lower()),
        )
    except Refused as exc:
        return await _refused(viewer, code, scan, exc, registered, name, parse_int(unit_id))
    response = answer(viewer, recorded, flagged=flagged)
    if registered is not None or person_id != recorded.fact.person_id:
        # A resubmitted registration returns the first answer: keep the first person.
        viewer.sign_in(response, Session(recorded.fact.person_id or person_id, AuthMethod.DEVICE))
    return response


def _pass_ok(viewer: Viewer, scan: str | None, code: str) -> bool:
    return viewer.state.signer.scan_pass_ok(scan, code, csrf_cookie_of(viewer.request))


async def _refused(
    viewer: Viewer,
    code: str,
    scan: str,
    exc: Refused,
    registered: PersonView | None,
    name: str,
    unit_id: int | None,
) -> Response:
    had_session = viewer.session is not None
    await viewer.hydrate()
    event = await catalog.get_event(viewer.state.core, code=code)
    scan_pass = scan if _pass_ok(viewer, scan, event.code) else ""
    if registered is not None:
        viewer.person = registered  # registered, but the check-in was refused: remember them
        response = await _page(viewer, event, scan_pass, error=exc)
        viewer.sign_in(response, Session(registered.id, AuthMethod.DEVICE))
        return response
    response = await _page(viewer, event, scan_pass, error=exc, name=name, unit_id=unit_id)
    if had_session and viewer.session is None:
        forget_cookie(viewer.state, response, SESSION_COOKIE)  # the account is gone
    return response


@router.post("/forget", dependencies=[CsrfDep])
async def not_me(viewer: ViewerDep, next: Annotated[str, Form()] = "/") -> Response:
    """ "Not you?": this phone forgets who it belonged to."""
    response = RedirectResponse(safe_next(next), status_code=303)
    forget_cookie(viewer.state, response, SESSION_COOKIE)
    return response
