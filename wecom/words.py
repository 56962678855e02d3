"""What the WeCom door says: the Telegram bot's own words for the core's results
(bot/render.py, from the shared catalog), spoken in the person's language. Nothing is
worded here twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from aiogram.utils.i18n import I18n

from bot import render, texts
from bot.menus import WEB_FORM

LOCALES = Path(__file__).resolve().parent.parent / "locales"
T = TypeVar("T")

__all__ = ["WEB_FORM", "Speaker", "render", "texts"]


class Speaker:
    """The catalog, in one language at a time (aiogram's I18n, as the bot uses it)."""

    def __init__(self, default_language: str = "zh") -> None:
        self.i18n = I18n(path=LOCALES, default_locale=default_language, domain="messages")

    @contextmanager
    def speaking(self, language: str | None) -> Iterator[None]:
        known = language if language in self.i18n.available_locales else None
        with self.i18n.context(), self.i18n.use_locale(known or self.i18n.default_locale):
            yield

    def say(self, language: str | None, words: Callable[[], T]) -> T:
        with self.speaking(language):
            return words()

    def gettext(self, msgid: str) -> str:
        return self.i18n.gettext(msgid)
