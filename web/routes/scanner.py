"""The door scanner for volunteers: scan staff's personal QR codes into an event (the
camera decodes in the browser: the native BarcodeDetector where there is one, else ZXing
compiled to WebAssembly, served by us; a photo decoded here with zxing-cpp without
JavaScript), name search, walk-ins, undo of the last check-in (named and confirmed), and
handing out rewards.

The page works without JavaScript (forms). With it, a service worker keeps the page, its
assets and the event's roster snapshot on the phone; scans and name-search check-ins queue
in IndexedDB while offline and sync with idempotency keys, so a dropped network, a reload
or a closed tab never loses or doubles a check-in."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from campaigns import catalog, checkin, door, joining, people, qr, review, rewards
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Channel, EventView, PersonView, Role
from web.deps import CsrfDep, Viewer, ViewerDep, csrf_cookie_of, same_origin
from web.errors import WHAT_WAS_SENT, WebReason, WebRefused, status_for, words_for
from web.middleware import CSP
from web.routes.common import MAX_INT, join_key, parse_int, unit_options
from web.routes.console.common import VolunteerDep, live_hub, require_volunteer
from web.security import new_random_token

router = APIRouter(prefix="/scanner", tags=["scanner"], dependencies=[Depends(require_volunteer)])
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# The scanner page alone may compile WebAssembly (its QR decoder); nothing else changes.
SCANNER_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'")


def scan_key(value: str | None) -> str | None:
    return f"scan:{value}" if value and _KEY.match(value) else None


async def _open_events(viewer: Viewer) -> list[EventView]:
    now = viewer.now
    events = await catalog.list_events(viewer.state.core)
    soon = [
        e
        for e in events
        if e.checkin_opens_at - timedelta(hours=12)
        <= now
        <= e.checkin_closes_at + timedelta(hours=1)
    ]
    return sorted(soon, key=lambda e: e.starts_at)


@router.get("", response_class=HTMLResponse)
async def choose(viewer: ViewerDep) -> Response:
    return viewer.render("console/scanner_events.html", events=await _open_events(viewer))


async def _outcome(viewer: Viewer, call: Any, token: str) -> dict[str, Any]:
    """Run a check-in and describe it for the volunteer: status, name, unit, message."""
    core, lang = viewer.state.core, viewer.lang
    _ = lang.gettext
    person: PersonView | None = None
    fact_id = None
    try:
        recorded = await call
        person = await people.get_person(core, recorded.fact.person_id or 0)
        status, title, message = "ok", _("Checked in"), ""
        fact_id = recorded.fact.id
    except Refused as exc:
        reason, message = words_for(exc, lang.gettext, lang.tz)
        status = "already" if exc.reason is Reason.ALREADY_CHECKED_IN else "refused"
        title = _("Already checked in") if status == "already" else _("Not checked in")
        if token:
            try:
                person = await people.find_by_token(core, token)
            except Refused:
                person = None
    return {
        "status": status,
        "title": title,
        "message": message,
        "name": person.display_name if person else "",
        "unit": person.unit_name(lang.code) if person else "",
        "fact": fact_id,
    }


def _scan(viewer: Viewer, code: str, token: str, key: str | None, volunteer: PersonView) -> Any:
    return checkin.check_in_by_token(
        viewer.state.core,
        code=code,
        token=token,
        volunteer_id=volunteer.id,
        now=viewer.now,
        channel=Channel.SCANNER,
        idempotency_key=key,
    )


async def _page(
    viewer: Viewer,
    code: str,
    *,
    result: dict[str, Any] | None = None,
    q: str = "",
    unit_q: str = "",
    name: str = "",
    unit_id: int | None = None,
    status: int | None = None,
) -> Response:
    core = viewer.state.core
    event = await catalog.get_event(core, code=code)
    found = [p for p in await people.search_people(core, query=q, limit=20) if not p.deleted]
    units = await unit_options(core, viewer.lang.code, unit_q or None)
    volunteer = viewer.require(Role.VOLUNTEER)
    last = await door.last_checkin(core, code=code, volunteer_id=volunteer.id, now=viewer.now)
    if status is None:
        status = 422 if result is not None and result["status"] == "refused" else 200
    response = viewer.render(
        "scanner.html",
        status_code=status,
        event=event,
        result=result,
        q=q,
        found=found,
        units=units,
        unit_q=unit_q,
        name=name[:40],
        unit_id=unit_id,
        idem=new_random_token(),
        last=last,
    )
    response.headers["Content-Security-Policy"] = SCANNER_CSP
    return response


@router.get("/redeem", response_class=HTMLResponse)
async def redeem_page(viewer: ViewerDep) -> Response:
    items = await rewards.list_rewards(viewer.state.core, active_only=True)
    return viewer.render(
        "console/redeem.html", items=items, result=None, idem=new_random_token(), reward_id=None
    )


@router.post("/redeem", response_class=HTMLResponse, dependencies=[CsrfDep])
async def redeem(
    *,
    viewer: ViewerDep,
    volunteer: VolunteerDep,
    reward_id: Annotated[str, Form()] = "",
    token: Annotated[str, Form(max_length=200)] = "",
    idem: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    core, _ = viewer.state.core, viewer.lang.gettext
    token = await _token_from(token, photo)
    result: dict[str, Any]
    try:
        done = await rewards.redeem(
            core,
            reward_id=parse_int(reward_id) or 0,
            token=token,
            volunteer_id=volunteer.id,
            now=viewer.now,
            idempotency_key=f"redeem:{idem}" if _KEY.match(idem) else None,
        )
        result = {
            "status": "ok",
            "title": _("Reward handed over"),
            "name": done.person.display_name,
            "unit": done.person.unit_name(viewer.lang.code),
            "message": _("{reward}: {price} points taken; {balance} points left.").format(
                reward=done.reward.name(viewer.lang.code),
                price=done.reward.price,
                balance=done.balance,
            ),
        }
        status = 200
    except Refused as exc:
        reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        result = {
            "status": "refused",
            "title": _("Not handed over"),
            "name": "",
            "unit": "",
            "message": message,
        }
        status = status_for(reason)
    items = await rewards.list_rewards(core, active_only=True)
    return viewer.render(
        "console/redeem.html",
        status_code=status,
        items=items,
        result=result,
        idem=new_random_token(),
        reward_id=parse_int(reward_id),
    )


async def _token_from(token: str, photo: UploadFile | None) -> str:
    if photo is not None and photo.filename:
        data = await photo.read(10 * 1024 * 1024)
        decoded = qr.first(data, max_side=1600) if data else None
        if decoded is None:
            raise (
                WebRefused(WebReason.PHOTO_NOT_IMAGE) if not data else Refused(Reason.UNKNOWN_TOKEN)
            )
        return decoded
    return token.strip()


@router.get("/{code}", response_class=HTMLResponse)
async def scanner(
    code: str, viewer: ViewerDep, q: str = "", unit_q: str = "", name: str = "", unit_id: str = ""
) -> Response:
    return await _page(
        viewer,
        code,
        q=q.strip()[:40],
        unit_q=unit_q.strip()[:40],
        name=name,
        unit_id=parse_int(unit_id),
    )


@router.post("/{code}", response_class=HTMLResponse, dependencies=[CsrfDep])
async def scan_form(
    *,
    code: str,
    request: Request,
    viewer: ViewerDep,
    volunteer: VolunteerDep,
    token: Annotated[str, Form(max_length=200)] = "",
    idem: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A typed or keyboard-wedge token, or a photo of the person's QR decoded here."""
    try:
        token = await _token_from(token, photo)
    except (Refused, WebRefused) as exc:
        _reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        result = {
            "status": "refused",
            "title": viewer.lang.gettext("No QR code found"),
            "message": message,
            "name": "",
            "unit": "",
        }
        return await _page(viewer, code, result=result)
    result = await _outcome(viewer, _scan(viewer, code, token, scan_key(idem), volunteer), token)
    live_hub(request).poke()
    return await _page(viewer, code, result=result)


@router.get("/{code}/roster.json")
async def roster_json(code: str, viewer: ViewerDep, volunteer: VolunteerDep) -> Response:
    """The snapshot the scanner keeps on the phone (the service worker caches it): the
    event, and everyone's name, unit and token digest (never a token), and who is in."""
    core = viewer.state.core
    snap = await door.roster(core, code=code, volunteer_id=volunteer.id, now=viewer.now)
    lang, event = viewer.lang.code, snap.event
    body = {
        "event": {
            "code": event.code,
            "title": event.title(lang),
            "checked_in": event.checked_in,
            "capacity": event.capacity,
        },
        "at": snap.at.isoformat(),
        "people": [[p.id, p.name, p.unit(lang), p.digest, int(p.checked_in)] for p in snap.people],
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise WebRefused(WebReason.INVALID_FORM, fields=WHAT_WAS_SENT)
    return body


@router.post("/{code}/scan.json")
async def scan_json(
    code: str, request: Request, viewer: ViewerDep, volunteer: VolunteerDep
) -> Response:
    """The scanner script's sync: {token | person_id, key} → {status, title, name, unit,
    message, fact, count}. The key makes a resent scan (a queue replayed after a lost
    answer, a reload or a second tab) return its first answer and store nothing more."""
    if not same_origin(request, viewer.state.settings) or not viewer.state.signer.csrf_ok(
        csrf_cookie_of(request), request.headers.get("x-csrf-token")
    ):
        raise WebRefused(WebReason.CSRF_FAILED)
    body = await _json_body(request)
    token, key = str(body.get("token", ""))[:200].strip(), str(body.get("key", ""))[:64]
    person_id = body.get("person_id")
    if isinstance(person_id, int) and not isinstance(person_id, bool) and 1 <= person_id <= MAX_INT:
        person = await people.get_person(viewer.state.core, person_id)
        token = "" if person.deleted else person.qr_token
    call = _scan(viewer, code, token, scan_key(key), volunteer)
    result = await _outcome(viewer, call, token)
    live_hub(request).poke()
    event = await catalog.get_event(viewer.state.core, code=code)
    return JSONResponse({**result, "key": key, "count": event.checked_in})


@router.post("/{code}/person/{person_id}", response_class=HTMLResponse, dependencies=[CsrfDep])
async def by_name(
    *,
    code: str,
    person_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    request: Request,
    viewer: ViewerDep,
    volunteer: VolunteerDep,
    idem: Annotated[str, Form()] = "",
) -> Response:
    """The name-search fallback: the person found is checked in as if their QR was scanned."""
    person = await people.get_person(viewer.state.core, person_id)
    token = "" if person.deleted else person.qr_token
    result = await _outcome(viewer, _scan(viewer, code, token, scan_key(idem), volunteer), token)
    live_hub(request).poke()
    return await _page(viewer, code, result=result)


@router.post("/{code}/walkin", response_class=HTMLResponse, dependencies=[CsrfDep])
async def walk_in(
    *,
    code: str,
    request: Request,
    viewer: ViewerDep,
    volunteer: VolunteerDep,
    name: Annotated[str, Form(max_length=200)] = "",
    unit_id: Annotated[str, Form()] = "",
    verifier: Annotated[str, Form(max_length=64)] = "",
    idem: Annotated[str, Form()] = "",
) -> Response:
    """Someone without a phone, by name and unit: the roster first (a staff number tells
    namesakes apart), then the people registered, else a new person; then checked in."""
    core = viewer.state.core
    await catalog.get_event(core, code=code)  # an unknown event refuses before anyone is made
    try:
        person = (
            await joining.walk_in(
                core,
                volunteer_id=volunteer.id,
                name=name,
                unit_id=parse_int(unit_id),
                now=viewer.now,
                verifier=verifier or None,
                idempotency_key=join_key(scan_key(idem)),
            )
        ).person
    except Refused as exc:
        _reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        result = {
            "status": "refused",
            "title": viewer.lang.gettext("Not registered"),
            "message": message,
            "name": name,
            "unit": "",
        }
        return await _page(viewer, code, result=result, name=name, unit_id=parse_int(unit_id))
    token = person.qr_token
    result = await _outcome(viewer, _scan(viewer, code, token, scan_key(idem), volunteer), token)
    live_hub(request).poke()
    return await _page(viewer, code, result=result)


@router.get("/{code}/undo", response_class=HTMLResponse)
async def undo_page(code: str, viewer: ViewerDep, volunteer: VolunteerDep) -> Response:
    """Undo asks first, naming the person it would undo (no JavaScript needed)."""
    core = viewer.state.core
    event = await catalog.get_event(core, code=code)
    last = await door.last_checkin(core, code=code, volunteer_id=volunteer.id, now=viewer.now)
    return viewer.render("scanner_undo.html", event=event, last=last)


@router.post("/{code}/undo", response_class=HTMLResponse, dependencies=[CsrfDep])
async def undo(
    code: str,
    request: Request,
    viewer: ViewerDep,
    volunteer: VolunteerDep,
    fact: Annotated[str, Form()] = "",
) -> Response:
    """Void the check-in the volunteer confirmed (the form names its fact): if another
    check-in came since, nothing is undone and the page says so."""
    core, _ = viewer.state.core, viewer.lang.gettext
    try:
        fact_id = parse_int(fact)
        if fact_id is None:
            raise Refused(Reason.UNKNOWN_FACT)
        voided = await review.undo_last_checkin(
            core, volunteer_id=volunteer.id, code=code, now=viewer.now, fact_id=fact_id
        )
        person = await people.get_person(core, voided.person_id or 0)
        result = {
            "status": "undone",
            "title": _("Check-in undone"),
            "message": "",
            "name": person.display_name,
            "unit": person.unit_name(viewer.lang.code),
        }
    except Refused as exc:
        message = (
            _("There is no recent check-in of yours to undo.")
            if exc.reason is Reason.UNKNOWN_FACT
            else words_for(exc, _, viewer.lang.tz)[1]
        )
        result = {
            "status": "refused",
            "title": _("Nothing undone"),
            "message": message,
            "name": "",
            "unit": "",
        }
    live_hub(request).poke()
    return await _page(viewer, code, result=result, status=200)
