"""/trip: a green trip through the FSM — mode → km → (optional photo) → confirm."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards, render, texts
from bot.callbacks import TripCb
from bot.filters import MenuText
from bot.handlers.common import clear_flow, lang, parse_number, require_person, save_evidence
from bot.states import Trip
from campaigns import actions
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Channel, PersonView
from greentally.settings import Settings

router = Router(name=__name__)

# Refusals that mean "type another distance" rather than "start again".
RETYPE_KM = {Reason.IMPLAUSIBLE_DISTANCE, Reason.INVALID_QUANTITY}


@router.message(Command("trip"))
@router.message(MenuText(texts.MENU_TRIP))
async def ask_mode(
    message: Message, person: PersonView | None, state: FSMContext, core: Core
) -> None:
    if await require_person(message, person, state) is None:
        return
    await clear_flow(state)
    await state.set_state(Trip.mode)
    await message.answer(
        _("🚲 How did you travel today?"), reply_markup=keyboards.modes(core.rules.modes)
    )


@router.callback_query(Trip.mode, TripCb.filter(F.action == "mode"))
async def got_mode(callback: CallbackQuery, callback_data: TripCb, state: FSMContext) -> None:
    await state.update_data(mode=callback_data.mode)
    await state.set_state(Trip.km)
    await callback.answer()
    assert callback.message is not None
    await callback.message.edit_text(  # type: ignore[union-attr]
        _("By {mode}. How many kilometres? (For example 2.5)").format(
            mode=render.mode_name(callback_data.mode)
        ),
        reply_markup=keyboards.cancel(),
    )


@router.message(Trip.km, F.text, ~F.text.startswith("/"))
async def got_km(message: Message, state: FSMContext) -> None:
    km = parse_number(message.text or "")
    if km is None:
        await message.answer(
            _("Please type the distance as a number of kilometres, for example 2.5."),
            reply_markup=keyboards.cancel(),
        )
        return
    data = await state.update_data(km=km)
    await state.set_state(Trip.confirm)
    await message.answer(
        _("{km} km by {mode}. Send a photo as evidence if you like, then confirm.").format(
            km=render.number(km), mode=render.mode_name(data["mode"])
        ),
        reply_markup=keyboards.confirm_trip(),
    )


@router.message(Trip.confirm, F.photo)
async def got_photo(message: Message, state: FSMContext, bot: Bot, settings: Settings) -> None:
    path = await save_evidence(bot, message, settings)
    await state.update_data(evidence=path)
    await message.answer(
        _("📎 Photo attached. Tap Confirm to log the trip."), reply_markup=keyboards.confirm_trip()
    )


@router.callback_query(Trip.confirm, TripCb.filter(F.action == "ok"))
async def confirm(
    callback: CallbackQuery,
    state: FSMContext,
    person: PersonView | None,
    core: Core,
    clock: Callable[[], datetime],
) -> None:
    data = await state.get_data()
    assert callback.message is not None and person is not None
    now = clock()
    try:
        recorded = await actions.log_trip(
            core,
            person_id=person.id,
            mode=data["mode"],
            km=data["km"],
            day=core.today(now),
            now=now,
            channel=Channel.BOT,
            idempotency_key=f"tg:cb:{callback.id}:trip",
            evidence_path=data.get("evidence"),
        )
    except Refused as exc:
        if exc.reason in RETYPE_KM:
            await state.set_state(Trip.km)
        else:
            await clear_flow(state)
        raise
    await clear_flow(state)
    await callback.answer()
    await callback.message.edit_text(render.recorded(recorded, lang=lang()))  # type: ignore[union-attr]
