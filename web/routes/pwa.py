"""The door scanner as an installable web app: its manifest and its service worker (which
keeps the scanner working offline), and the site's favicon."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from web.assets import Assets
from web.deps import ViewerDep

router = APIRouter(tags=["pages"])
# The worker's own cache keeps these; each scanner page adds its address, roster and decoder.
SCANNER_ASSETS = ("app.css", "scanner.css", "scanner.js", "unit-search.js", "icon-192.png")


def _assets(request: Request) -> Assets:
    assets: Assets = request.app.state.assets
    return assets


@router.get("/door-sw.js", include_in_schema=False)
async def scanner_worker(request: Request, viewer: ViewerDep) -> Response:
    assets = _assets(request)
    template = viewer.state.templates.get_template("pwa/scanner-sw.js")
    body = template.render(version=assets.version, assets=assets.urls(SCANNER_ASSETS))
    headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/scanner/"}
    return Response(body, media_type="text/javascript", headers=headers)


@router.get("/door.webmanifest", include_in_schema=False)
async def scanner_manifest(request: Request, viewer: ViewerDep) -> Response:
    assets, _ = _assets(request), viewer.lang.gettext
    manifest = {
        "name": _("GreenTally door scanner"),
        "short_name": _("Door scanner"),
        "description": _("Scan personal QR codes at an event's door, even offline."),
        "lang": viewer.lang.html_lang,
        "start_url": "/scanner",
        "scope": "/scanner",
        "display": "standalone",
        "background_color": "#f6f8f5",
        "theme_color": "#1d6b3a",
        "icons": [
            {"src": assets.url("icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {
                "src": assets.url("icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return Response(
        json.dumps(manifest, ensure_ascii=False),
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/favicon.ico", include_in_schema=False)
async def favicon(request: Request) -> Response:
    return RedirectResponse(_assets(request).url("favicon.ico"), status_code=301)
