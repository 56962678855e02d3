"""/trip: a green trip through the FSM — mode → km → confirm; a photo is welcome at any step
(and "3" as its caption answers the km step)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards, render, texts
from bot.callbacks import TripCb
from bot.filters import INPUT, MenuText
from bot.handlers.common import (
    answer_callback,
    awaited_number,
    begin_flow,
    clear_flow,
    finish_flow,
    lang,
)
from bot.photos import EVIDENCE_KEY, PHOTO, EvidenceFolder
from bot.states import Trip
from campaigns import actions
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Channel, PersonView

router = Router(name=__name__)

# Refusals that mean "type another distance" rather than "start again".
RETYPE_KM = {Reason.IMPLAUSIBLE_DISTANCE, Reason.INVALID_QUANTITY}


@router.message(Command("trip"))
@router.message(MenuText(texts.MENU_TRIP))
async def ask_mode(
    message: Message,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    photos: EvidenceFolder,
) -> None:
    if await begin_flow(message, person, state, photos) is None:
        return
    await state.set_state(Trip.mode)
    await message.answer(
        _("🚲 How did you travel today?"), reply_markup=keyboards.modes(core.rules.modes)
    )


@router.message(Trip.mode, PHOTO)
async def photo_before_mode(
    message: Message, state: FSMContext, core: Core, photos: EvidenceFolder
) -> None:
    await photos.attach(message, state)
    await message.answer(
        _("📎 Photo attached. How did you travel?"), reply_markup=keyboards.modes(core.rules.modes)
    )


@router.callback_query(Trip.mode, TripCb.filter(F.action == "mode"))
async def got_mode(callback: CallbackQuery, callback_data: TripCb, state: FSMContext) -> None:
    await state.update_data(mode=callback_data.mode)
    await state.set_state(Trip.km)
    await answer_callback(callback)
    assert callback.message is not None
    await callback.message.edit_text(  # type: ignore[union-attr]
        _("By {mode}. How many kilometres? (For example 2.5)").format(
            mode=render.mode_name(callback_data.mode)
        ),
        reply_markup=keyboards.cancel(),
    )


@router.message(Trip.km, INPUT)
async def got_km(
    message: Message, state: FSMContext, photos: EvidenceFolder, typed: str | None = None
) -> None:
    km = await awaited_number(
        message, state, photos, typed,
        after_photo=_("📎 Photo attached. Now type the distance in kilometres, for example 2.5."),
        not_a_number=_("Please type the distance as a number of kilometres, for example 2.5."),
        reply_markup=keyboards.cancel(),
    )  # fmt: skip
    if km is None:
        return
    data = await state.update_data(km=km)
    await state.set_state(Trip.confirm)
    await message.answer(
        _("{km} km by {mode}. Send a photo as evidence if you like, then confirm.").format(
            km=render.number(km), mode=render.mode_name(data["mode"])
        ),
        reply_markup=keyboards.confirm_trip(),
    )


@router.message(Trip.confirm, PHOTO)
async def got_photo(message: Message, state: FSMContext, photos: EvidenceFolder) -> None:
    await photos.attach(message, state)
    await message.answer(
        _("📎 Photo attached. Tap Confirm to log the trip."), reply_markup=keyboards.confirm_trip()
    )


@router.callback_query(Trip.confirm, TripCb.filter(F.action == "ok"))
async def confirm(
    callback: CallbackQuery,
    *,
    state: FSMContext,
    person: PersonView | None,
    core: Core,
    clock: Callable[[], datetime],
    photos: EvidenceFolder,
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
            evidence_path=data.get(EVIDENCE_KEY),
        )
    except Refused as exc:
        if exc.reason in RETYPE_KM:
            await state.set_state(Trip.km)  # the photo stays attached
        else:
            await clear_flow(state, photos)
        raise
    await photos.logged(state, data)
    await answer_callback(callback)
    await callback.message.edit_text(render.recorded(recorded, lang=lang()))  # type: ignore[union-attr]
    await finish_flow(state)  # after the answer: a redelivery replays it (idempotency key)
