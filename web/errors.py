"""Refusals in words and status codes: one place for both the pages and the JSON API."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from enum import StrEnum
from typing import Any

from campaigns.errors import Refused
from campaigns.labels import N_
from campaigns.messages import message_for
from campaigns.reasons import Reason


class WebReason(StrEnum):
    """Refusals that belong to HTTP itself, not to the campaign rules."""

    CSRF_FAILED = "csrf_failed"
    SIGN_IN_REQUIRED = "sign_in_required"
    VOLUNTEER_REQUIRED = "volunteer_required"
    ORGANIZER_REQUIRED = "organizer_required"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    BAD_LOGIN = "bad_login"
    BAD_INIT_DATA = "bad_init_data"
    PHOTO_NOT_IMAGE = "photo_not_image"
    REQUEST_TOO_LARGE = "request_too_large"
    INVALID_FORM = "invalid_form"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    HTTP_ERROR = "http_error"
    TELEGRAM_NOT_REGISTERED = "telegram_not_registered"
    INTERNAL_ERROR = "internal_error"
    HIDDEN_CHARACTERS = "hidden_characters"  # the core's reason, with the fields named
    TOO_MANY_REQUESTS = "too_many_requests"
    LOGIN_LOCKED = "login_locked"
    HEADERS_TOO_LARGE = "headers_too_large"
    INIT_DATA_MISSING = "init_data_missing"
    INIT_DATA_FORGED = "init_data_forged"
    INIT_DATA_STALE = "init_data_stale"


class WebRefused(Exception):
    def __init__(self, reason: WebReason, **detail: Any) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.detail = detail


WEB_MESSAGES: dict[WebReason, str] = {
    WebReason.CSRF_FAILED: N_(
        "This form has expired or did not come from this site. Go back, reload the page "
        "and try again."
    ),
    WebReason.SIGN_IN_REQUIRED: N_("Please sign in first."),
    WebReason.VOLUNTEER_REQUIRED: N_(
        "Only volunteers can do this. Volunteers sign in with their password or the "
        "link the bot sends them."
    ),
    WebReason.ORGANIZER_REQUIRED: N_("Only organizers can open this page."),
    WebReason.TOO_MANY_ATTEMPTS: N_(
        "Too many sign-in attempts. Wait {minutes} minutes and try again."
    ),
    WebReason.BAD_LOGIN: N_("That login and password do not match."),
    WebReason.BAD_INIT_DATA: N_(
        "Telegram could not confirm who you are. Close the app and open it again from the bot."
    ),
    WebReason.PHOTO_NOT_IMAGE: N_("The file is not a photo we can read (JPEG, PNG or WebP)."),
    WebReason.REQUEST_TOO_LARGE: N_("What you sent is too large: at most {limit_mb} MB."),
    WebReason.INVALID_FORM: N_("Some fields are missing or not valid: {fields}."),
    WebReason.NOT_FOUND: N_("This page does not exist."),
    WebReason.METHOD_NOT_ALLOWED: N_("This address does not take that kind of request."),
    WebReason.HTTP_ERROR: N_("This request could not be handled (HTTP {status})."),
    WebReason.TELEGRAM_NOT_REGISTERED: N_(
        "This Telegram account has not joined yet: tell us your name and unit once."
    ),
    WebReason.INTERNAL_ERROR: N_(
        "Something went wrong on our side. Please try again in a moment; if it keeps "
        "happening, tell the organizers."
    ),
    WebReason.HIDDEN_CHARACTERS: N_(
        "Hidden or control characters in: {field}. Please type it again without them (a copy "
        "and paste can leave them)."
    ),
    WebReason.TOO_MANY_REQUESTS: N_("Too many requests. Wait {seconds} seconds and try again."),
    WebReason.LOGIN_LOCKED: N_(
        "This login is locked for {minutes} minutes after too many wrong passwords. If it is "
        "yours, you can sign in now with a one-time link: send /login to the bot."
    ),
    WebReason.HEADERS_TOO_LARGE: N_(
        "Your browser sent too much with this request (often too many or too large cookies). "
        "Clear this site's cookies and try again."
    ),
    WebReason.INIT_DATA_MISSING: N_(
        "Telegram sent no sign-in data. Open this page from the bot's “Open form” button."
    ),
    WebReason.INIT_DATA_FORGED: N_(
        "Telegram did not sign this sign-in data, so we cannot let it in. Close the app and "
        "open it again from the bot."
    ),
    WebReason.INIT_DATA_STALE: N_(
        "This Telegram sign-in is too old (it lasts {minutes} minutes). Close the app and open "
        "it again from the bot."
    ),
}

# Field names in "some fields are not valid", as the person knows them.
FIELD_LABELS: dict[str, str] = {
    "name": N_("Your name"),
    "unit_id": N_("Your unit"),
    "person_id": N_("Person"),
    "idempotency_key": N_("One-time key"),
    "idem": N_("One-time key"),
    "mode": N_("How did you travel?"),
    "km": N_("Distance"),
    "meal": N_("Which meal?"),
    "hours": N_("Hours"),
    "heads": N_("People"),
    "code": N_("Event code"),
    "day": N_("Date"),
    "kind": N_("Kind of check"),
    "passed": N_("Does the canteen meet the anti-food-waste standard?"),
    "notes": N_("Notes (optional)"),
    "login": N_("Login"),
    "password": N_("Password"),
    "token": N_("Code"),
    "init_data": N_("Telegram sign-in data"),
    "language": N_("Language"),
    "scan_token": N_("Code"),
    "reward_id": N_("Reward"),
    "photo": N_("Photo (optional)"),
    "year": N_("Year"),
    "limit": N_("Number of entries"),
    "query": N_("Search"),
}
WHAT_WAS_SENT = N_("What you sent")


def field_label(loc: Sequence[Any]) -> str:
    """The msgid naming a validation error's field: the last named part of its location
    (a list index names nothing), or "what you sent" for the body as a whole."""
    for part in reversed(loc):
        if isinstance(part, str) and part not in ("body", "query", "path", "header"):
            return FIELD_LABELS.get(part, WHAT_WAS_SENT)
    return WHAT_WAS_SENT


# A fixed HTTP status per reason: clients may rely on it.
REASON_STATUS: dict[str, int] = {
    Reason.ALREADY_CHECKED_IN: 409,
    Reason.WINDOW_NOT_OPEN: 409,
    Reason.WINDOW_CLOSED: 409,
    Reason.UNKNOWN_CODE: 404,
    Reason.CODE_EXPIRED: 410,
    Reason.OVER_CAPACITY: 409,
    Reason.IMPLAUSIBLE_DISTANCE: 422,
    Reason.INVALID_QUANTITY: 422,
    Reason.UNKNOWN_MODE: 422,
    Reason.UNKNOWN_MEAL: 422,
    Reason.DAILY_CAP_REACHED: 409,
    Reason.TOO_MANY_HOURS: 422,
    Reason.NOT_ALLOWED: 403,
    Reason.UNKNOWN_UNIT: 422,
    Reason.UNKNOWN_PERSON: 404,
    Reason.UNKNOWN_EVENT: 404,
    Reason.UNKNOWN_CAMPAIGN: 404,
    Reason.UNKNOWN_FACT: 404,
    Reason.UNKNOWN_TOKEN: 404,
    Reason.NAME_REQUIRED: 422,
    Reason.NAME_TOO_LONG: 422,
    Reason.FUTURE_DATE: 422,
    Reason.DATE_TOO_OLD: 422,
    Reason.NO_ACTIVE_CAMPAIGN: 409,
    Reason.NO_CANTEEN: 422,
    Reason.NOT_OWN_CANTEEN: 403,
    Reason.ALREADY_VOID: 409,
    Reason.REASON_REQUIRED: 422,
    Reason.INSUFFICIENT_BALANCE: 409,
    Reason.OUT_OF_STOCK: 409,
    Reason.UNKNOWN_REWARD: 404,
    Reason.LOGIN_TAKEN: 409,
    Reason.PERSON_DELETED: 410,
    Reason.INVALID_INPUT: 422,
    Reason.PHOTO_TOO_LARGE: 413,
    Reason.UNDO_STALE: 409,
    WebReason.CSRF_FAILED: 403,
    WebReason.SIGN_IN_REQUIRED: 401,
    WebReason.VOLUNTEER_REQUIRED: 403,
    WebReason.ORGANIZER_REQUIRED: 403,
    WebReason.TOO_MANY_ATTEMPTS: 429,
    WebReason.BAD_LOGIN: 401,
    WebReason.BAD_INIT_DATA: 401,
    WebReason.PHOTO_NOT_IMAGE: 422,
    WebReason.REQUEST_TOO_LARGE: 413,
    Reason.PHOTO_TOO_MANY_PIXELS: 422,
    WebReason.INVALID_FORM: 422,
    WebReason.NOT_FOUND: 404,
    WebReason.METHOD_NOT_ALLOWED: 405,
    WebReason.HTTP_ERROR: 400,  # the answer keeps the status it was raised with
    WebReason.TELEGRAM_NOT_REGISTERED: 401,
    WebReason.INTERNAL_ERROR: 500,
    Reason.VERIFIER_REQUIRED: 409,
    Reason.VERIFIER_WRONG: 422,
    Reason.VERIFIER_LOCKED: 429,
    Reason.DEVICE_BOUND: 409,
    Reason.AMBIGUOUS_NAME: 409,
    Reason.LINK_CODE_INVALID: 404,
    Reason.IDEMPOTENCY_KEY_REUSED: 422,
    Reason.HEADCOUNT_TOO_LARGE: 422,
    Reason.TRIP_TOO_SHORT: 422,
    Reason.MEAL_ALREADY_LOGGED: 409,
    Reason.PHOTO_REQUIRED: 422,
    Reason.NOT_PENDING: 409,
    Reason.CANNOT_MERGE: 422,
    Reason.API_TOKEN_REFUSED: 401,
    Reason.API_TOKEN_READ_ONLY: 403,
    Reason.HIDDEN_CHARACTERS: 422,
    Reason.UNKNOWN_BUILDING: 404,
    Reason.UNKNOWN_ROOM: 404,
    Reason.UNKNOWN_FINDING: 422,
    Reason.ROOM_ALREADY_VISITED: 409,
    Reason.UNKNOWN_SHEET: 404,
    Reason.UNKNOWN_SHEET_ROW: 422,
    Reason.SHEET_ROW_NAME_REQUIRED: 422,
    Reason.UNKNOWN_METER: 422,
    Reason.READING_EXISTS: 409,
    Reason.METER_BACKWARDS: 422,
    Reason.METER_JUMP: 422,
    Reason.ROWS_REFUSED: 422,
    WebReason.TOO_MANY_REQUESTS: 429,
    WebReason.LOGIN_LOCKED: 429,
    WebReason.HEADERS_TOO_LARGE: 431,
    WebReason.INIT_DATA_MISSING: 401,
    WebReason.INIT_DATA_FORGED: 401,
    WebReason.INIT_DATA_STALE: 401,
}


def status_for(reason: str) -> int:
    return REASON_STATUS.get(reason, 400)


def web_message(reason: WebReason, detail: Mapping[str, Any], gettext: Callable[[str], str]) -> str:
    template = gettext(WEB_MESSAGES[reason])
    if "field" in detail:  # a field's label is a msgid too
        detail = {**detail, "field": gettext(detail["field"])}
    try:
        return template.format(**detail)
    except (KeyError, IndexError, ValueError):
        return template


def words_for(exc: Exception, gettext: Callable[[str], str], tz: tzinfo) -> tuple[str, str]:
    """(reason, message) for a core or web refusal, in the request's language (times of day
    in the core's zone, `tz`)."""

    if isinstance(exc, WebRefused):
        return exc.reason.value, web_message(exc.reason, exc.detail, gettext)
    if isinstance(exc, Refused):
        return exc.reason.value, message_for(exc.reason, exc.detail, gettext, tz)
    raise TypeError(exc)


def retry_headers(exc: Exception) -> dict[str, str]:
    """`Retry-After` for a rate-limit refusal that knows its wait."""
    seconds = getattr(exc, "detail", {}).get("retry_after") if isinstance(exc, WebRefused) else None
    return {"Retry-After": str(int(seconds))} if seconds else {}
