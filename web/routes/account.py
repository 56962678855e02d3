"""Sign-in: password (argon2, rate-limited), the bot's one-time link, the Telegram Mini App."""

from __future__ import annotations

import logging
import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import access, people
from campaigns.errors import Refused
from campaigns.results import PersonView, Role
from web.deps import CsrfDep, Viewer, ViewerDep, client_address, safe_next
from web.errors import WebReason, WebRefused, retry_headers, status_for, words_for
from web.routes.common import join_form, parse_int
from web.security import AuthMethod
from web.telegram_auth import InitDataRefused, TelegramUser, bot_id_of, check_init_data

router = APIRouter(tags=["pages"])
log = logging.getLogger(__name__)


def client_key(request: Request) -> str:
    """The address a sign-in comes from (a trusted proxy's X-Forwarded-For, via uvicorn)."""
    return client_address(request)


async def check_rate(viewer: Viewer, address: str, login: str | None = None) -> None:
    """Refuses TOO_MANY_ATTEMPTS, or LOGIN_LOCKED (the owner can still use a link)."""
    guard = viewer.state.sign_in_guard
    locked = await guard.blocked(address, login)
    if locked is None:
        return
    rule, seconds = locked
    reason = (
        WebReason.LOGIN_LOCKED
        if rule is viewer.state.limits.sign_in_login
        else WebReason.TOO_MANY_ATTEMPTS
    )
    raise WebRefused(reason, minutes=math.ceil(seconds / 60), retry_after=seconds)


async def record_failure(viewer: Viewer, address: str, login: str | None = None) -> None:
    """A failed sign-in: counted by the limiter, written to the audit log."""
    await viewer.state.sign_in_guard.failed(address, login)
    method = AuthMethod.PASSWORD if login is not None else AuthMethod.LINK
    await access.record_failed_sign_in(
        viewer.state.core, login=login, method=method, address=address, now=viewer.now
    )


async def _signed_in(viewer: Viewer, person: PersonView, method: str, next_url: str) -> Response:
    session = await viewer.start_session(person, method)
    response = RedirectResponse(safe_next(next_url, "/me"), status_code=303)
    viewer.sign_in(response, session)
    return response


def landing(person: PersonView, next_url: str) -> str:
    """Where a sign-in leads: an organizer or admin with no destination lands on the console."""
    return "/console" if next_url in ("", "/me") and person.can(Role.ORGANIZER) else next_url


@router.get("/signin", response_class=HTMLResponse)
async def signin_page(viewer: ViewerDep, next: str = "/me") -> Response:
    return viewer.render("signin.html", next=safe_next(next, "/me"), message=None, login="")


@router.post("/signin", response_class=HTMLResponse, dependencies=[CsrfDep])
async def signin(
    request: Request,
    viewer: ViewerDep,
    login: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form()] = "/me",
) -> Response:
    address = client_key(request)
    try:
        await check_rate(viewer, address, login)
        person = await people.verify_password(
            viewer.state.core, login=login.strip(), password=password
        )
        if person is None:
            await record_failure(viewer, address, login)
            raise WebRefused(WebReason.BAD_LOGIN)
    except WebRefused as exc:
        reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        page = viewer.render(
            "signin.html",
            status_code=status_for(reason),
            next=safe_next(next),
            message=message,
            login=login,
        )
        page.headers.update(retry_headers(exc))
        return page
    await viewer.state.sign_in_guard.succeeded(address, login)
    return await _signed_in(viewer, person, AuthMethod.PASSWORD, landing(person, next))


@router.get("/signin/link/{token}", response_class=HTMLResponse)
async def link_page(token: str, viewer: ViewerDep) -> Response:
    # A GET never spends the token: chat apps fetch links to build previews.
    return viewer.render("signin_link.html", token=token)


@router.post("/signin/link", response_class=HTMLResponse, dependencies=[CsrfDep])
async def link_signin(
    request: Request, viewer: ViewerDep, token: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    key = client_key(request)
    await check_rate(viewer, key)
    try:
        person = await people.redeem_login_token(viewer.state.core, token=token, now=viewer.now)
    except Refused:
        await record_failure(viewer, key)
        raise
    return await _signed_in(viewer, person, AuthMethod.LINK, landing(person, "/me"))


@router.post("/signout", dependencies=[CsrfDep])
async def signout(viewer: ViewerDep) -> Response:
    """Sign-out: this session ends on the server too (a copied cookie is refused after)."""
    response = RedirectResponse("/", status_code=303)
    await viewer.sign_out(response)
    return response


@router.post("/signout/everywhere", dependencies=[CsrfDep])
async def signout_everywhere(viewer: ViewerDep) -> Response:
    """Every session of this person ends, on every device (audited)."""
    viewer.require_person()
    response = RedirectResponse("/signin", status_code=303)
    await viewer.sign_out(response, everywhere=True)
    return response


# Telegram Mini App --------------------------------------------------------------------


def telegram_user(viewer: Viewer, init_data: str) -> TelegramUser:
    """The Telegram user a Mini App's initData names (the page, the API's body or its `tma`
    authorization): by the bot token's HMAC, or, on a server that holds no token but knows
    the bot's id (settings.telegram_bot_id), by Telegram's Ed25519 signature. Each refusal
    is logged with its reason: init_data_missing, init_data_forged, init_data_stale."""
    settings = viewer.state.settings
    token = viewer.state.bot_token
    bot_id = settings.telegram_bot_id or (bot_id_of(token) if token else None)
    try:
        return check_init_data(
            init_data,
            now=viewer.now.timestamp(),
            max_age=settings.init_data_max_age,
            bot_token=token,
            bot_id=bot_id,
        )
    except InitDataRefused as exc:
        log.warning("Mini App sign-in refused: %s (%s)", exc.reason.value, exc.why)
        raise WebRefused(exc.reason, minutes=max(1, settings.init_data_max_age // 60)) from None


@router.get("/tg", response_class=HTMLResponse)
async def mini_app(viewer: ViewerDep, next: str = "/me") -> Response:
    """The Mini App's start page: a script of ours posts Telegram's initData back to us."""
    return viewer.render("telegram.html", next=safe_next(next, "/me"))


# Telegram Web (web.telegram.org) shows a Mini App in a cross-site iframe. There our cookies
# are SameSite=Lax, so the browser neither sends nor stores them: a sign-in there could not
# last past its own answer, however it is proven. So the Mini App is for Telegram's phone
# and desktop apps (a top-level web view, where cookies work) and the pages are not to be
# framed by other sites (CSP frame-ancestors 'self', in web/middleware.py). /tg keeps the
# CSRF check: initData proves who the Telegram user is, not that this browser asked.
@router.post("/tg", response_class=HTMLResponse, dependencies=[CsrfDep])
async def mini_app_signin(
    viewer: ViewerDep,
    init_data: Annotated[str, Form(max_length=4096)] = "",
    next: Annotated[str, Form()] = "/me",
) -> Response:
    user = telegram_user(viewer, init_data)
    person = await people.find_by_telegram(viewer.state.core, user.id)
    if person is not None and not person.deleted:
        return await _signed_in(viewer, person, AuthMethod.TELEGRAM, next)
    telegram = viewer.state.signer.dump_telegram_join(user.id)
    return await _telegram_join_form(viewer, telegram=telegram, next=next, name=user.full_name)


@router.get("/tg/join", response_class=HTMLResponse)
async def mini_app_join_page(
    viewer: ViewerDep,
    telegram: str = "",
    next: str = "/me",
    name: str = "",
    unit_q: str = "",
    unit_id: str = "",
) -> Response:
    """The Telegram join form again, after a unit search."""
    if viewer.state.signer.load_telegram_join(telegram) is None:
        raise WebRefused(WebReason.BAD_INIT_DATA)
    return await _telegram_join_form(
        viewer, telegram=telegram, next=next, name=name, unit_q=unit_q, unit_id=unit_id
    )


async def _telegram_join_form(
    viewer: Viewer,
    *,
    telegram: str,
    next: str,
    name: str,
    unit_q: str = "",
    unit_id: str = "",
    error: Refused | None = None,
) -> HTMLResponse:
    return await join_form(
        viewer,
        next_url=safe_next(next, "/me"),
        unit_q=unit_q,
        name=name,
        unit_id=unit_id,
        error=error,
        telegram=telegram,
        action="/tg/join",
    )


@router.post("/tg/join", response_class=HTMLResponse, dependencies=[CsrfDep])
async def mini_app_join(
    viewer: ViewerDep,
    telegram: Annotated[str, Form()] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    unit_id: Annotated[str, Form()] = "",
    unit_q: Annotated[str, Form(max_length=200)] = "",
    verifier: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form()] = "/me",
) -> Response:
    telegram_id = viewer.state.signer.load_telegram_join(telegram)
    if telegram_id is None:
        raise WebRefused(WebReason.BAD_INIT_DATA)
    try:
        person = await people.register_person(
            viewer.state.core,
            name=name.strip(),
            unit_id=parse_int(unit_id),
            language=viewer.lang.code,
            telegram_id=telegram_id,
            now=viewer.now,
            verifier=verifier or None,
        )
    except Refused as exc:
        return await _telegram_join_form(
            viewer,
            telegram=telegram,
            next=next,
            name=name,
            unit_q=unit_q,
            unit_id=unit_id,
            error=exc,
        )
    return await _signed_in(viewer, person, AuthMethod.TELEGRAM, next)
