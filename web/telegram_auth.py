"""A Telegram Mini App's initData, checked as Telegram specifies, through aiogram's parsers.

- With the bot token: the HMAC-SHA256 `hash` (aiogram.utils.web_app); the token's owner
  alone can make it.
- Without it (a web server that does not hold the bot's token): the Ed25519 `signature`
  Telegram adds, checked with Telegram's published public key for the bot's id
  (aiogram.utils.web_app_signature, "third-party validation").

Neither check looks at `auth_date`: a genuine initData lives on in the Mini App's page, and
anyone who copies it could sign in with it later. So it is refused once older than the
freshness limit (settings.init_data_max_age), or dated in the future.

Three refusals, each its own reason: nothing to check (init_data_missing), not Telegram's
(init_data_forged: the signature does not match, or the text is not initData at all),
Telegram's but too old (init_data_stale). A forged and stale one is forged.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from aiogram.utils import web_app, web_app_signature
from pydantic import ValidationError

from web.errors import WebReason

MAX_LENGTH = 4096  # what Telegram sends is far shorter
FUTURE_SLACK = 60  # seconds a phone's clock may run ahead of ours


class InitDataRefused(Exception):  # a refusal, as campaigns.errors.Refused
    """initData refused; `reason` is one of the three INIT_DATA_* web reasons, `why` says
    what exactly was wrong (for the log, not for the person)."""

    def __init__(self, reason: WebReason, why: str) -> None:
        super().__init__(f"{reason.value}: {why}")
        self.reason = reason
        self.why = why


@dataclass(frozen=True)
class TelegramUser:
    id: int
    first_name: str
    last_name: str
    username: str | None
    language_code: str | None
    auth_date: int

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p).strip()


def bot_id_of(token: str) -> int | None:
    """The bot's id: the part of its token before the colon."""
    head, _, _ = token.partition(":")
    return int(head) if head.isdigit() else None


def check_init_data(
    init_data: str,
    *,
    now: float,
    max_age: int,
    bot_token: str | None = None,
    bot_id: int | None = None,
    public_key: bytes = web_app_signature.PRODUCTION_PUBLIC_KEY,
) -> TelegramUser:
    """The Telegram user a Mini App's initData names, checked by its HMAC when the bot
    token is given, else by Telegram's Ed25519 signature for `bot_id`; then its freshness.
    Refuses (InitDataRefused) INIT_DATA_MISSING, INIT_DATA_FORGED, INIT_DATA_STALE."""
    text = (init_data or "").strip()
    if not text:
        raise InitDataRefused(WebReason.INIT_DATA_MISSING, "empty")
    fields = _fields(text)
    if "hash" not in fields and "signature" not in fields:
        raise InitDataRefused(WebReason.INIT_DATA_MISSING, "neither hash nor signature")
    if bot_token:
        genuine = web_app.check_webapp_signature(bot_token, text)
        how = "hash (HMAC with the bot token)"
    elif bot_id is not None:
        genuine = web_app_signature.check_webapp_signature(bot_id, text, public_key)
        how = "signature (Ed25519, Telegram's key)"
    else:
        raise InitDataRefused(WebReason.INIT_DATA_FORGED, "no bot token or bot id to check by")
    if not genuine:
        raise InitDataRefused(WebReason.INIT_DATA_FORGED, f"{how} does not match")
    try:
        parsed = web_app.parse_webapp_init_data(text)
    except (ValidationError, ValueError) as exc:
        raise InitDataRefused(WebReason.INIT_DATA_MISSING, f"unreadable fields: {exc}") from exc
    user = parsed.user
    if user is None:
        raise InitDataRefused(WebReason.INIT_DATA_MISSING, "no user")
    auth_date = int(parsed.auth_date.timestamp())
    age = now - auth_date
    if age > max_age or -age > FUTURE_SLACK:
        raise InitDataRefused(
            WebReason.INIT_DATA_STALE, f"auth_date {auth_date} is {age:.0f} s old"
        )
    return TelegramUser(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name or "",
        username=user.username,
        language_code=user.language_code,
        auth_date=auth_date,
    )


def _fields(text: str) -> dict[str, str]:
    """The query string's fields; refuses what is not one (or names a field twice: the
    checks would each read one copy)."""
    if len(text) > MAX_LENGTH:
        raise InitDataRefused(WebReason.INIT_DATA_FORGED, "oversized")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise InitDataRefused(WebReason.INIT_DATA_FORGED, "not a query string") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataRefused(WebReason.INIT_DATA_FORGED, "a field given twice")
    return fields


def sign_init_data(fields: dict[str, str], *, bot_token: str) -> str:
    """initData as Telegram would build it, signed with the bot token (for tests and the
    benchmarks: a real Mini App's comes from Telegram)."""
    check_string = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})
