"""Telegram's command menu and Mini App button: participants' commands in each language
and the button, set once at start; a volunteer's or organizer's own list (in their
language), and a button in a language other than the default, set on their chat only
when it changes (what was set is remembered in the FSM storage: shared through Redis,
kept across restarts)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)
from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _

from bot import texts
from campaigns import links
from campaigns.results import PersonView, Role

if TYPE_CHECKING:
    from campaigns.settings import Settings

PARTICIPANT = (
    "checkin",
    "trip",
    "plate",
    "canteen",
    "me",
    "link",
    "progress",
    "top",
    "lang",
    "help",
)
VOLUNTEER = ("volunteer", "patrol", "login")
ORGANIZER = ("stats",)
LAST = ("cancel",)
WEB_FORM = "/log"  # the Mini App opens the logging page (check-in is a poster scan away)


def command_names(person: PersonView | None) -> tuple[str, ...]:
    """The commands this person may use, in menu order."""
    names: tuple[str, ...] = PARTICIPANT
    if person is not None and person.can(Role.VOLUNTEER):
        names += VOLUNTEER
    if person is not None and person.can(Role.ORGANIZER):
        names += ORGANIZER
    return names + LAST


def _commands(names: tuple[str, ...]) -> list[BotCommand]:
    return [BotCommand(command=name, description=_(texts.COMMANDS[name])) for name in names]


def _menu_button(settings: Settings) -> MenuButtonWebApp | None:
    if not settings.public_url.startswith("https://"):  # Telegram opens Mini Apps on https only
        return None
    return MenuButtonWebApp(
        text=_("Open form"),
        web_app=WebAppInfo(url=links.mini_app_url(settings.public_url, next_path=WEB_FORM)),
    )


async def set_default_menu(bot: Bot, i18n: I18n, settings: Settings) -> None:
    """At start: the participants' commands in each language, and the Mini App button."""
    for locale in (None, *i18n.available_locales):
        with i18n.context(), i18n.use_locale(locale or i18n.default_locale):
            commands = _commands(command_names(None))
        await bot.set_my_commands(commands, language_code=locale)
    with i18n.context(), i18n.use_locale(i18n.default_locale):
        button = _menu_button(settings)
    if button is not None:
        await bot.set_chat_menu_button(menu_button=button)


MENU_DESTINY = "menu"  # the FSM storage record of what this chat's menu was set to


def menu_key(state: FSMContext) -> StorageKey:
    return dataclasses.replace(state.key, destiny=MENU_DESTINY)


async def sync_chat_menu(
    bot: Bot, person: PersonView, settings: Settings, state: FSMContext
) -> None:
    """This person's commands and Mini App button on their chat, in the current language,
    sent to Telegram only when they differ from what the chat has (checked on
    registration, /start, /help and a language change; never on the check-in path).

    Participants see the default list of their language (set at start): their chat gets
    no list of its own, and loses one it had (a volunteer made participant again)."""
    if person.telegram_id is None:
        return
    chat = person.telegram_id
    i18n = get_i18n()
    names = command_names(person)
    wanted = {
        "commands": f"{i18n.current_locale}:{','.join(names)}"
        if names != command_names(None)
        else "",
        "button": i18n.current_locale if i18n.current_locale != i18n.default_locale else "",
    }
    key = menu_key(state)
    have = await state.storage.get_data(key)
    if have.get("commands", "") != wanted["commands"]:
        scope = BotCommandScopeChat(chat_id=chat)
        if wanted["commands"]:
            await bot.set_my_commands(_commands(names), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    button = _menu_button(settings)
    if button is not None and have.get("button", "") != wanted["button"]:
        await bot.set_chat_menu_button(
            chat_id=chat, menu_button=button if wanted["button"] else MenuButtonDefault()
        )
    if have != wanted:
        await state.storage.set_data(key, wanted)
