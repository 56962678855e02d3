"""Logging forms: green trip, clean plate, service hours, booth headcount, canteen checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import actions, catalog
from campaigns.actions import CanteenCheckView
from campaigns.errors import Refused
from campaigns.labels import MEAL_LABELS, MODE_LABELS
from campaigns.results import Channel, PersonView, Recorded, Role
from web.deps import CsrfDep, Viewer, ViewerDep
from web.errors import WebReason, WebRefused, status_for, words_for
from web.evidence import MAX_PHOTO_MB
from web.routes.common import (
    MAX_INT,
    answer,
    idempotency_key,
    parse_int,
    parse_number,
    with_photo,
)
from web.security import new_random_token

router = APIRouter(prefix="/log", tags=["pages"])


PhotoField = Annotated[UploadFile | None, File()]


def _day(viewer: Viewer, value: str) -> date:
    if not value:
        return viewer.state.core.today(viewer.now)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise WebRefused(WebReason.INVALID_FORM, fields=viewer.lang.gettext("Date")) from None


def _number(viewer: Viewer, value: str, label: str) -> float:
    number = parse_number(value)
    if number is None or abs(number) > MAX_INT:
        raise WebRefused(WebReason.INVALID_FORM, fields=viewer.lang.gettext(label))
    return number


def _whole(number: float) -> int | float:
    """A count as the core takes it: whole numbers as int, anything else left to refuse."""
    return int(number) if number.is_integer() else number


def _form(viewer: Viewer, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    core = viewer.state.core
    defaults = {
        "idem": new_random_token(),
        "today": core.today(viewer.now).isoformat(),
        "modes": [(m, MODE_LABELS.get(m, m)) for m in core.rules.modes],
        "meals": [(m, MEAL_LABELS.get(m, m)) for m in core.rules.meals],
        "max_photo_mb": MAX_PHOTO_MB,
        "values": {},
        "message": None,
    }
    return viewer.render(f"log_{name}.html", status_code=status_code, **{**defaults, **context})


def _refused_form(
    viewer: Viewer, name: str, exc: Exception, values: dict[str, Any], **context: Any
) -> HTMLResponse:
    """The form again, with what was typed and the refusal in words."""
    reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
    return _form(viewer, name, status_for(reason), values=values, message=message, **context)


async def _submit(
    viewer: Viewer,
    name: str,
    values: dict[str, Any],
    photo: UploadFile | None,
    act: Callable[[str | None], Awaitable[Recorded | CanteenCheckView]],
    **context: Any,
) -> Response:
    """Clean the photo, run the one service call, answer; a refusal re-renders the form."""
    day = viewer.state.core.today(viewer.now)
    try:
        result = await with_photo(viewer.state, photo, day=day, act=act)
    except (Refused, WebRefused) as exc:
        return _refused_form(viewer, name, exc, values, **context)
    if isinstance(result, Recorded):
        return answer(viewer, result)
    summary = {"k": "canteen", "d": result.checked_on.isoformat(), "rep": result.repeated}
    return RedirectResponse(f"/done?r={viewer.state.signer.dump_result(summary)}", 303)


@router.get("", response_class=HTMLResponse)
async def menu(viewer: ViewerDep) -> Response:
    viewer.require_person()
    return viewer.render("log_menu.html")


@router.get("/trip", response_class=HTMLResponse)
async def trip_form(viewer: ViewerDep) -> Response:
    viewer.require_person()
    return _form(viewer, "trip")


@router.post("/trip", response_class=HTMLResponse, dependencies=[CsrfDep])
async def trip(
    viewer: ViewerDep,
    mode: Annotated[str, Form()] = "",
    km: Annotated[str, Form()] = "",
    day: Annotated[str, Form()] = "",
    idem: Annotated[str, Form()] = "",
    photo: PhotoField = None,
) -> Response:
    person = viewer.require_person()
    values = {"mode": mode, "km": km, "day": day}

    async def act(evidence: str | None) -> Recorded:
        return await actions.log_trip(
            viewer.state.core,
            person_id=person.id,
            mode=mode,
            km=_number(viewer, km, "Distance"),
            day=_day(viewer, day),
            now=viewer.now,
            channel=Channel.WEB,
            idempotency_key=idempotency_key(idem),
            evidence_path=evidence,
        )

    return await _submit(viewer, "trip", values, photo, act)


@router.get("/plate", response_class=HTMLResponse)
async def plate_form(viewer: ViewerDep) -> Response:
    viewer.require_person()
    return _form(viewer, "plate")


@router.post("/plate", response_class=HTMLResponse, dependencies=[CsrfDep])
async def plate(
    viewer: ViewerDep,
    meal: Annotated[str, Form()] = "",
    day: Annotated[str, Form()] = "",
    idem: Annotated[str, Form()] = "",
    photo: PhotoField = None,
) -> Response:
    person = viewer.require_person()

    async def act(evidence: str | None) -> Recorded:
        return await actions.log_plate(
            viewer.state.core,
            person_id=person.id,
            meal=meal,
            day=_day(viewer, day),
            now=viewer.now,
            channel=Channel.WEB,
            idempotency_key=idempotency_key(idem),
            evidence_path=evidence,
        )

    return await _submit(viewer, "plate", {"meal": meal, "day": day}, photo, act)


@router.get("/service", response_class=HTMLResponse)
async def service_form(viewer: ViewerDep) -> Response:
    viewer.require(Role.VOLUNTEER)
    return _form(viewer, "service")


@router.post("/service", response_class=HTMLResponse, dependencies=[CsrfDep])
async def service(
    viewer: ViewerDep,
    hours: Annotated[str, Form()] = "",
    day: Annotated[str, Form()] = "",
    idem: Annotated[str, Form()] = "",
    photo: PhotoField = None,
) -> Response:
    volunteer = viewer.require(Role.VOLUNTEER)

    async def act(evidence: str | None) -> Recorded:
        return await actions.log_service(
            viewer.state.core,
            volunteer_id=volunteer.id,
            hours=_number(viewer, hours, "Hours"),
            day=_day(viewer, day),
            now=viewer.now,
            channel=Channel.WEB,
            idempotency_key=idempotency_key(idem),
            evidence_path=evidence,
        )

    return await _submit(viewer, "service", {"hours": hours, "day": day}, photo, act)


@router.get("/headcount", response_class=HTMLResponse)
async def headcount_form(viewer: ViewerDep, code: str = "") -> Response:
    viewer.require(Role.VOLUNTEER)
    return _form(viewer, "headcount", values={"code": code})


@router.post("/headcount", response_class=HTMLResponse, dependencies=[CsrfDep])
async def headcount(
    viewer: ViewerDep,
    code: Annotated[str, Form()] = "",
    heads: Annotated[str, Form()] = "",
    idem: Annotated[str, Form()] = "",
    photo: PhotoField = None,
) -> Response:
    volunteer = viewer.require(Role.VOLUNTEER)

    async def act(evidence: str | None) -> Recorded:
        return await actions.log_headcount(
            viewer.state.core,
            volunteer_id=volunteer.id,
            code=code.strip(),
            heads=_whole(_number(viewer, heads, "People")),
            now=viewer.now,
            channel=Channel.WEB,
            idempotency_key=idempotency_key(idem),
            evidence_path=evidence,
        )

    return await _submit(viewer, "headcount", {"code": code, "heads": heads}, photo, act)


async def _canteens(viewer: Viewer, person: PersonView) -> list[tuple[int, str]]:
    """The canteens this person may check: any, for a volunteer (spot checks); their own
    unit's, for anyone else (a self-evaluation is for one's own canteen)."""
    units = await catalog.list_units(viewer.state.core)
    mine = None if _can_spot(viewer) else person.unit_id
    return [
        (u.id, u.name(viewer.lang.code))
        for u in units
        if u.has_canteen and (mine is None or u.id == mine)
    ]


def _can_spot(viewer: Viewer) -> bool:
    return viewer.person is not None and viewer.person.can(Role.VOLUNTEER) and viewer.strong


@router.get("/canteen", response_class=HTMLResponse)
async def canteen_form(viewer: ViewerDep) -> Response:
    person = viewer.require_person()
    canteens = await _canteens(viewer, person)
    return _form(
        viewer,
        "canteen",
        canteens=canteens,
        can_spot=_can_spot(viewer),
        values={"unit_id": person.unit_id},
    )


@router.post("/canteen", response_class=HTMLResponse, dependencies=[CsrfDep])
async def canteen(
    viewer: ViewerDep,
    unit_id: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "self",
    passed: Annotated[str, Form()] = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
    day: Annotated[str, Form()] = "",
    idem: Annotated[str, Form()] = "",
    photo: PhotoField = None,
) -> Response:
    person = viewer.require_person()
    values = {
        "unit_id": parse_int(unit_id),
        "kind": kind,
        "passed": passed,
        "notes": notes,
        "day": day,
    }
    context = {"canteens": await _canteens(viewer, person), "can_spot": _can_spot(viewer)}
    if kind == "spot" and not context["can_spot"]:
        refusal = WebRefused(WebReason.VOLUNTEER_REQUIRED)
        return _refused_form(viewer, "canteen", refusal, values, **context)

    async def act(evidence: str | None) -> CanteenCheckView:
        return await actions.log_canteen_check(
            viewer.state.core,
            person_id=person.id,
            unit_id=parse_int(unit_id) or 0,
            kind=kind,
            passed=passed == "yes",
            notes=notes.strip(),
            day=_day(viewer, day),
            now=viewer.now,
            channel=Channel.WEB,
            idempotency_key=idempotency_key(idem),
            evidence_path=evidence,
        )

    return await _submit(viewer, "canteen", values, photo, act, **context)
