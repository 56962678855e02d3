"""The public page that says where every CO₂ figure comes from: each emission factor of the
rules file with its published source. Every CO₂ figure on a page links here."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from campaigns import sources
from campaigns.labels import MODE_LABELS
from web.deps import ViewerDep

router = APIRouter(tags=["pages"])


@router.get("/sources", response_class=HTMLResponse)
async def sources_page(viewer: ViewerDep) -> Response:
    return viewer.render("sources.html", factors=sources.factors(), mode_labels=MODE_LABELS)
