"""Filters: a reply-keyboard entry matches its label in any of our languages; a step's
typed answer is a text or a photo's caption that is neither a command nor a menu entry."""

from __future__ import annotations

import functools
from typing import Any

from aiogram.filters import Filter, or_f
from aiogram.types import Message
from aiogram.utils.i18n import I18n, get_i18n

from bot import texts
from bot.photos import PHOTO


@functools.cache
def labels(i18n: I18n, msgid: str) -> frozenset[str]:
    """A menu label as shown in every language we speak."""
    return frozenset(
        {msgid, *(i18n.gettext(msgid, locale=code) for code in i18n.available_locales)}
    )


@functools.cache
def menu_labels(i18n: I18n) -> frozenset[str]:
    return frozenset().union(*(labels(i18n, msgid) for msgid in texts.MENU_ENTRIES))


class MenuText(Filter):
    """True when the message is the menu label `msgid` as shown in any language.

    A keyboard sent in Chinese keeps working after the person switches to English.
    """

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    async def __call__(self, message: Message) -> bool:
        return bool(message.text) and message.text in labels(get_i18n(), self.msgid)


class Typed(Filter):
    """The answer typed at a step, as `typed`: the text, or the caption of a photo sent
    with it. Commands and menu entries are not answers: they leave the flow instead."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        value = (message.text or message.caption or "").strip()
        if not value or value.startswith("/") or value in menu_labels(get_i18n()):
            return False
        return {"typed": value}


TYPED = Typed()
INPUT = or_f(TYPED, PHOTO)  # a typed answer, a photo, or both (a photo with a caption)
