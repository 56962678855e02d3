"""Liveness and readiness for the proxy and the orchestrator."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from campaigns import catalog

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request, ready: bool = False) -> JSONResponse:
    """Alive when the process answers; ready (?ready=1) when the database answers too."""
    if not ready:
        return JSONResponse({"status": "ok"})
    try:
        await catalog.list_campaigns(request.app.state.web.core, year=None)
    except Exception as exc:  # any failure means "not ready", with its name
        return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, 503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/docs", include_in_schema=False)
async def docs(request: Request) -> HTMLResponse:
    """The API reference, rendered here from the OpenAPI schema: no CDN, no script."""
    schema = request.app.openapi()
    templates = request.app.state.web.templates
    page: HTMLResponse = templates.TemplateResponse(request, "docs.html", {"schema": schema})
    return page
