"""The one place errors become words: a refusal from the core, or our own failure."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from bot import render
from campaigns.core import Core
from campaigns.errors import Refused

router = Router(name=__name__)
log = logging.getLogger(__name__)


async def reply(event: ErrorEvent, text: str) -> None:
    update = event.update
    if update.message is not None:
        await update.message.answer(text)
    elif update.callback_query is not None:
        callback: CallbackQuery = update.callback_query
        await callback.answer()
        if isinstance(callback.message, Message):
            await callback.message.answer(text)


@router.error(ExceptionTypeFilter(Refused))
async def refused(event: ErrorEvent, core: Core, clock: Callable[[], datetime]) -> None:
    exc = event.exception
    assert isinstance(exc, Refused)
    await reply(event, render.refusal(exc, tz=core.tz, now=clock()))


@router.error(ExceptionTypeFilter(TelegramAPIError), F.exception.message.contains("not modified"))
async def not_modified(event: ErrorEvent) -> None:
    """A double tap re-sent the same text: nothing to tell anyone."""


@router.error()
async def unexpected(event: ErrorEvent) -> None:
    log.error("Update %s failed", event.update.update_id, exc_info=event.exception)
    try:
        await reply(
            event, _("Sorry, something went wrong on our side. Please try again in a minute.")
        )
    except TelegramAPIError:
        log.warning("Could not tell the person about the failure", exc_info=True)
