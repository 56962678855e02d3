"""The one place errors become words: a refusal from the core, or our own failure."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from bot import render
from bot.handlers.common import answer_callback
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
        await answer_callback(callback)
        if isinstance(callback.message, Message):
            await callback.message.answer(text)


@router.error(ExceptionTypeFilter(Refused))
async def refused(event: ErrorEvent, core: Core, clock: Callable[[], datetime]) -> None:
    exc = event.exception
    assert isinstance(exc, Refused)
    await reply(event, render.refusal(exc, tz=core.tz, now=clock()))


@router.error(ExceptionTypeFilter(TelegramAPIError), F.exception.message.contains("not modified"))
async def not_modified(event: ErrorEvent) -> None:
    """A double tap asked for the text already shown: nothing to tell anyone."""
    if event.update.callback_query is not None:
        await answer_callback(event.update.callback_query)


@router.error(ExceptionTypeFilter(TelegramForbiddenError))
async def blocked(event: ErrorEvent) -> None:
    """The person blocked the bot: no one to tell, and a redelivery would not help."""
    log.info("Update %s: the bot is blocked by the person", event.update.update_id)


@router.error()
async def unexpected(event: ErrorEvent) -> Any:
    """Our failure: say sorry, and leave the update unhandled, so that the webhook answers
    Telegram with an error and its redelivery runs the update again (polling logs it)."""
    try:
        await reply(
            event, _("Sorry, something went wrong on our side. Please try again in a minute.")
        )
    except TelegramAPIError:
        log.warning("Could not tell the person about the failure", exc_info=True)
    return UNHANDLED
