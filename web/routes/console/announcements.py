"""Console: announcements to chosen units (an event, a campaign day), sent to their members
on WeCom or Telegram, with how far each has gone (sent, waiting, failed)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from campaigns import announcements, catalog
from campaigns.errors import Refused
from campaigns.results import Role
from web.deps import CsrfDep, Viewer, ViewerDep
from web.errors import status_for, words_for
from web.routes.console.words import render

router = APIRouter()


async def _page(viewer: Viewer, *, status: int = 200, **context: Any) -> Response:
    viewer.require(Role.ORGANIZER)
    core = viewer.state.core
    context.setdefault("message", None)
    context.setdefault("body", "")
    context.setdefault("chosen", [])
    return render(
        viewer,
        "console/announcements.html",
        status_code=status,
        units=await catalog.list_units(core),
        sent=await announcements.recent(core),
        **context,
    )


@router.get("/announcements", response_class=HTMLResponse)
async def announcements_page(viewer: ViewerDep) -> Response:
    return await _page(viewer)


@router.post("/announcements", response_class=HTMLResponse, dependencies=[CsrfDep])
async def announce(
    viewer: ViewerDep,
    body: Annotated[str, Form(max_length=4000)] = "",
    unit: Annotated[list[int] | None, Form()] = None,
) -> Response:
    me = viewer.require(Role.ORGANIZER)
    chosen = unit or []
    try:
        await announcements.announce(
            viewer.state.core,
            actor_id=me.id,
            body=body,
            unit_ids=chosen,
            now=viewer.now,
            corp_id=viewer.state.settings.wecom_corp_id,
        )
    except Refused as exc:
        reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        return await _page(
            viewer, status=status_for(reason), message=message, body=body, chosen=chosen
        )
    return await _page(viewer, status=201, done=True)
