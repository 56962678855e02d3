"""Pure ASGI middleware: the CSRF cookie, security headers, and a cap on request size."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.exceptions import HTTPException
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import WEB_MESSAGES, WebReason
from web.i18n import Lang, negotiate, pick_language
from web.security import CSRF_COOKIE, LANG_COOKIE, SESSION_MAX_AGE, new_random_token

MAX_BODY_MB = 10  # a phone photo plus the form; the photo itself is checked again later
MAX_BODY_BYTES = MAX_BODY_MB * 1024 * 1024

# Nothing may come from anywhere but this site. Telegram's web client embeds Mini Apps.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'self' https://web.telegram.org"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(), microphone=(), camera=(self)"),
]


class BodyTooLarge(HTTPException):
    """A body that grew past the cap while it streamed in (chunked, or a lying length).

    An HTTPException, so FastAPI's body parsing lets it through to the app's handler,
    which answers in words; WebMiddleware answers itself if nothing else did."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


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
    def __init__(self, app: ASGIApp, *, secure_cookies: bool, default_language: str) -> None:
        self.app = app
        self.secure = secure_cookies
        self.default_language = default_language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        csrf_cookie = cookies.get(CSRF_COOKIE, "")
        fresh = not (16 <= len(csrf_cookie) <= 64)
        if fresh:
            csrf_cookie = new_random_token()
        scope.setdefault("state", {})["csrf_cookie"] = csrf_cookie

        length = _header(scope, b"content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            await self._too_large(scope, send, cookies)
            return

        received = 0
        started = False

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                if fresh:
                    headers.append((b"set-cookie", self._csrf_cookie(csrf_cookie)))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, capped_receive, send_with_headers)
        except BodyTooLarge:
            if started:
                raise
            await self._too_large(scope, send, cookies)

    def _csrf_cookie(self, value: str) -> bytes:
        parts = [f"{CSRF_COOKIE}={value}", "Path=/", f"Max-Age={SESSION_MAX_AGE}", "HttpOnly"]
        parts.append("SameSite=Lax")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts).encode()

    async def _too_large(self, scope: Scope, send: Send, cookies: dict[str, str]) -> None:

        code = pick_language(
            cookies.get(LANG_COOKIE),
            negotiate(_header(scope, b"accept-language")),
            self.default_language,
        )
        lang = Lang(code, ZoneInfo("Asia/Shanghai"))
        message = lang.gettext(WEB_MESSAGES[WebReason.REQUEST_TOO_LARGE]).format(
            limit_mb=MAX_BODY_MB
        )
        body: bytes
        if scope["path"].startswith("/api/"):
            body = json.dumps(
                {"reason": WebReason.REQUEST_TOO_LARGE.value, "message": message},
                ensure_ascii=False,
            ).encode()
            content_type = b"application/json"
        else:
            back = lang.gettext("Start page")
            body = (
                f'<!doctype html><html lang="{lang.html_lang}"><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<link rel="stylesheet" href="/static/app.css"><title>413</title>'
                f'<main><p class="notice error" role="alert">{message}</p>'
                f'<p><a href="/">{back}</a></p></main></html>'
            ).encode()
            content_type = b"text/html; charset=utf-8"
        headers: list[tuple[bytes, bytes]] = [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            *SECURITY_HEADERS,
        ]
        start: dict[str, Any] = {"type": "http.response.start", "status": 413, "headers": headers}
        await send(start)
        await send({"type": "http.response.body", "body": body})
