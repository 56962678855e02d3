"""The web app factory: `create_app(core, settings)`; greentally/ wires it into `serve`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from campaigns.core import Core
from campaigns.errors import Refused
from greentally.settings import Settings
from web.deps import TEMPLATES_DIR, WebState, get_viewer
from web.errors import WebReason, WebRefused, status_for, words_for
from web.i18n import Lang, negotiate, pick_language
from web.middleware import MAX_BODY_MB, WebMiddleware
from web.routes import HOT_ROUTES, api_router, page_router
from web.security import LANG_COOKIE, Signer

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(core: Core, settings: Settings) -> FastAPI:
    """Build the web app over an opened core; nothing here touches the network or disk."""
    app = FastAPI(
        title="GreenTally",
        version="1",
        summary="Check-ins, green actions and totals for public institutions' campaigns.",
        docs_url=None,  # the stock pages load Swagger from a CDN; /docs is served by us
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.autoescape = True
    app.state.web = WebState(
        core=core,
        settings=settings,
        signer=Signer(settings.resolved_secret()),
        templates=templates,
        evidence_dir=settings.data_dir / "evidence",
    )
    app.state.core = core
    app.state.settings = settings
    for path, endpoint, methods in HOT_ROUTES:
        app.add_route(path, endpoint, methods=methods, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(page_router, include_in_schema=False)
    app.include_router(api_router)
    from web.routes import console, scanner  # noqa: PLC0415 - the organizer console

    app.include_router(console.router, include_in_schema=False)
    app.include_router(scanner.router, include_in_schema=False)
    _install_error_handlers(app)
    app.add_middleware(
        WebMiddleware,
        secure_cookies=settings.secure_cookies,
        default_language=settings.default_language,
    )
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _bare_lang(request: Request) -> Lang:
    """A language without touching the database (used when the viewer cannot be built)."""
    state: WebState = request.app.state.web
    code = pick_language(
        request.cookies.get(LANG_COOKIE),
        negotiate(request.headers.get("accept-language")),
        state.settings.default_language,
    )
    return Lang(code, state.core.tz)


def _install_error_handlers(app: FastAPI) -> None:
    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused | WebRefused)
        lang = _bare_lang(request)
        reason, message = words_for(exc, lang.gettext)
        status = status_for(reason)
        if _is_api(request):
            return JSONResponse({"reason": reason, "message": message}, status_code=status)
        if reason == WebReason.SIGN_IN_REQUIRED:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/join?next={_quote(target)}", status_code=303)
        viewer = await get_viewer(request, request.app.state.web)
        return viewer.render("error.html", status_code=status, reason=reason, message=message)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        fields = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        return await refused(request, WebRefused(WebReason.INVALID_FORM, fields=", ".join(fields)))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return await refused(request, WebRefused(WebReason.NOT_FOUND))
        if exc.status_code == 413:
            too_large = WebRefused(WebReason.REQUEST_TOO_LARGE, limit_mb=MAX_BODY_MB)
            return await refused(request, too_large)
        if _is_api(request):
            return JSONResponse(
                {"reason": "http_error", "message": str(exc.detail)},
                status_code=exc.status_code,
                headers=exc.headers,
            )
        return Response(str(exc.detail), status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(Refused, refused)
    app.add_exception_handler(WebRefused, refused)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)


def _quote(path: str) -> str:

    return quote(path, safe="/")
