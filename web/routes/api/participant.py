"""JSON API /api/v1, part one: sessions, joining, the catalog and my own data. Every
action the forms take is here too, on the same service functions (door.py, log.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from campaigns import catalog, people, totals
from campaigns.errors import Refused
from campaigns.results import CampaignView, EventView, PersonView, UnitView
from web.deps import forget_cookie, set_cookie
from web.downloads import csv_download
from web.errors import WebReason, WebRefused
from web.routes.account import check_rate, client_key, record_failure, telegram_user
from web.routes.api.caller import API_ERRORS, Caller, CallerDep, api_key
from web.routes.common import discard_photos, join_key
from web.schemas import (
    HistoryOut,
    LanguageChoice,
    LinkSignIn,
    MeOut,
    PasswordSignIn,
    ProgressOut,
    Registration,
    SessionOut,
    TelegramRegistration,
    TelegramSignIn,
)
from web.security import LANG_COOKIE, SESSION_COOKIE, AuthMethod

router = APIRouter(prefix="/api/v1", tags=["api"], responses=API_ERRORS)
Year = Annotated[int | None, Query(ge=2000, le=2100)]


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


async def _session_response(
    caller: Caller, person: PersonView, method: str, status: int = 200
) -> Response:
    v = caller.viewer
    session = await v.start_session(person, method)  # a device, or a server-side session
    body = SessionOut(person=person, role=person.role, strong=v.strong, csrf_token=v.csrf)
    response = JSONResponse(body.model_dump(mode="json"), status_code=status)
    v.sign_in(response, session)
    return response


@router.post("/session/password", response_model=SessionOut)
async def password_signin(body: PasswordSignIn, caller: CallerDep, request: Request) -> Response:
    address = client_key(request)
    await check_rate(caller.viewer, address, body.login)
    core = caller.viewer.state.core
    person = await people.verify_password(core, login=body.login.strip(), password=body.password)
    if person is None:
        await record_failure(caller.viewer, address, body.login)
        raise WebRefused(WebReason.BAD_LOGIN)
    await caller.viewer.state.sign_in_guard.succeeded(address, body.login)
    return await _session_response(caller, person, AuthMethod.PASSWORD)


@router.post("/session/link", response_model=SessionOut)
async def link_signin(body: LinkSignIn, caller: CallerDep, request: Request) -> Response:
    """The bot's one-time sign-in link: its secret, spent here."""
    key = client_key(request)
    await check_rate(caller.viewer, key)
    try:
        core, now = caller.viewer.state.core, caller.now
        person = await people.redeem_login_token(core, token=body.token, now=now)
    except Refused:
        await record_failure(caller.viewer, key)
        raise
    return await _session_response(caller, person, AuthMethod.LINK)


@router.post("/session/telegram", response_model=SessionOut)
async def telegram_signin(body: TelegramSignIn, caller: CallerDep) -> Response:
    """Sign in with Mini App initData; an account that has not joined yet gets
    `telegram_not_registered` (401): POST /api/v1/people/telegram joins it."""
    user = telegram_user(caller.viewer, body.init_data)
    person = await people.find_by_telegram(caller.viewer.state.core, user.id)
    if person is None or person.deleted:
        raise WebRefused(WebReason.TELEGRAM_NOT_REGISTERED)
    return await _session_response(caller, person, AuthMethod.TELEGRAM)


@router.delete("/session", status_code=204)
async def signout(caller: CallerDep, everywhere: bool = False) -> Response:
    """Sign out: this session ends on the server (`everywhere`: every session of the person)."""
    response = Response(status_code=204)
    await caller.viewer.sign_out(response, everywhere=everywhere)
    return response


@router.post("/people", response_model=SessionOut, status_code=201)
async def register(body: Registration, caller: CallerDep) -> Response:
    """A new phone: name and unit once (and the roster's verifier when it asks); the
    answer carries the device session cookie. A device already someone's stays theirs
    unless the verifier names another roster person (device_bound otherwise). The same
    idempotency key again answers with the person the first call made."""
    v = caller.viewer
    person = await people.register_person(
        v.state.core,
        name=body.name.strip(),
        unit_id=body.unit_id,
        language=v.lang.code,
        now=v.now,
        idempotency_key=join_key(api_key(body.idempotency_key)),
        verifier=body.verifier,
        device_person_id=v.person.id if v.person else None,
    )
    return await _session_response(caller, person, AuthMethod.DEVICE, status=201)


@router.post("/people/telegram", response_model=SessionOut, status_code=201)
async def register_telegram(body: TelegramRegistration, caller: CallerDep) -> Response:
    """A Telegram user joins from the Mini App (initData in the body or as `tma` auth);
    one who already joined is simply signed in."""
    user = caller.telegram or telegram_user(caller.viewer, body.init_data or "")
    v = caller.viewer
    person = await people.register_person(
        v.state.core,
        name=(body.name or user.full_name).strip(),
        unit_id=body.unit_id,
        language=v.lang.code,
        telegram_id=user.id,
        now=v.now,
    )
    return await _session_response(caller, person, AuthMethod.TELEGRAM, status=201)


# catalog -------------------------------------------------------------------------------


@router.get("/units", response_model=list[UnitView])
async def units(caller: CallerDep, query: str = "") -> list[UnitView]:
    core = caller.viewer.state.core
    if query.strip():
        return await catalog.search_units(core, query=query.strip(), limit=30)
    return await catalog.list_units(core)


@router.get("/events/{code}", response_model=EventView)
async def event(code: str, caller: CallerDep) -> EventView:
    """An event with its live check-in count (the check-in page polls it)."""
    return await catalog.get_event(caller.viewer.state.core, code=code)


@router.get("/campaigns", response_model=list[CampaignView])
async def campaigns(caller: CallerDep, year: Year = None) -> list[CampaignView]:
    return await catalog.list_campaigns(caller.viewer.state.core, year=year)


@router.get("/progress", response_model=ProgressOut)
async def progress(caller: CallerDep, year: Year = None) -> ProgressOut:
    found = await totals.progress(caller.viewer.state.core, year=year or caller.today().year)
    return ProgressOut(progress=found, percent=found.percent)


# me ------------------------------------------------------------------------------------


@router.get("/me", response_model=MeOut)
async def me(caller: CallerDep) -> MeOut:
    person = caller.person
    balance = await totals.balance(caller.viewer.state.core, person_id=person.id)
    return MeOut(person=person, balance=balance)


@router.put("/me/language", response_model=PersonView)
async def set_language(body: LanguageChoice, caller: CallerDep, response: Response) -> PersonView:
    """The language of the web and the bot for me (and this browser)."""
    core = caller.viewer.state.core
    person = await people.set_language(core, person_id=caller.person.id, language=body.language)
    set_cookie(caller.viewer.state, response, LANG_COOKIE, body.language)
    return person


@router.get("/me/history", response_model=HistoryOut)
async def my_history(caller: CallerDep, limit: int = 50) -> HistoryOut:
    person = caller.person
    facts = await totals.history(
        caller.viewer.state.core, person_id=person.id, limit=max(1, min(limit, 500))
    )
    return HistoryOut(facts=facts)


@router.get("/me/export")
async def my_export(caller: CallerDep) -> Any:
    """Everything stored about me: facts, points, canteen checks."""
    return await people.export_person(caller.viewer.state.core, person_id=caller.person.id)


@router.get("/me/export.csv", response_class=Response)
async def my_export_csv(caller: CallerDep) -> Response:
    """My actions as CSV (facts, then canteen checks), UTF-8 with a BOM."""
    core = caller.viewer.state.core
    return csv_download(await people.export_person(core, person_id=caller.person.id))


@router.delete("/me", status_code=204)
async def delete_me(caller: CallerDep) -> Response:
    v = caller.viewer
    photos = await people.delete_person(v.state.core, person_id=caller.person.id, now=v.now)
    discard_photos(v.state, photos)
    response = Response(status_code=204)
    forget_cookie(v.state, response, SESSION_COOKIE)
    return response
