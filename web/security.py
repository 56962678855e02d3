"""Signed cookies and CSRF tokens (rate limits: web/ratelimit.py; Telegram's initData is
checked in web/telegram_auth.py).

All of it is HTTP plumbing: who is this browser, did this form come from our page. Business
rules stay in campaigns/.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

SESSION_COOKIE = "gt_session"
CSRF_COOKIE = "gt_csrf"
LANG_COOKIE = "gt_lang"
# A phone that typed its owner's name keeps it for half a year of check-ins; a password,
# link or Telegram sign-in is a server-side session (campaigns.access) that ends after a
# working day idle, and its cookie after a month whatever happens.
SESSION_MAX_AGE = 180 * 24 * 3600
STRONG_COOKIE_MAX_AGE = 30 * 24 * 3600
STRONG_MAX_AGE = 12 * 3600  # how long a sign-in proven in this request stays strong
SCAN_PASS_MAX_AGE = 10 * 60  # time a new phone has to register after scanning a rotating code
RESULT_MAX_AGE = 24 * 3600


class AuthMethod:
    DEVICE = "device"  # name and unit typed on this phone: enough to take part, no more
    PASSWORD = "password"
    LINK = "link"
    TELEGRAM = "telegram"
    WECOM = "wecom"  # WeCom's OAuth: the organisation's directory vouches for the member
    STRONG = frozenset({PASSWORD, LINK, TELEGRAM, WECOM})


@dataclass(frozen=True)
class Session:
    """Who a browser is. `sid` names a server-side session (strong methods only);
    `strong_at` is set once that session was found alive (Viewer.hydrate), never read
    from a cookie."""

    person_id: int
    method: str
    strong_at: int | None = None
    sid: str | None = None

    def is_strong(self, now: float) -> bool:
        """Signed in by password, link or Telegram, and the session is alive."""
        return (
            self.method in AuthMethod.STRONG
            and self.strong_at is not None
            and now - self.strong_at < STRONG_MAX_AGE
        )


class _UncompressedSerializer(URLSafeTimedSerializer):
    """Signs without trying zlib first: for a small payload on the hot path, compressing
    cost more than signing. Reads tokens of either kind (the format marks compression)."""

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(self.serializer.dumps(obj, **self.serializer_kwargs))


class Signer:
    """Every signed thing the web hands out, each under its own salt."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()
        self._session = URLSafeTimedSerializer(secret, salt="gt.session")
        self._result = _UncompressedSerializer(secret, salt="gt.result")
        self._scan = URLSafeTimedSerializer(secret, salt="gt.scan-pass")
        self._telegram = URLSafeTimedSerializer(secret, salt="gt.telegram-join")

    # session -----------------------------------------------------------------
    def dump_session(self, session: Session) -> str:
        return self._session.dumps([session.person_id, session.method, session.sid])

    def load_session(self, value: str | None) -> Session | None:
        """The cookie's session; a strong method without a server-side session (a cookie
        from before sessions were kept) is only a device."""
        if not value:
            return None
        try:
            pid, method, sid = self._session.loads(value, max_age=SESSION_MAX_AGE)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(pid, int):
            return None
        if method not in AuthMethod.STRONG or not isinstance(sid, str):
            return Session(pid, AuthMethod.DEVICE)
        return Session(pid, str(method), None, sid)

    # CSRF: the form token is an HMAC of the browser's random cookie ----------------
    def csrf_token(self, cookie_value: str) -> str:
        return hmac.new(self._secret, b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, cookie_value: str | None, token: str | None) -> bool:
        if not cookie_value or not token:
            return False
        return hmac.compare_digest(self.csrf_token(cookie_value), token)

    # answer pages after a post (post/redirect/get) ------------------------------
    def dump_result(self, data: dict[str, Any]) -> str:
        return self._result.dumps(data)

    def load_result(self, value: str) -> dict[str, Any] | None:
        try:
            data = self._result.loads(value, max_age=RESULT_MAX_AGE)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None

    # rotating codes: a valid scan earns a short pass to finish the form ----------
    # The pass names the browser that scanned (a digest of its CSRF cookie), so a pass
    # forwarded as a link is worthless on any other phone.
    def dump_scan_pass(self, code: str, browser: str) -> str:
        return self._scan.dumps([code, _browser_digest(browser)])

    def scan_pass_ok(self, value: str | None, code: str, browser: str) -> bool:
        if not value or not browser:
            return False
        try:
            data = self._scan.loads(value, max_age=SCAN_PASS_MAX_AGE)
        except BadSignature:
            return False
        return isinstance(data, list) and data == [code, _browser_digest(browser)]

    # Telegram user not yet registered: carry the verified id to the join form ----
    def dump_telegram_join(self, telegram_id: int) -> str:
        return self._telegram.dumps(telegram_id)

    def load_telegram_join(self, value: str | None) -> int | None:
        if not value:
            return None
        try:
            return int(self._telegram.loads(value, max_age=SCAN_PASS_MAX_AGE))
        except (BadSignature, ValueError, TypeError):
            return None


def _browser_digest(browser: str) -> str:
    return hashlib.sha256(b"browser:" + browser.encode()).hexdigest()[:24]


def new_random_token() -> str:
    return secrets.token_urlsafe(24)
