"""Me: balance, what the points buy, the unit's standing, history (events, rewards, canteen
checks), the printable personal record, personal QR, language, my data, deleting it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import people, personal, qr
from campaigns.labels import KIND_LABELS, MEAL_LABELS, MODE_LABELS
from web.deps import CsrfDep, ViewerDep, forget_cookie, set_cookie
from web.downloads import csv_download, json_download
from web.i18n import LANGUAGES
from web.routes.common import discard_photos
from web.security import LANG_COOKIE, SESSION_COOKIE

router = APIRouter(prefix="/me", tags=["pages"])


@router.get("", response_class=HTMLResponse)
async def me(viewer: ViewerDep) -> Response:
    person = viewer.require_person()
    summary = await personal.me_summary(viewer.state.core, person=person, now=viewer.now)
    return viewer.render(
        "me.html",
        me=summary,
        balance=summary.balance,
        history=summary.history,
        kind_labels=KIND_LABELS,
        detail_labels={**MODE_LABELS, **MEAL_LABELS},
    )


@router.get("/record", response_class=HTMLResponse)
async def record(viewer: ViewerDep, year: int | None = None) -> Response:
    """The personal participation record for a year, one printed A4 page."""
    person = viewer.require_person()
    this_year = viewer.state.core.today(viewer.now).year
    chosen = year if year is not None and 2000 <= year <= this_year else this_year
    data = await personal.personal_record(viewer.state.core, person=person, year=chosen)
    return viewer.render(
        "record.html",
        record=data,
        years=list(range(this_year, max(2022, this_year - 3), -1)),
        kind_labels=KIND_LABELS,
        detail_labels={**MODE_LABELS, **MEAL_LABELS},
    )


@router.get("/qr.png")
async def my_qr(viewer: ViewerDep) -> Response:
    """The personal code a volunteer scans at an event door."""
    person = viewer.require_person()
    return Response(
        qr.personal_png(person.qr_token),
        media_type="image/png",
        headers={"Cache-Control": "no-store"},
    )


@router.post("/language", dependencies=[CsrfDep])
async def language(viewer: ViewerDep, language: Annotated[str, Form()] = "zh") -> Response:
    person = viewer.require_person()
    if language in LANGUAGES:
        await people.set_language(viewer.state.core, person_id=person.id, language=language)
    response = RedirectResponse("/me", status_code=303)
    if language in LANGUAGES:
        set_cookie(viewer.state, response, LANG_COOKIE, language)
    return response


@router.get("/export.json")
async def export_json(viewer: ViewerDep) -> Response:
    person = viewer.require_person()
    return json_download(await people.export_person(viewer.state.core, person_id=person.id))


@router.get("/export.csv")
async def export_csv(viewer: ViewerDep) -> Response:
    person = viewer.require_person()
    return csv_download(await people.export_person(viewer.state.core, person_id=person.id))


@router.get("/delete", response_class=HTMLResponse)
async def delete_page(viewer: ViewerDep) -> Response:
    viewer.require_person()
    return viewer.render("delete.html")


@router.post("/delete", response_class=HTMLResponse, dependencies=[CsrfDep])
async def delete(viewer: ViewerDep, confirm: Annotated[str, Form()] = "") -> Response:
    person = viewer.require_person()
    if confirm != "yes":
        return viewer.render("delete.html", status_code=422, unconfirmed=True)
    photos = await people.delete_person(viewer.state.core, person_id=person.id, now=viewer.now)
    discard_photos(viewer.state, photos)
    viewer.person = None
    response = viewer.render("deleted.html")
    forget_cookie(viewer.state, response, SESSION_COOKIE)
    return response
