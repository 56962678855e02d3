"""The web app factory: `create_app(core, settings)`; greentally/ wires it into `serve`."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.settings import Settings
from web.assets import STATIC_DIR, Assets, HashedStaticFiles
from web.deps import (
    TEMPLATES_DIR,
    WebState,
    code_missed,
    get_viewer,
    light_viewer,
    request_guard,
)
from web.errors import (
    WebReason,
    WebRefused,
    field_label,
    retry_headers,
    status_for,
    web_message,
    words_for,
)
from web.i18n import Lang, negotiate, pick_language
from web.metrics import Metrics, metrics_endpoint
from web.middleware import (
    HEADERS_REFUSED_PATH,
    MAX_BODY_MB,
    SECURITY_HEADERS,
    WebMiddleware,
)
from web.routes import HOT_ROUTES, api_router, page_router
from web.security import LANG_COOKIE, Signer

logger = logging.getLogger(__name__)


def create_app(core: Core, settings: Settings) -> FastAPI:
    """Build the web app over an opened core; nothing here touches the network or disk."""
    app = FastAPI(
        title="GreenTally",
        version="1",
        summary="Check-ins, green actions and totals for public institutions' campaigns.",
        docs_url=None,  # the stock pages load Swagger from a CDN; /docs is served by us
        redoc_url=None,
        openapi_url="/openapi.json",
        dependencies=[Depends(request_guard)],  # text hygiene and rate limits, everywhere
    )
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.autoescape = True
    assets = Assets(STATIC_DIR)
    templates.env.globals["asset"] = assets.url
    app.state.assets = assets
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
    app.mount("/static", HashedStaticFiles(assets), name="static")
    app.include_router(page_router, include_in_schema=False)
    app.include_router(api_router)
    from web.routes import console, scanner  # noqa: PLC0415 - the organizer console

    app.include_router(console.router, include_in_schema=False)
    app.include_router(scanner.router, include_in_schema=False)
    _install_error_handlers(app)
    app.state.metrics = metrics = Metrics(core)
    app.add_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    for prefix in ("", "/api"):
        app.add_route(prefix + HEADERS_REFUSED_PATH, _headers_refused, include_in_schema=False)
    app.add_middleware(
        WebMiddleware,
        secure_cookies=settings.secure_cookies,
        hsts=settings.https,
        metrics=metrics,
    )
    # Outermost: pages and their assets travel compressed (a phone on a slow link).
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
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
        reason, message = words_for(exc, _bare_lang(request).gettext, _bare_lang(request).tz)
        if reason == WebReason.SIGN_IN_REQUIRED and not _is_api(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/join?next={_quote(target)}", status_code=303)
        if reason == Reason.UNKNOWN_CODE:
            await code_missed(request)  # guessing codes runs into the limit
        response = await _answer(request, reason, message, status_for(reason))
        response.headers.update(retry_headers(exc))
        return response

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        gettext = _bare_lang(request).gettext
        labels = sorted({gettext(field_label(e.get("loc", ()))) for e in exc.errors()})
        return await refused(request, WebRefused(WebReason.INVALID_FORM, fields=", ".join(labels)))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        status, limit_mb = exc.status_code, getattr(exc, "limit_mb", MAX_BODY_MB)
        if status == 400 and "exceeded maximum size" in str(exc.detail):
            # Starlette's own cap on one form field (1 MB): a body too large as well
            status, limit_mb = 413, FORM_FIELD_MB
        reason = HTTP_REASONS.get(status, WebReason.HTTP_ERROR)
        detail = {"limit_mb": limit_mb, "status": status}
        message = web_message(reason, detail, _bare_lang(request).gettext)
        response = await _answer(request, reason, message, status)
        response.headers.update(exc.headers or {})
        return response

    async def crashed(request: Request, exc: Exception) -> Response:
        """Anything unforeseen: logged with its traceback, answered in words (no details)."""
        rid = request.scope.get("state", {}).get("request_id", "-")
        logger.error(
            "unhandled error on %s %s",
            request.method,
            request.url.path,
            exc_info=exc,
            extra={"request_id": rid},  # answered outside WebMiddleware, which knew it
        )
        reason = WebReason.INTERNAL_ERROR
        message = web_message(reason, {}, _bare_lang(request).gettext)
        response = await _answer(request, reason, message, 500, hydrate=False)
        # Starlette answers this outside the app's middleware: add their headers here.
        response.headers.update({k.decode(): v.decode() for k, v in SECURITY_HEADERS})
        response.headers["x-request-id"] = rid
        return response

    app.add_exception_handler(Refused, refused)
    app.add_exception_handler(WebRefused, refused)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, crashed)


FORM_FIELD_MB = 1  # Starlette's max_part_size for a form field that is not a file
# HTTP errors Starlette raises itself, as the refusals they are.
HTTP_REASONS = {
    404: WebReason.NOT_FOUND,
    405: WebReason.METHOD_NOT_ALLOWED,
    413: WebReason.REQUEST_TOO_LARGE,
}


async def _answer(
    request: Request, reason: str, message: str, status: int, *, hydrate: bool = True
) -> Response:
    """{reason, message} for the API; the error page, in words, for everything else."""
    if _is_api(request):
        return JSONResponse({"reason": reason, "message": message}, status_code=status)
    state: WebState = request.app.state.web
    viewer = await get_viewer(request, state) if hydrate else light_viewer(request, state)
    return viewer.render("error.html", status_code=status, reason=reason, message=message)


def _quote(path: str) -> str:

    return quote(path, safe="/")


async def _headers_refused(request: Request) -> Response:
    """Where WebMiddleware sends a request whose headers are too large (431, in words)."""
    raise WebRefused(WebReason.HEADERS_TOO_LARGE)
