"""Signed cookies, CSRF tokens and the sign-in rate limiter (Telegram's initData is
checked in web/telegram_auth.py).

All of it is HTTP plumbing: who is this browser, did this form come from our page. Business
rules stay in campaigns/.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

SESSION_COOKIE = "gt_session"
CSRF_COOKIE = "gt_csrf"
LANG_COOKIE = "gt_lang"
SESSION_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie
STRONG_MAX_AGE = 12 * 3600  # a password, link or Telegram sign-in lasts a working day
SCAN_PASS_MAX_AGE = 10 * 60  # time a new phone has to register after scanning a rotating code
RESULT_MAX_AGE = 24 * 3600


class AuthMethod:
    DEVICE = "device"  # name and unit typed on this phone: enough to take part, no more
    PASSWORD = "password"
    LINK = "link"
    TELEGRAM = "telegram"
    STRONG = frozenset({PASSWORD, LINK, TELEGRAM})


@dataclass(frozen=True)
class Session:
    person_id: int
    method: str
    strong_at: int | None = None

    def is_strong(self, now: float) -> bool:
        """Signed in by password, link or Telegram within the last working day."""
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
        return self._session.dumps([session.person_id, session.method, session.strong_at])

    def load_session(self, value: str | None) -> Session | None:
        if not value:
            return None
        try:
            pid, method, strong_at = self._session.loads(value, max_age=SESSION_MAX_AGE)
            return Session(int(pid), str(method), None if strong_at is None else int(strong_at))
        except (BadSignature, ValueError, TypeError):
            return None

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


# Sign-in rate limit -----------------------------------------------------------------


class RateLimiter:
    """Sliding-window count of failed attempts per key, in this process.

    Several app instances each keep their own window; behind a proxy with N instances an
    attacker gets at most N times the budget, which the window still keeps small.
    """

    def __init__(self, *, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] > self.window:
            hits.popleft()
        return hits

    def blocked(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return len(self._recent(key, now)) >= self.limit

    def hit(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._recent(key, now).append(now)
        if len(self._hits) > 50_000:  # keep memory bounded under a spray of keys
            self._hits = {k: v for k, v in self._hits.items() if v and now - v[-1] < self.window}

    def reset(self, key: str) -> None:
        self._hits.pop(key, None)


class SignInGuard:
    """Failed sign-ins, counted three ways so that neither guessing nor a prankster wins.

    - one login from one address: 5 failures lock that pair (guessing a password);
    - one login from anywhere: 20 lock it everywhere (guessing from many addresses);
    - one address, any login: 100 lock it (spraying logins). A county office behind one
      NAT address shares this budget, so it is wide; a colleague's typos never reach it,
      and a stranger who knows a login cannot lock its owner out of their own office
      below 20 tries.
    Link sign-ins (no login typed) count against the address only.
    """

    WINDOW_SECONDS = 15 * 60

    def __init__(self) -> None:
        self.pair = RateLimiter(limit=5, window_seconds=self.WINDOW_SECONDS)
        self.login = RateLimiter(limit=20, window_seconds=self.WINDOW_SECONDS)
        self.address = RateLimiter(limit=100, window_seconds=self.WINDOW_SECONDS)

    def _keys(self, address: str, login: str | None) -> list[tuple[RateLimiter, str]]:
        keys = [(self.address, address)]
        if login is not None:
            name = login.strip().lower()
            keys += [(self.login, name), (self.pair, f"{address}\n{name}")]
        return keys

    def blocked(self, address: str, login: str | None = None) -> bool:
        return any(limiter.blocked(key) for limiter, key in self._keys(address, login))

    def failed(self, address: str, login: str | None = None) -> None:
        for limiter, key in self._keys(address, login):
            limiter.hit(key)

    def succeeded(self, address: str, login: str) -> None:
        """The right password clears what this login's own owner got wrong before."""
        name = login.strip().lower()
        self.pair.reset(f"{address}\n{name}")
        self.login.reset(name)
