"""JSON API /api/v1: every action the forms take, on the same service functions.

Callers authenticate with the session cookie (unsafe methods then carry `X-CSRF-Token`,
which GET /api/v1/session hands out) or, inside a Telegram Mini App, with
`Authorization: tma <initData>`, checked on every request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from campaigns import actions, catalog, checkin, people, totals
from campaigns.results import (
    CampaignView,
    Channel,
    EventView,
    PersonView,
    Recorded,
    Role,
    UnitView,
)
from web.deps import (
    StateDep,
    Viewer,
    ViewerDep,
    csrf_cookie_of,
    forget_cookie,
    same_origin,
)
from web.errors import REASON_STATUS, WebReason, WebRefused
from web.routes.account import check_rate, client_key, record_failure, telegram_user
from web.schemas import (
    CanteenCheck,
    CheckInFor,
    Headcount,
    HistoryOut,
    MeOut,
    PasswordSignIn,
    PersonPublic,
    Plate,
    Problem,
    ProgressOut,
    Registration,
    SelfCheckIn,
    ServiceHours,
    SessionOut,
    TelegramSignIn,
    TokenScan,
    Trip,
)
from web.security import SESSION_COOKIE, AuthMethod, Session

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem} for status in sorted(set(REASON_STATUS.values()))
}
router = APIRouter(prefix="/api/v1", tags=["api"], responses=_ERRORS)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class Caller:
    viewer: Viewer

    @property
    def person(self) -> PersonView:
        return self.viewer.require_person()

    def require(self, role: Role) -> PersonView:
        return self.viewer.require(role)


async def get_caller(request: Request, viewer: ViewerDep, state: StateDep) -> Caller:
    auth = request.headers.get("authorization", "")
    if auth[:4].lower() == "tma ":
        user = telegram_user(viewer, auth[4:].strip())
        person = await people.find_by_telegram(state.core, user.id)
        if person is None or person.deleted:
            raise WebRefused(WebReason.SIGN_IN_REQUIRED)
        viewer.person = person
        viewer.session = Session(person.id, AuthMethod.TELEGRAM, int(time.time()))
        return Caller(viewer)
    if request.method not in SAFE_METHODS and (
        not same_origin(request, state.settings)
        or not state.signer.csrf_ok(csrf_cookie_of(request), request.headers.get("x-csrf-token"))
    ):
        raise WebRefused(WebReason.CSRF_FAILED)
    return Caller(viewer)


CallerDep = Annotated[Caller, Depends(get_caller)]


def _now(caller: Caller) -> Any:
    return caller.viewer.now


def _key(value: str | None) -> str | None:
    return f"api:{value}" if value else None


# session -------------------------------------------------------------------------------


@router.get("/session", response_model=SessionOut)
async def session(caller: CallerDep) -> SessionOut:
    """Who this caller is, and the CSRF token for cookie-authenticated writes."""
    v = caller.viewer
    return SessionOut(
        person=v.person,
        role=v.person.role if v.person else None,
        strong=v.strong,
        csrf_token=v.csrf,
    )


def _session_response(caller: Caller, person: PersonView, method: str) -> Response:
    v = caller.viewer
    strong_at = None if method == AuthMethod.DEVICE else int(time.time())
    v.person, v.session = person, Session(person.id, method, strong_at)
    body = SessionOut(person=person, role=person.role, strong=v.strong, csrf_token=v.csrf)
    response = JSONResponse(body.model_dump(mode="json"))
    v.sign_in(response, v.session)
    return response


@router.post("/session/password", response_model=SessionOut)
async def password_signin(body: PasswordSignIn, caller: CallerDep, request: Request) -> Response:
    keys = ("login:" + body.login.strip().lower(), client_key(request))
    check_rate(caller.viewer, *keys)
    core = caller.viewer.state.core
    person = await people.verify_password(core, login=body.login.strip(), password=body.password)
    if person is None:
        record_failure(caller.viewer, *keys)
        raise WebRefused(WebReason.BAD_LOGIN)
    caller.viewer.state.login_limiter.reset(keys[0])
    return _session_response(caller, person, AuthMethod.PASSWORD)


@router.post("/session/telegram", response_model=SessionOut)
async def telegram_signin(body: TelegramSignIn, caller: CallerDep) -> Response:
    user = telegram_user(caller.viewer, body.init_data)
    person = await people.find_by_telegram(caller.viewer.state.core, user.id)
    if person is None or person.deleted:
        raise WebRefused(WebReason.SIGN_IN_REQUIRED)
    return _session_response(caller, person, AuthMethod.TELEGRAM)


@router.delete("/session", status_code=204)
async def signout(caller: CallerDep) -> Response:
    response = Response(status_code=204)
    forget_cookie(caller.viewer.state, response, SESSION_COOKIE)
    return response


@router.post("/people", response_model=SessionOut, status_code=201)
async def register(body: Registration, caller: CallerDep) -> Response:
    """A new phone: name and unit once; the answer carries the device session cookie."""
    v = caller.viewer
    person = await people.register_person(
        v.state.core, name=body.name.strip(), unit_id=body.unit_id, language=v.lang.code, now=v.now
    )
    response = _session_response(caller, person, AuthMethod.DEVICE)
    response.status_code = 201
    return response


# catalog -------------------------------------------------------------------------------


@router.get("/units", response_model=list[UnitView])
async def units(caller: CallerDep, query: str = "") -> list[UnitView]:
    core = caller.viewer.state.core
    if query.strip():
        return await catalog.search_units(core, query=query.strip(), limit=30)
    return await catalog.list_units(core)


@router.get("/events/{code}", response_model=EventView)
async def event(code: str, caller: CallerDep) -> EventView:
    return await catalog.get_event(caller.viewer.state.core, code=code)


@router.get("/campaigns", response_model=list[CampaignView])
async def campaigns(caller: CallerDep, year: int | None = None) -> list[CampaignView]:
    return await catalog.list_campaigns(caller.viewer.state.core, year=year)


@router.get("/progress", response_model=ProgressOut)
async def progress(caller: CallerDep, year: int | None = None) -> ProgressOut:
    v = caller.viewer
    found = await totals.progress(v.state.core, year=year or v.state.core.today(v.now).year)
    return ProgressOut(progress=found, percent=found.percent)


# check-in ------------------------------------------------------------------------------


@router.post("/events/{code}/checkins", response_model=Recorded, status_code=201)
async def self_checkin(code: str, body: SelfCheckIn, caller: CallerDep) -> Recorded:
    v = caller.viewer
    person = caller.person
    return await checkin.check_in(
        v.state.core, code=code, person_id=person.id, now=v.now, channel=Channel.API,
        idempotency_key=_key(body.idempotency_key), rotation_token=body.scan_token,
    )  # fmt: skip


@router.post("/events/{code}/scans", response_model=Recorded, status_code=201)
async def door_scan(code: str, body: TokenScan, caller: CallerDep) -> Recorded:
    """The door scanner: a volunteer checks in the person whose personal QR was scanned."""
    volunteer = caller.require(Role.VOLUNTEER)
    v = caller.viewer
    return await checkin.check_in_by_token(
        v.state.core, code=code, token=body.token, volunteer_id=volunteer.id, now=v.now,
        channel=Channel.SCANNER, idempotency_key=_key(body.idempotency_key),
    )  # fmt: skip


@router.post("/events/{code}/checkins/for", response_model=Recorded, status_code=201)
async def checkin_for(code: str, body: CheckInFor, caller: CallerDep) -> Recorded:
    """The name-search fallback at the door: a volunteer checks in a person found by name."""
    volunteer = caller.require(Role.VOLUNTEER)
    v = caller.viewer
    return await checkin.check_in(
        v.state.core, code=code, person_id=body.person_id, now=v.now, channel=Channel.SCANNER,
        idempotency_key=_key(body.idempotency_key), logged_by_id=volunteer.id,
    )  # fmt: skip


@router.get("/people", response_model=list[PersonPublic])
async def search_people(caller: CallerDep, query: str = "") -> list[PersonPublic]:
    caller.require(Role.VOLUNTEER)
    found = await people.search_people(caller.viewer.state.core, query=query.strip(), limit=20)
    return [
        PersonPublic(
            id=p.id,
            display_name=p.display_name,
            unit_name_zh=p.unit_name_zh,
            unit_name_en=p.unit_name_en,
        )  # fmt: skip
        for p in found
        if not p.deleted
    ]


# logging -------------------------------------------------------------------------------


@router.post("/trips", response_model=Recorded, status_code=201)
async def trip(body: Trip, caller: CallerDep) -> Recorded:
    v, person = caller.viewer, caller.person
    return await actions.log_trip(
        v.state.core, person_id=person.id, mode=body.mode, km=body.km,
        day=body.day or v.state.core.today(v.now), now=v.now, channel=Channel.API,
        idempotency_key=_key(body.idempotency_key),
    )  # fmt: skip


@router.post("/plates", response_model=Recorded, status_code=201)
async def plate(body: Plate, caller: CallerDep) -> Recorded:
    v, person = caller.viewer, caller.person
    return await actions.log_plate(
        v.state.core, person_id=person.id, meal=body.meal,
        day=body.day or v.state.core.today(v.now), now=v.now, channel=Channel.API,
        idempotency_key=_key(body.idempotency_key),
    )  # fmt: skip


@router.post("/service-hours", response_model=Recorded, status_code=201)
async def service(body: ServiceHours, caller: CallerDep) -> Recorded:
    volunteer = caller.require(Role.VOLUNTEER)
    v = caller.viewer
    return await actions.log_service(
        v.state.core, volunteer_id=volunteer.id, hours=body.hours,
        day=body.day or v.state.core.today(v.now), now=v.now, channel=Channel.API,
        idempotency_key=_key(body.idempotency_key),
    )  # fmt: skip


@router.post("/headcounts", response_model=Recorded, status_code=201)
async def headcount(body: Headcount, caller: CallerDep) -> Recorded:
    volunteer = caller.require(Role.VOLUNTEER)
    v = caller.viewer
    return await actions.log_headcount(
        v.state.core, volunteer_id=volunteer.id, code=body.code, heads=body.heads, now=v.now,
        channel=Channel.API, idempotency_key=_key(body.idempotency_key),
    )  # fmt: skip


@router.post("/canteen-checks", status_code=201)
async def canteen_check(body: CanteenCheck, caller: CallerDep) -> Any:
    person = caller.require(Role.VOLUNTEER) if body.kind == "spot" else caller.person
    v = caller.viewer
    return await actions.log_canteen_check(
        v.state.core, person_id=person.id, unit_id=body.unit_id, kind=body.kind,
        passed=body.passed, notes=body.notes, day=body.day or v.state.core.today(v.now),
        now=v.now, channel=Channel.API, idempotency_key=_key(body.idempotency_key),
    )  # fmt: skip


# me ------------------------------------------------------------------------------------


@router.get("/me", response_model=MeOut)
async def me(caller: CallerDep) -> MeOut:
    person = caller.person
    balance = await totals.balance(caller.viewer.state.core, person_id=person.id)
    return MeOut(person=person, balance=balance)


@router.get("/me/history", response_model=HistoryOut)
async def my_history(caller: CallerDep, limit: int = 50) -> HistoryOut:
    person = caller.person
    facts = await totals.history(
        caller.viewer.state.core, person_id=person.id, limit=max(1, min(limit, 500))
    )
    return HistoryOut(facts=facts)


@router.get("/me/export")
async def my_export(caller: CallerDep) -> Any:
    return await people.export_person(caller.viewer.state.core, person_id=caller.person.id)


@router.delete("/me", status_code=204)
async def delete_me(caller: CallerDep) -> Response:
    v = caller.viewer
    await people.delete_person(v.state.core, person_id=caller.person.id, now=v.now)
    response = Response(status_code=204)
    forget_cookie(v.state, response, SESSION_COOKIE)
    return response
