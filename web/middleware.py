"""Pure ASGI middleware: the CSRF cookie, security headers (HSTS on https), caps on the
request's body and headers, a request id, one log line and the metrics of every request."""

from __future__ import annotations

import logging
import re
import secrets
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING

from fastapi.exceptions import HTTPException
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.security import CSRF_COOKIE, SESSION_MAX_AGE, new_random_token

if TYPE_CHECKING:
    from web.metrics import Metrics

MAX_BODY_MB = 10  # a phone photo plus the form; the photo itself is checked again later
MAX_BODY_BYTES = MAX_BODY_MB * 1024 * 1024
# All headers together; ours (three small cookies) take well under 1 KB. A browser that
# sends more carries junk cookies from another site on this domain: 431, in words.
MAX_HEADER_BYTES = 16 * 1024
HEADERS_REFUSED_PATH = "/_refused/headers"  # the page that says so (web.app)
HSTS = (b"strict-transport-security", b"max-age=31536000")
REQUEST_ID_HEADER = b"x-request-id"
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
request_id: ContextVar[str] = ContextVar("request_id", default="-")
access_log = logging.getLogger("greentally.access")

# Nothing may come from anywhere but this site, and no other site may frame it: Telegram
# Web's cross-site iframe would neither send nor keep our SameSite=Lax cookies, so a Mini
# App there could not stay signed in (phones open it in a webview of their own).
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(), microphone=(), camera=(self)"),
]


class BodyTooLarge(HTTPException):
    """A body past the cap, by its declared length or as it streamed in (chunked).

    An HTTPException, so FastAPI's body parsing lets it through to the app's handler,
    which answers in words, in the page's language, with the usual page around them."""

    def __init__(self, limit_bytes: int = MAX_BODY_BYTES) -> None:
        super().__init__(status_code=413)
        self.limit_mb = max(1, limit_bytes // (1024 * 1024))


def _cookies(scope: Scope) -> dict[str, str]:
    # Starlette's own parser, as request.cookies uses: lenient the way browsers are.
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return cookie_parser(value.decode("latin-1"))
    return {}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


class WebMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        secure_cookies: bool,
        hsts: bool = False,
        metrics: Metrics | None = None,
    ) -> None:
        self.app = app
        self.secure = secure_cookies
        self.extra_headers = [*SECURITY_HEADERS, *([HSTS] if hsts else [])]
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = _request_id(scope)
        token = request_id.set(rid)
        if sum(len(n) + len(v) for n, v in scope.get("headers", [])) > MAX_HEADER_BYTES:
            scope = _headers_refused(scope)
        cookies = _cookies(scope)
        csrf_cookie = cookies.get(CSRF_COOKIE, "")
        fresh = not (16 <= len(csrf_cookie) <= 64)
        if fresh:
            csrf_cookie = new_random_token()
        scope.setdefault("state", {})["csrf_cookie"] = csrf_cookie
        scope["state"]["request_id"] = rid

        length = _header(scope, b"content-length")
        declared = int(length) if length and length.isdigit() else 0
        cap = MAX_BODY_BYTES
        received = 0
        status = 500

        async def capped_receive() -> Message:
            # Raised where the app reads the body, so its handler answers in words (a
            # declared length past the cap is refused before a byte is read).
            nonlocal received
            if declared > cap:
                raise BodyTooLarge(cap)
            message = await receive()
            received += len(message.get("body", b""))
            if received > cap:
                raise BodyTooLarge(cap)
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                present = {name for name, _ in headers}
                headers += [(n, v) for n, v in self.extra_headers if n not in present]
                headers.append((REQUEST_ID_HEADER, rid.encode()))
                if fresh:
                    headers.append((b"set-cookie", self._csrf_cookie(csrf_cookie)))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, capped_receive, send_with_headers)
        finally:
            self._done(scope, status, time.perf_counter() - started)
            request_id.reset(token)

    def _done(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        if self.metrics is not None:
            self.metrics.request(scope["method"], route, status, seconds)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %d %.1fms",
                scope["method"],
                scope["path"],
                status,
                seconds * 1000,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": (scope.get("client") or ("?",))[0],
                },
            )

    def _csrf_cookie(self, value: str) -> bytes:
        parts = [f"{CSRF_COOKIE}={value}", "Path=/", f"Max-Age={SESSION_MAX_AGE}", "HttpOnly"]
        parts.append("SameSite=Lax")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts).encode()


def _request_id(scope: Scope) -> str:
    """The proxy's X-Request-ID when it is a sane token, else a new one."""
    sent = _header(scope, REQUEST_ID_HEADER)
    if sent and _GOOD_ID.fullmatch(sent):
        return sent
    return secrets.token_hex(8)


def _headers_refused(scope: Scope) -> Scope:
    """The same request without its oversized headers, sent to the page that refuses it in
    words (431): only the headers that choose the language and the answer's form are kept."""
    keep = {b"host", b"accept", b"accept-language", b"user-agent"}
    headers = [(n, v[:256]) for n, v in scope.get("headers", []) if n in keep]
    api = scope.get("path", "").startswith("/api/")
    path = ("/api" if api else "") + HEADERS_REFUSED_PATH
    return {
        **scope,
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
    }
