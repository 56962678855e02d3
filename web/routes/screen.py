"""The organizer's full-screen event QR; for a rotating event it changes every 30 seconds."""

from __future__ import annotations

import math
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from campaigns import catalog, checkin, codes, links, qr
from web.deps import ViewerDep
from web.routes.console.common import require_organizer

router = APIRouter(tags=["pages"])
SLOT_SECONDS = codes.ROTATION_SECONDS


@router.get(
    "/screen/{code}", response_class=HTMLResponse, dependencies=[Depends(require_organizer)]
)
async def screen(code: str, viewer: ViewerDep) -> Response:
    event = await catalog.get_event(viewer.state.core, code=code)
    url = links.checkin_url(viewer.state.settings.public_url, event.code)
    refresh = 60
    if event.rotating:
        now = viewer.now
        token = checkin.screen_token(viewer.state.core, code=event.code, now=now)
        url += f"?t={quote(str(token), safe='')}"
        elapsed = now.timestamp() % SLOT_SECONDS
        refresh = max(1, math.ceil(SLOT_SECONDS - elapsed))
    return viewer.render("screen.html", event=event, svg=qr.svg(url), url=url, refresh=refresh)
