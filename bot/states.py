"""One StatesGroup per conversation; `/cancel` clears whichever is active."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Register(StatesGroup):
    name = State()
    unit = State()
    verifier = State()  # the roster has this name: staff number or phone's last four


class CheckIn(StatesGroup):
    code = State()


class Trip(StatesGroup):
    mode = State()
    km = State()
    confirm = State()


class Plate(StatesGroup):
    meal = State()


class Service(StatesGroup):
    hours = State()


class Headcount(StatesGroup):
    code = State()
    heads = State()


class Canteen(StatesGroup):
    unit = State()
    result = State()


class Patrol(StatesGroup):
    room = State()  # waiting for a room label's code (or a findings keyboard's taps)
