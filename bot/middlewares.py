"""Update middlewares (who is writing, in which language) and the Bot API request
middlewares (flood control waited out, Telegram's refusals of stale edits survived)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.fsm.context import FSMContext
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
)
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel import Locale, UnknownLocaleError

from campaigns import people
from campaigns.results import PersonView

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod
    from aiogram.methods.base import TelegramType

    from bot.board import ProgressBoard
    from bot.photos import EvidenceFolder
    from campaigns.core import Core
    from campaigns.settings import Settings

log = logging.getLogger(__name__)

LANG_KEY = "lang"  # FSM data key: the language chosen before registering


class MiddlewareData(TypedDict, total=False):
    """What handlers may ask for by name."""

    core: Core
    settings: Settings
    clock: Callable[[], datetime]
    person: PersonView | None
    state: FSMContext
    photos: EvidenceFolder
    board: ProgressBoard
    i18n: I18n
    event_from_user: User


class PersonMiddleware(BaseMiddleware):
    """Look up the registered person behind the Telegram account, once per update.

    `cached`: the core keeps lookups a few seconds, which is right when one process serves
    the bot (polling); with several instances (webhook) another one's change to the person
    (language, role, deletion) must show at once, so each update reads afresh."""

    def __init__(self, *, cached: bool = True) -> None:
        self.cached = cached

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        person = None
        if user is not None and not user.is_bot:
            person = await people.find_by_telegram(data["core"], user.id, cached=self.cached)
            if person is not None and person.deleted:
                person = None
        data["person"] = person
        return await handler(event, data)


class LocaleMiddleware(I18nMiddleware):
    """The person's saved language, else the one picked before registering, else
    Telegram's language code (`zh-hans` → `zh`), else the default."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        available = self.i18n.available_locales
        person: PersonView | None = data.get("person")
        if person is not None and person.language in available:
            return person.language
        state: FSMContext | None = data.get("state")
        if person is None and state is not None:
            chosen = (await state.get_data()).get(LANG_KEY)
            if chosen in available:
                return str(chosen)
        user: User | None = data.get("event_from_user")
        if user is not None and user.language_code:
            code = telegram_locale(user.language_code, available)
            if code:
                return code
        return self.i18n.default_locale


def telegram_locale(language_code: str, available: tuple[str, ...]) -> str | None:
    """Map a Telegram language code to one of our catalogs, or None."""
    try:
        locale = Locale.parse(language_code.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError):
        return None
    for candidate in (str(locale), locale.language):
        if candidate in available:
            return candidate
    return None


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Wait out Telegram's flood control (429 `retry_after`) and send again.

    aiogram raises `TelegramRetryAfter` and never retries by itself. A wait longer than
    `max_wait` seconds, or more than `max_attempts` refusals in a row, is raised to the
    caller rather than holding the update forever.
    """

    def __init__(self, *, max_attempts: int = 3, max_wait: float = 60.0) -> None:
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.retried = 0

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        attempt = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                attempt += 1
                if attempt >= self.max_attempts or exc.retry_after > self.max_wait:
                    raise
                log.warning(
                    "Flood control on %s: waiting %ss (attempt %s)",
                    type(method).__name__,
                    exc.retry_after,
                    attempt,
                )
                self.retried += 1
                await asyncio.sleep(exc.retry_after)


# Telegram's words when an edit or a callback answer comes too late or changes nothing.
NOT_MODIFIED = "message is not modified"
GONE = ("message to edit not found", "message can't be edited")
TOO_OLD = ("query is too old", "query id is invalid")
EDITS = (EditMessageText, EditMessageReplyMarkup, EditMessageCaption)


def _survived() -> Response[Any]:
    """What Telegram answers an edit or a callback answer that worked: true. (The request
    middlewares pass on the method's result, whatever their annotation says.)"""
    return cast("Response[Any]", True)


class TelegramRefusalsMiddleware(BaseRequestMiddleware):
    """Telegram's refusals that say "too late" or "nothing to do" are logged and survived,
    never turned into a failed update (a webhook's 500, redelivered to fail again):

    - a callback answer to a query too old (a redelivered update's second answer);
    - an edit that changes nothing (a double tap);
    - an edit of a message gone or too old to edit: its text is sent as a new message, so
      the answer it carried (a logged trip, a registration) still reaches the person.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as exc:
            words = exc.message.lower()
            name = type(method).__name__
            if isinstance(method, AnswerCallbackQuery) and any(w in words for w in TOO_OLD):
                log.info("%s refused (%s): survived", name, exc.message)
                return _survived()
            if not isinstance(method, EDITS):
                raise
            if NOT_MODIFIED in words:
                log.info("%s changed nothing: survived", name)
                return _survived()
            if not any(w in words for w in GONE):
                raise
            if isinstance(method, EditMessageText) and method.chat_id is not None:
                log.info("%s refused (%s): sent as a new message", name, exc.message)
                resend = SendMessage(
                    chat_id=method.chat_id, text=method.text or "", reply_markup=method.reply_markup
                )
                return await make_request(bot, resend)  # type: ignore[arg-type]
            log.info("%s refused (%s): survived", name, exc.message)
            return _survived()
