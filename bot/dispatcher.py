"""Build the bot's Dispatcher: storage, i18n, middlewares, routers, startup menu."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import BotCommand, MenuButtonWebApp, WebAppInfo
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import texts
from bot.board import ProgressBoard
from bot.handlers import build_router
from bot.middlewares import LocaleMiddleware, PersonMiddleware
from campaigns import links

if TYPE_CHECKING:
    from campaigns.core import Core
    from greentally.settings import Settings

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
MENU_COMMANDS = (
    "checkin",
    "trip",
    "plate",
    "me",
    "progress",
    "top",
    "volunteer",
    "login",
    "lang",
    "help",
    "cancel",
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def make_i18n(settings: Settings) -> I18n:
    return I18n(path=LOCALES, default_locale=settings.default_language, domain=DOMAIN)


def make_storage(settings: Settings) -> BaseStorage:
    """Redis when a Redis URL is set (several instances share conversations), else memory."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage  # noqa: PLC0415 - redis is optional

        return RedisStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(prefix="greentally:fsm")
        )
    return MemoryStorage()


def make_isolation(storage: BaseStorage) -> BaseEventIsolation:
    """Handle one update per chat at a time, across instances when the storage is shared."""
    create = getattr(storage, "create_isolation", None)
    return create() if create is not None else SimpleEventIsolation()


def build_dispatcher(
    core: Core,
    settings: Settings,
    storage: BaseStorage | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    i18n: I18n | None = None,
) -> Dispatcher:
    """The bot: handlers get `core`, `settings`, `clock`, `person` and `i18n` by name."""
    storage = storage if storage is not None else make_storage(settings)
    i18n = i18n or make_i18n(settings)
    dp = Dispatcher(
        storage=storage,
        events_isolation=make_isolation(storage),
        core=core,
        settings=settings,
        clock=clock,
        i18n=i18n,
        board=ProgressBoard(),
    )
    dp.update.outer_middleware(PersonMiddleware())
    locale = LocaleMiddleware(i18n)
    dp.update.outer_middleware(locale)
    dp.errors.outer_middleware(locale)  # refusals are answered in the person's language too
    dp.include_router(build_router())
    dp.startup.register(set_menu)
    return dp


async def set_menu(bot: Bot, i18n: I18n, settings: Settings) -> None:
    """The command list in each language, and the Mini App button when the web is on https."""
    for locale in (None, *i18n.available_locales):
        with i18n.context(), i18n.use_locale(locale or i18n.default_locale):
            commands = [
                BotCommand(command=name, description=_(texts.COMMANDS[name]))
                for name in MENU_COMMANDS
            ]
        await bot.set_my_commands(commands, language_code=locale)
    if settings.public_url.startswith("https://"):
        with i18n.context(), i18n.use_locale(i18n.default_locale):
            label = _("Open form")
        await bot.set_chat_menu_button(
            menu_button=MenuButtonWebApp(
                text=label,
                web_app=WebAppInfo(url=links.mini_app_url(settings.public_url)),
            )
        )
