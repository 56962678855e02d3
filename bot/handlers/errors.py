"""The one place errors become words: a refusal from the core, or our own failure.

Telegram's refusals of a stale edit or callback answer never get here: the Bot API session
survives them (bot.middlewares.TelegramRefusalsMiddleware)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from bot import render
from bot.delivery import UpdateFailed
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


@router.error(ExceptionTypeFilter(UpdateFailed))
async def already_answered(event: ErrorEvent) -> Any:
    """Raised by bot.delivery after this router had its say: leave it failed."""
    return UNHANDLED


@router.error(ExceptionTypeFilter(Refused))
async def refused(event: ErrorEvent, core: Core, clock: Callable[[], datetime]) -> None:
    exc = event.exception
    assert isinstance(exc, Refused)
    await reply(event, render.refusal(exc, tz=core.tz, now=clock()))


@router.error(ExceptionTypeFilter(TelegramForbiddenError))
async def blocked(event: ErrorEvent) -> None:
    """The person blocked the bot: no one to tell, and a redelivery would not help."""
    log.info("Update %s: the bot is blocked by the person", event.update.update_id)


@router.error(ExceptionTypeFilter(TelegramServerError, TelegramNetworkError, TelegramRetryAfter))
async def telegram_trouble(event: ErrorEvent) -> Any:
    """Telegram could not take a reply (its own trouble, or flood control past our wait):
    no apology (it would not get through either, and nothing is wrong on our side); the
    update fails, so it runs again and the person hears the answer then."""
    log.warning("Update %s: Telegram refused a reply: %s", event.update.update_id, event.exception)
    return UNHANDLED


@router.error()
async def unexpected(event: ErrorEvent) -> Any:
    """Our failure: say sorry, and leave the update unhandled, so that it runs again (the
    webhook answers Telegram with an error; the poller tries again)."""
    log.error("Update %s failed", event.update.update_id, exc_info=event.exception)
    try:
        await reply(
            event, _("Sorry, something went wrong on our side. Please try again in a minute.")
        )
    except Exception:  # the apology is best effort
        log.warning("Could not tell the person about the failure", exc_info=True)
    return UNHANDLED
