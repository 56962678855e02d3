"""Typed callback data for every inline button the bot shows (prefixes stay short: 64 bytes)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class UnitCb(CallbackData, prefix="u"):
    """A unit picked from a list (`page` turns the list instead when `unit_id` is 0)."""

    purpose: str  # "reg" (registration) or "canteen" (spot check)
    unit_id: int = 0
    page: int = 0


class TripCb(CallbackData, prefix="trip"):
    action: str  # "mode" | "ok"
    mode: str = ""
    entry: str = ""  # the trip entry the button belongs to (bot.handlers.trip)


class PlateCb(CallbackData, prefix="plate"):
    meal: str


class VolunteerCb(CallbackData, prefix="vol"):
    action: str  # "hours" | "heads" | "canteen"


class CanteenCb(CallbackData, prefix="cant"):
    passed: bool


class LangCb(CallbackData, prefix="lang"):
    code: str


class CancelCb(CallbackData, prefix="cancel"):
    pass


class PatrolCb(CallbackData, prefix="pat"):
    """A room's findings keyboard (issue 14): toggle a finding, all off, or save."""

    action: str  # "t" (toggle `key`) | "off" | "save"
    key: str = ""
