"""The door scanner for volunteers: scan staff's personal QR codes into an event (camera in
the browser where BarcodeDetector exists, else a photo decoded here with zxing-cpp), name
search, walk-ins, undo of the last check-in, and handing out rewards.

The page works without JavaScript (forms); with it, scans queue in the browser and sync
with idempotency keys, so a dropped network never loses or doubles a check-in."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from campaigns import catalog, checkin, people, review, rewards
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Channel, EventView, PersonView
from web.deps import CsrfDep, Viewer, ViewerDep, csrf_cookie_of, same_origin
from web.errors import WebReason, WebRefused, status_for, words_for
from web.routes.common import MAX_INT, join_key, parse_int, unit_options
from web.routes.console.common import VolunteerDep, live_hub, require_volunteer
from web.security import new_random_token

router = APIRouter(prefix="/scanner", tags=["scanner"], dependencies=[Depends(require_volunteer)])
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_PIXELS = 40_000_000


def scan_key(value: str | None) -> str | None:
    return f"scan:{value}" if value and _KEY.match(value) else None


def decode_qr(data: bytes) -> str | None:
    """The text of the first QR code in a photo, or None (zxing-cpp, server side)."""
    import zxingcpp  # noqa: PLC0415
    from PIL import Image, ImageOps, UnidentifiedImageError  # noqa: PLC0415

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            return None
        image = ImageOps.exif_transpose(image).convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    image.thumbnail((1600, 1600))
    for found in zxingcpp.read_barcodes(image):
        if found.text:
            return str(found.text).strip()
    return None


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
    try:
        recorded = await call
        person = await people.get_person(core, recorded.fact.person_id or 0)
        status, title, message = "ok", _("Checked in"), ""
    except Refused as exc:
        reason, message = words_for(exc, lang.gettext)
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
) -> Response:
    core = viewer.state.core
    event = await catalog.get_event(core, code=code)
    found = [p for p in await people.search_people(core, query=q, limit=20) if not p.deleted]
    units = await unit_options(core, viewer.lang.code, unit_q or None)
    status = 200
    if result is not None and result["status"] == "refused":
        status = 422
    return viewer.render(
        "console/scanner.html",
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
    )


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
        reason, message = words_for(exc, viewer.lang.gettext)
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
        decoded = decode_qr(data) if data else None
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
    return await _page(viewer, code, q=q.strip()[:40], unit_q=unit_q.strip()[:40], name=name,
                       unit_id=parse_int(unit_id))  # fmt: skip


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
        _reason, message = words_for(exc, viewer.lang.gettext)
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


@router.post("/{code}/scan.json")
async def scan_json(
    code: str, request: Request, viewer: ViewerDep, volunteer: VolunteerDep
) -> Response:
    """The scanner script's sync: {token, key} → {status, title, name, unit, message}.
    The key makes a resent scan return its first answer."""
    if not same_origin(request, viewer.state.settings) or not viewer.state.signer.csrf_ok(
        csrf_cookie_of(request), request.headers.get("x-csrf-token")
    ):
        raise WebRefused(WebReason.CSRF_FAILED)
    try:
        body = await request.json()
        token, key = str(body.get("token", ""))[:200].strip(), str(body.get("key", ""))
    except (ValueError, AttributeError):
        return JSONResponse({"status": "refused", "reason": "invalid_input"}, status_code=422)
    result = await _outcome(viewer, _scan(viewer, code, token, scan_key(key), volunteer), token)
    live_hub(request).poke()
    return JSONResponse({**result, "key": key})


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
    idem: Annotated[str, Form()] = "",
) -> Response:
    """Someone without a phone: registered on the spot, then checked in."""
    core = viewer.state.core
    await catalog.get_event(core, code=code)  # an unknown event refuses before anyone is made
    try:
        person = await people.register_person(
            core, name=name, unit_id=parse_int(unit_id), language=viewer.lang.code,
            now=viewer.now, idempotency_key=join_key(scan_key(idem)),
        )  # fmt: skip
    except Refused as exc:
        _reason, message = words_for(exc, viewer.lang.gettext)
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


@router.post("/{code}/undo", response_class=HTMLResponse, dependencies=[CsrfDep])
async def undo(code: str, request: Request, viewer: ViewerDep, volunteer: VolunteerDep) -> Response:
    core, _ = viewer.state.core, viewer.lang.gettext
    try:
        fact = await review.undo_last_checkin(
            core, volunteer_id=volunteer.id, code=code, now=viewer.now
        )
        person = await people.get_person(core, fact.person_id or 0)
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
            else words_for(exc, _)[1]
        )
        result = {
            "status": "refused",
            "title": _("Nothing undone"),
            "message": message,
            "name": "",
            "unit": "",
        }
    live_hub(request).poke()
    return await _page(viewer, code, result=result)
