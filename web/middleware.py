"""Pure ASGI middleware: the CSRF cookie, security headers, and a cap on request size."""

from __future__ import annotations

from fastapi.exceptions import HTTPException
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.security import CSRF_COOKIE, SESSION_MAX_AGE, new_random_token

MAX_BODY_MB = 10  # a phone photo plus the form; the photo itself is checked again later
MAX_BODY_BYTES = MAX_BODY_MB * 1024 * 1024

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
    def __init__(self, app: ASGIApp, *, secure_cookies: bool) -> None:
        self.app = app
        self.secure = secure_cookies

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
        declared = int(length) if length and length.isdigit() else 0
        received = 0

        async def capped_receive() -> Message:
            # Raised where the app reads the body, so its handler answers in words (a
            # declared length past the cap is refused before a byte is read).
            nonlocal received
            if declared > MAX_BODY_BYTES:
                raise BodyTooLarge
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                if fresh:
                    headers.append((b"set-cookie", self._csrf_cookie(csrf_cookie)))
                message["headers"] = headers
            await send(message)

        await self.app(scope, capped_receive, send_with_headers)

    def _csrf_cookie(self, value: str) -> bytes:
        parts = [f"{CSRF_COOKIE}={value}", "Path=/", f"Max-Age={SESSION_MAX_AGE}", "HttpOnly"]
        parts.append("SameSite=Lax")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts).encode()
