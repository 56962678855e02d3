"""Pure code and token helpers: event codes, personal QR tokens, rotating screen codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

ROTATION_SECONDS = 30
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o/1/l: codes are read aloud too


def new_event_code(length: int = 10) -> str:
    """An unguessable event code (~50 bits), safe in URLs and Telegram deep links."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_qr_token() -> str:
    """A personal QR token (~128 bits)."""
    return secrets.token_urlsafe(16)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def current_slot(now: datetime, seconds: int = ROTATION_SECONDS) -> int:
    return int(now.timestamp()) // seconds


def rotating_token(secret: str, code: str, slot: int) -> str:
    """A short signature of (event code, time slot) for an on-screen rotating QR."""
    mac = hmac.new(secret.encode(), f"rot:{code}:{slot}".encode(), hashlib.sha256)
    return mac.hexdigest()[:10]


def verify_rotating(
    secret: str, code: str, token: str, now: datetime, seconds: int = ROTATION_SECONDS
) -> bool:
    """True for the current slot's token or the previous slot's (a scan in flight)."""
    slot = current_slot(now, seconds)
    return any(
        hmac.compare_digest(rotating_token(secret, code, s), token) for s in (slot, slot - 1)
    )
