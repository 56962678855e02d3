"""Filters: a reply-keyboard entry matches its label in any of our languages."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message
from aiogram.utils.i18n import get_i18n


class MenuText(Filter):
    """True when the message is the menu label `msgid` as shown in any language.

    A keyboard sent in Chinese keeps working after the person switches to English.
    """

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    async def __call__(self, message: Message) -> bool:
        if not message.text:
            return False
        i18n = get_i18n()
        labels = {self.msgid}
        labels.update(i18n.gettext(self.msgid, locale=code) for code in i18n.available_locales)
        return message.text in labels
