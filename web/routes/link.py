"""Carrying an identity to another device: /me gives a one-time link code (and its QR);
/link on the other phone (or WeChat after the camera's browser) takes it and signs that
browser in as the same person, so nobody is counted twice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import joining, links, qr
from campaigns.errors import Refused
from web.deps import CsrfDep, ViewerDep
from web.errors import status_for, words_for
from web.security import AuthMethod, Session

router = APIRouter(tags=["pages"])


@router.get("/link", response_class=HTMLResponse)
async def link_page(viewer: ViewerDep, c: str = "") -> Response:
    # A GET never spends the code: chat apps fetch links to build previews.
    return viewer.render("link.html", code=c[:32], message=None, reason=None)


@router.post("/link", response_class=HTMLResponse, dependencies=[CsrfDep])
async def link_device(
    viewer: ViewerDep, code: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    """This browser becomes the person the code names (whoever it was before)."""
    try:
        person = await joining.redeem_link_code(viewer.state.core, code=code, now=viewer.now)
    except Refused as exc:
        reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        return viewer.render(
            "link.html",
            status_code=status_for(reason),
            code=code[:32],
            message=message,
            reason=reason,
        )
    response = RedirectResponse("/me?linked=1", status_code=303)
    viewer.sign_in(response, Session(person.id, AuthMethod.DEVICE))
    return response


@router.post("/me/link", response_class=HTMLResponse, dependencies=[CsrfDep])
async def new_link_code(viewer: ViewerDep) -> Response:
    """A fresh code for another phone (shown once, here: never in an address or a log)."""
    person = viewer.require_person()
    made = await joining.issue_link_code(viewer.state.core, person_id=person.id, now=viewer.now)
    url = links.device_link_url(viewer.state.settings.public_url, made.code)
    return viewer.render(
        "link_code.html", code=made.code, expires_at=made.expires_at, url=url, qr_svg=qr.svg(url)
    )
