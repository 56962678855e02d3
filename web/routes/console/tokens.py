"""Console: an organizer's personal API tokens, made (the secret shown once), listed and
revoked. A token works as `Authorization: Bearer <secret>` on /api/v1/organizer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import api_tokens
from campaigns.errors import Refused
from campaigns.results import Role
from web.deps import CsrfDep, Viewer, ViewerDep
from web.errors import status_for, words_for
from web.routes.console.words import render

router = APIRouter()


async def _page(viewer: Viewer, *, status: int = 200, **context: Any) -> Response:
    me = viewer.require(Role.ORGANIZER)
    tokens = await api_tokens.list_tokens(viewer.state.core, person_id=me.id)
    context.setdefault("message", None)
    context.setdefault("new", None)
    return render(viewer, "console/tokens.html", status_code=status, tokens=tokens, **context)


@router.get("/tokens", response_class=HTMLResponse)
async def tokens_page(viewer: ViewerDep) -> Response:
    return await _page(viewer)


@router.post("/tokens", response_class=HTMLResponse, dependencies=[CsrfDep])
async def create_token(
    viewer: ViewerDep,
    name: Annotated[str, Form(max_length=200)] = "",
    scope: Annotated[str, Form()] = "read",
) -> Response:
    me = viewer.require(Role.ORGANIZER)
    try:
        new = await api_tokens.create_token(
            viewer.state.core, person_id=me.id, name=name, scope=scope, now=viewer.now
        )
    except Refused as exc:
        reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        return await _page(viewer, status=status_for(reason), message=message)
    return await _page(viewer, status=201, new=new)


@router.post("/tokens/{token_id}/revoke", dependencies=[CsrfDep])
async def revoke_token(token_id: int, viewer: ViewerDep) -> Response:
    me = viewer.require(Role.ORGANIZER)
    await api_tokens.revoke_token(
        viewer.state.core, person_id=me.id, token_id=token_id, now=viewer.now
    )
    return RedirectResponse("/console/tokens", status_code=303)
