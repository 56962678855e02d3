"""Build the bot's Dispatcher: storage, i18n, middlewares, routers, startup menu."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.utils.i18n import I18n

from bot.board import ProgressBoard
from bot.delivery import UpdateGate
from bot.handlers import build_routers
from bot.menus import set_default_menu
from bot.middlewares import LocaleMiddleware, PersonMiddleware
from bot.photos import EvidenceFolder
from campaigns import evidence

if TYPE_CHECKING:
    from campaigns.core import Core
    from campaigns.settings import Settings

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
FSM_PREFIX = "greentally:fsm"


def utc_now() -> datetime:
    return datetime.now(UTC)


def make_i18n(settings: Settings) -> I18n:
    return I18n(path=LOCALES, default_locale=settings.default_language, domain=DOMAIN)


def make_storage(settings: Settings) -> BaseStorage:
    """Redis when a Redis URL is set (several instances share conversations), else memory."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage  # noqa: PLC0415 - redis is optional

        # with_destiny: besides conversations, each chat keeps a record of its menu
        # (bot.menus) and of its personal QR code's file_id (bot.handlers.me).
        return RedisStorage.from_url(
            settings.redis_url,
            key_builder=DefaultKeyBuilder(prefix=FSM_PREFIX, with_destiny=True),
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
    """The bot: handlers get `core`, `settings`, `clock`, `person`, `photos`, `board` and
    `i18n` by name."""
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
        photos=EvidenceFolder(evidence.folder(settings.data_dir), core.tz, core.secret.encode()),
    )
    # Inside the chat's lock (aiogram's FSM middleware, registered first): an update with
    # no one behind it is dropped, one already handled too, a group's is answered there;
    # the others run to the end.
    dp.update.outer_middleware(UpdateGate(shared=settings.redis_url is not None))
    # On a webhook any number of instances may serve the bot: read people afresh.
    dp.update.outer_middleware(PersonMiddleware(cached=settings.webhook_secret is None))
    locale = LocaleMiddleware(i18n)
    dp.update.outer_middleware(locale)
    dp.errors.outer_middleware(locale)  # refusals are answered in the person's language too
    dp.include_routers(*build_routers())
    dp.startup.register(set_default_menu)
    return dp
