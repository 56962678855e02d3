"""The answer page after any action, the start page, joining, and the language switch."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from campaigns import catalog, people, totals
from campaigns.errors import Refused
from web.deps import CsrfDep, Viewer, ViewerDep, safe_next, set_cookie
from web.errors import WebReason, WebRefused
from web.i18n import LANGUAGES
from web.routes.common import idempotency_key, join_form, join_key, parse_int, unit_options
from web.security import LANG_COOKIE, AuthMethod, Session, new_random_token

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
    # A canteen check counts for no campaign: its answer names none.
    campaign = await catalog.get_campaign(core, result["cid"]) if result.get("cid") else None
    event = await catalog.get_event(core, code=result["c"]) if result.get("c") else None
    return viewer.render(
        "done.html", result=result, progress=progress, campaign=campaign, event=event
    )


@router.get("/lang/{code}")
async def switch_language(code: str, viewer: ViewerDep, next: str = "/") -> Response:
    """Remember this phone's language; the me page also stores it on the person."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        set_cookie(viewer.state, response, LANG_COOKIE, code)
    return response


@router.get("/join", response_class=HTMLResponse)
async def join_page(
    viewer: ViewerDep,
    next: str = "/",
    unit_q: str | None = None,
    name: str = "",
    unit_id: str = "",
) -> Response:
    if viewer.person is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return await _join_form(viewer, next=next, unit_q=unit_q, name=name, unit_id=unit_id)


async def _join_form(
    viewer: Viewer,
    *,
    next: str,
    unit_q: str | None,
    name: str,
    unit_id: str,
    error: Exception | None = None,
) -> HTMLResponse:
    return await join_form(
        viewer,
        next_url=safe_next(next),
        unit_q=unit_q,
        name=name,
        unit_id=unit_id,
        error=error,
        idem=new_random_token(),
    )


@router.post("/join", response_class=HTMLResponse, dependencies=[CsrfDep])
async def join(
    viewer: ViewerDep,
    name: Annotated[str, Form(max_length=200)] = "",
    unit_id: Annotated[str, Form()] = "",
    unit_q: Annotated[str, Form(max_length=200)] = "",
    idem: Annotated[str, Form()] = "",
    verifier: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Name and unit once (and, when the roster asks, a verifier); the form's one-time key
    makes a resent form one person."""
    try:
        person = await people.register_person(
            viewer.state.core,
            name=name.strip(),
            unit_id=parse_int(unit_id),
            language=viewer.lang.code,
            now=viewer.now,
            verifier=verifier or None,
            idempotency_key=join_key(idempotency_key(idem)),
        )
    except Refused as exc:
        return await _join_form(
            viewer, next=next, unit_q=unit_q, name=name, unit_id=unit_id, error=exc
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    viewer.sign_in(response, Session(person.id, AuthMethod.DEVICE))
    return response


@router.post("/units/find")
async def find_unit(
    viewer: ViewerDep,
    back: Annotated[str, Form()] = "/",
    unit_q: Annotated[str, Form(max_length=200)] = "",
    unit_id: Annotated[str, Form()] = "",
    under: Annotated[str, Form()] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    scan: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form()] = "",
    telegram: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The unit search of a form: back to its page (a GET, so it writes nothing and needs
    no CSRF token) with the search, the chosen unit and what was typed. "Show the units
    under it" searches for the chosen unit, whose answer lists the units under it."""
    query, chosen = unit_q.strip(), parse_int(unit_id)
    if under and chosen is not None:
        try:
            query = (await catalog.get_unit(viewer.state.core, chosen)).name(viewer.lang.code)
        except Refused:
            chosen = None
    typed = {"name": name.strip()[:40], "scan": scan, "next": next, "telegram": telegram}
    params = {"unit_q": query[:40], "unit_id": str(chosen or ""), **typed}
    target = urlsplit(safe_next(back)).path
    return RedirectResponse(f"{target}?{urlencode({k: v for k, v in params.items() if v})}", 303)


@router.get("/units/options")
async def unit_choices(viewer: ViewerDep, unit_q: str = "") -> Response:
    """The unit picker's search as one types (unit-search.js): the same matching and the
    same words as the form's search button gives without JavaScript."""
    choice = await unit_options(viewer.state.core, viewer.lang.code, unit_q[:40])
    _, ngettext = viewer.lang.gettext, viewer.lang.ngettext
    if not choice.query:
        found = ""
    elif choice.matched == 0:
        found = _(
            "Nothing found for “{query}”. Try its pinyin or initials, or the bureau or "
            "township it belongs to."
        ).format(query=choice.query)
    elif choice.chosen:
        found = _("Found: {unit}. It is chosen below.").format(unit=choice.chosen_label)
    else:
        one, many = "{n} unit found: choose it below.", "{n} units found: choose yours below."
        found = ngettext(one, many, choice.matched).format(n=choice.matched)
    return JSONResponse(
        {
            "options": [{"id": o.id, "label": o.label} for o in choice.options],
            "matched": choice.matched,
            "chosen": choice.chosen,
            "found": found,
            "nothing": bool(choice.query) and choice.matched == 0,
        },
        headers={"Cache-Control": "no-store"},
    )
