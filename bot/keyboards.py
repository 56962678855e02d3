"""Inline and reply keyboards; every label is translated in the person's language."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot import texts
from bot.callbacks import (
    CancelCb,
    CanteenCb,
    LangCb,
    PlateCb,
    TripCb,
    UnitCb,
    VolunteerCb,
)
from campaigns import labels
from campaigns.results import UnitView

UNITS_PER_PAGE = 8


def main_menu(*, volunteer: bool = False) -> ReplyKeyboardMarkup:
    """The reply-keyboard menu in the current language (built once per language)."""
    return _main_menu(get_i18n().current_locale, volunteer)


@functools.cache
def _main_menu(locale: str, volunteer: bool) -> ReplyKeyboardMarkup:
    # Building a keyboard deep-copies every button: it showed up in the check-in benchmark.
    builder = ReplyKeyboardBuilder()
    builder.button(text=_(texts.MENU_CHECKIN))
    builder.button(text=_(texts.MENU_TRIP))
    builder.button(text=_(texts.MENU_PLATE))
    builder.button(text=_(texts.MENU_ME))
    builder.button(text=_(texts.MENU_PROGRESS))
    if volunteer:
        builder.button(text=_(texts.MENU_VOLUNTEER))
    builder.button(text=_(texts.MENU_HELP))
    builder.adjust(3, 3, 2)
    return builder.as_markup(resize_keyboard=True, is_persistent=True)


def cancel() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✖ Cancel"), callback_data=CancelCb())
    return builder.as_markup()


def units(
    found: Sequence[UnitView], *, purpose: str, lang: str, page: int = 0
) -> InlineKeyboardMarkup:
    """One button per unit, a page at a time, with ◀ ▶ when the list is longer."""
    builder = InlineKeyboardBuilder()
    start = page * UNITS_PER_PAGE
    for unit in found[start : start + UNITS_PER_PAGE]:
        builder.button(text=unit.name(lang), callback_data=UnitCb(purpose=purpose, unit_id=unit.id))
    builder.adjust(1)
    nav = InlineKeyboardBuilder()
    if page > 0:
        nav.button(text="◀", callback_data=UnitCb(purpose=purpose, page=page - 1))
    if start + UNITS_PER_PAGE < len(found):
        nav.button(text="▶", callback_data=UnitCb(purpose=purpose, page=page + 1))
    nav.button(text=_("✖ Cancel"), callback_data=CancelCb())
    builder.attach(nav)
    return builder.as_markup()


def modes(available: Iterable[str], *, entry: str = "") -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for mode in available:
        label = labels.MODE_BUTTONS.get(mode)
        builder.button(
            text=_(label) if label else mode,
            callback_data=TripCb(action="mode", mode=mode, entry=entry),
        )
    builder.adjust(2)
    builder.row(*cancel().inline_keyboard[0])
    return builder.as_markup()


def confirm_trip(*, entry: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✔ Confirm"), callback_data=TripCb(action="ok", entry=entry))
    builder.button(text=_("✖ Cancel"), callback_data=CancelCb())
    return builder.as_markup()


def meals(available: Iterable[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for meal in available:
        label = labels.MEAL_LABELS.get(meal)
        builder.button(text=_(label) if label else meal, callback_data=PlateCb(meal=meal))
    builder.adjust(3)
    builder.row(*cancel().inline_keyboard[0])
    return builder.as_markup()


def volunteer_menu() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⏱ Service hours"), callback_data=VolunteerCb(action="hours"))
    builder.button(text=_("👥 Booth headcount"), callback_data=VolunteerCb(action="heads"))
    builder.button(text=_("🍽 Canteen spot check"), callback_data=VolunteerCb(action="canteen"))
    builder.adjust(1)
    return builder.as_markup()


def canteen_result() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("👍 Passed"), callback_data=CanteenCb(passed=True))
    builder.button(text=_("👎 Not passed"), callback_data=CanteenCb(passed=False))
    builder.adjust(2)
    builder.row(*cancel().inline_keyboard[0])
    return builder.as_markup()


def languages() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, name in texts.LANGUAGE_NAMES.items():
        builder.button(text=name, callback_data=LangCb(code=code))
    return builder.as_markup()
