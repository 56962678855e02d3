"""The app's menu in WeCom, from the bot's own menu labels: ✅ 签到 (WeCom's scanner, the
result comes back as a scancode_waitmsg event), 记录行动 (the logging forms, signed in by
OAuth), and 👤 我的 (the person's page, signed in) with 📊 进度 (the goal)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from campaigns.labels import N_
from wecom.words import WEB_FORM, Speaker, texts

LOG_MENU = N_("Log an action")  # WeCom allows 16 bytes for a top-level name: no emoji


def signin_url(public_url: str, next_path: str) -> str:
    """A page of ours opened signed in (through /wecom/oauth, then WeCom's OAuth)."""
    return f"{public_url.rstrip('/')}/wecom/oauth?next={quote(next_path, safe='/')}"


def build_menu(speaker: Speaker, public_url: str, language: str | None = None) -> dict[str, Any]:
    with speaker.speaking(language):
        say = speaker.gettext
        return {
            "button": [
                {"type": "scancode_waitmsg", "name": say(texts.MENU_CHECKIN), "key": "checkin"},
                {
                    "name": say(LOG_MENU),
                    "sub_button": [
                        {
                            "type": "view",
                            "name": say(texts.MENU_TRIP),
                            "url": signin_url(public_url, f"{WEB_FORM}/trip"),
                        },
                        {
                            "type": "view",
                            "name": say(texts.MENU_PLATE),
                            "url": signin_url(public_url, f"{WEB_FORM}/plate"),
                        },
                        {
                            "type": "view",
                            "name": say(LOG_MENU),
                            "url": signin_url(public_url, WEB_FORM),
                        },
                    ],
                },
                {
                    "name": say(texts.MENU_ME),
                    "sub_button": [
                        {
                            "type": "view",
                            "name": say(texts.MENU_ME),
                            "url": signin_url(public_url, "/me"),
                        },
                        {"type": "click", "name": say(texts.MENU_PROGRESS), "key": "progress"},
                    ],
                },
            ]
        }
