"""The answer page after any action, the start page, joining, and the language switch."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import catalog, people, totals
from campaigns.errors import Refused
from web.deps import CsrfDep, ViewerDep, safe_next, set_cookie
from web.errors import WebReason, WebRefused, status_for, words_for
from web.i18n import LANGUAGES
from web.routes.common import parse_int, unit_options
from web.security import LANG_COOKIE, AuthMethod, Session

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse)
async def home(viewer: ViewerDep) -> Response:
    year = viewer.state.core.today(viewer.now).year
    progress = await totals.progress(viewer.state.core, year=year)
    return viewer.render("home.html", progress=progress)


@router.get("/done", response_class=HTMLResponse)
async def done(viewer: ViewerDep, r: str = "") -> Response:
    result = viewer.state.signer.load_result(r)
    if result is None:
        raise WebRefused(WebReason.NOT_FOUND)
    core = viewer.state.core
    year = date.fromisoformat(result["d"]).year
    progress = await totals.progress(core, year=year)
    campaign = await catalog.get_campaign(core, result["cid"])
    event = await catalog.get_event(core, code=result["c"]) if result.get("c") else None
    return viewer.render(
        "done.html", result=result, progress=progress, campaign=campaign, event=event
    )


@router.get("/lang/{code}")
async def switch_language(code: str, viewer: ViewerDep, next: str = "/") -> Response:  # noqa: A002
    """Remember this phone's language; the me page also stores it on the person."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        set_cookie(viewer.state, response, LANG_COOKIE, code)
    return response


@router.get("/join", response_class=HTMLResponse)
async def join_page(viewer: ViewerDep, next: str = "/", unit_q: str | None = None) -> Response:  # noqa: A002
    if viewer.person is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    units = await unit_options(viewer.state.core, viewer.lang.code, unit_q)
    return viewer.render("join.html", units=units, unit_q=unit_q or "", next=safe_next(next))


@router.post("/join", response_class=HTMLResponse, dependencies=[CsrfDep])
async def join(
    viewer: ViewerDep,
    name: Annotated[str, Form(max_length=200)] = "",
    unit_id: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",  # noqa: A002
) -> Response:
    try:
        person = await people.register_person(
            viewer.state.core, name=name.strip(), unit_id=parse_int(unit_id),
            language=viewer.lang.code, now=viewer.now,
        )  # fmt: skip
    except Refused as exc:
        reason, message = words_for(exc, viewer.lang.gettext)
        units = await unit_options(viewer.state.core, viewer.lang.code, None)
        return viewer.render(
            "join.html", status_code=status_for(reason), units=units, unit_q="",
            next=safe_next(next), message=message, name=name, unit_id=parse_int(unit_id),
        )  # fmt: skip
    response = RedirectResponse(safe_next(next), status_code=303)
    viewer.sign_in(response, Session(person.id, AuthMethod.DEVICE))
    return response
