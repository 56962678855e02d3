"""The public addresses people are sent to, in one place: the bot, the web and the printed
posters all build them here, so a link sent by one door always opens on the other."""

from __future__ import annotations

from urllib.parse import quote


def _base(public_url: str) -> str:
    return public_url.rstrip("/")


def checkin_url(public_url: str, code: str) -> str:
    """An event's web check-in page (the poster's QR)."""
    return f"{_base(public_url)}/e/{quote(code, safe='')}"


def signin_link_url(public_url: str, token: str) -> str:
    """A one-time web sign-in link (sent by the bot's /login)."""
    return f"{_base(public_url)}/signin/link/{quote(token, safe='')}"


def mini_app_url(public_url: str, next_path: str = "") -> str:
    """The Telegram Mini App's start page (signs the person in from initData), going on
    to `next_path` on this site when given."""
    start = f"{_base(public_url)}/tg"
    return f"{start}?next={quote(next_path, safe='/')}" if next_path else start


def telegram_deep_link(bot_username: str, code: str) -> str:
    """The poster's Telegram link: the bot registers the person if needed and checks in."""
    return f"https://t.me/{bot_username}?start=e_{code}"


def device_link_url(public_url: str, code: str) -> str:
    """The page that makes another browser a person's, with a link code from their /me."""
    return f"{_base(public_url)}/link?c={quote(code, safe='')}"
