"""/trip: a green trip through the FSM — mode → km → confirm.

The distance is checked where it is typed (the core's own bound for the mode), and a
distance typed again at the confirm step corrects it. Each step says what it expects when
something else arrives. A photo is welcome at any step (and "3" as its caption answers the
km step); it is acknowledged. Each summary carries an entry id on its Confirm button: a
Confirm from an older summary (before a correction, or of an earlier /trip) answers that
its entry was replaced, and never logs what the flow holds now."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import conversation, keyboards, render, texts
from bot.callbacks import TripCb
from bot.filters import INPUT, TYPED, MenuText
from bot.handlers.common import (
    answer_callback,
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
from campaigns.results import Channel, PersonView

router = Router(name=__name__)

ENTRY = "entry"  # FSM data: the id the current summary's (or mode list's) buttons carry


def new_entry() -> str:
    return secrets.token_urlsafe(6)


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
    entry = new_entry()
    await state.set_state(Trip.mode)
    await state.update_data({ENTRY: entry})
    await message.answer(
        _("🚲 How did you travel today?"),
        reply_markup=keyboards.modes(core.rules.modes, entry=entry),
    )


@router.message(Trip.mode, INPUT)
async def not_a_mode(
    message: Message, state: FSMContext, core: Core, photos: EvidenceFolder
) -> None:
    """The mode step takes a button: a photo is attached, words get told so."""
    attached = await photos.attach(message, state)
    if attached and not (message.caption or "").strip():
        text = _("📎 Photo attached. How did you travel?")
    else:
        text = _(conversation.EXPECTS["trip.mode"])
        if attached:
            text = _("📎 Photo attached.") + "\n" + text
    entry = (await state.get_data()).get(ENTRY, "")
    await message.answer(text, reply_markup=keyboards.modes(core.rules.modes, entry=entry))


@router.callback_query(StateFilter(Trip.mode, Trip.km), TripCb.filter(F.action == "mode"))
async def got_mode(
    callback: CallbackQuery, callback_data: TripCb, state: FSMContext, core: Core
) -> None:
    data = await state.get_data()
    if callback_data.entry != data.get(ENTRY):
        await replaced(callback)
        return
    mode = core.rules.modes.get(callback_data.mode)
    if mode is None:
        await answer_callback(callback)
        return
    await state.update_data(mode=mode.name)
    await state.set_state(Trip.km)
    await answer_callback(callback)
    assert callback.message is not None
    await callback.message.edit_text(  # type: ignore[union-attr]
        _(
            "By {mode}. How many kilometres? Type a number, for example 2.5 (at most {max} km)."
        ).format(mode=render.mode_name(mode.name), max=render.number(mode.max_km)),
        reply_markup=keyboards.cancel(),
    )


@router.message(Trip.km, INPUT)
async def got_km(
    message: Message,
    state: FSMContext,
    core: Core,
    photos: EvidenceFolder,
    typed: str | None = None,
) -> None:
    attached = await photos.attach(message, state)
    if typed is None:
        await message.answer(
            _("📎 Photo attached. Now type the distance in kilometres, for example 2.5."),
            reply_markup=keyboards.cancel(),
        )
        return
    await take_km(message, state, core, typed=typed, attached=attached)


@router.message(Trip.confirm, PHOTO, ~TYPED)
async def photo_at_confirm(message: Message, state: FSMContext, photos: EvidenceFolder) -> None:
    await photos.attach(message, state)
    entry = (await state.get_data()).get(ENTRY, "")
    await message.answer(
        _("📎 Photo attached. Tap Confirm to log the trip."),
        reply_markup=keyboards.confirm_trip(entry=entry),
    )


@router.message(Trip.confirm, TYPED)
async def typed_at_confirm(
    message: Message, typed: str, state: FSMContext, core: Core, photos: EvidenceFolder
) -> None:
    """A number corrects the distance (a new summary); anything else is told what the
    step takes."""
    attached = await photos.attach(message, state)
    if conversation.parse_number(typed) is not None:
        await take_km(message, state, core, typed=typed, attached=attached)
        return
    entry = (await state.get_data()).get(ENTRY, "")
    await message.answer(
        _(conversation.EXPECTS["trip.confirm"]), reply_markup=keyboards.confirm_trip(entry=entry)
    )


async def take_km(
    message: Message, state: FSMContext, core: Core, *, typed: str, attached: bool
) -> None:
    """Read and check the distance; a summary to confirm, or words saying what to type."""
    data = await state.get_data()
    mode = str(data.get("mode", ""))
    try:
        km = conversation.trip_km(core.rules, mode=mode, typed=typed)
    except Refused as exc:
        await message.answer(
            render.refusal(exc, tz=core.tz, now=message.date)
            + "\n"
            + _("Type the distance again, or ✖ Cancel."),
            reply_markup=keyboards.cancel(),
        )
        return
    if km is None:
        await message.answer(
            _("Please type the distance as a number of kilometres, for example 2.5."),
            reply_markup=keyboards.cancel(),
        )
        return
    entry = new_entry()
    await state.update_data({"km": km, ENTRY: entry})
    await state.set_state(Trip.confirm)
    lines = [_("📎 Photo attached.")] if attached else []
    lines.append(
        _(
            "{km} km by {mode}. Tap ✔ Confirm to log it, or type another distance to "
            "correct it. A photo as evidence is welcome."
        ).format(km=render.number(km), mode=render.mode_name(mode))
    )
    await message.answer("\n".join(lines), reply_markup=keyboards.confirm_trip(entry=entry))


@router.callback_query(Trip.confirm, TripCb.filter(F.action == "ok"))
async def confirm(
    callback: CallbackQuery,
    *,
    callback_data: TripCb,
    state: FSMContext,
    person: PersonView | None,
    core: Core,
    clock: Callable[[], datetime],
    photos: EvidenceFolder,
) -> None:
    data = await state.get_data()
    if callback_data.entry != data.get(ENTRY):
        await replaced(callback)
        return
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
            idempotency_key=f"tg:{callback.message.chat.id}:trip:{callback_data.entry}",
            evidence_path=data.get(EVIDENCE_KEY),
        )
    except Refused:
        await clear_flow(state, photos)
        raise
    await photos.logged(state, data)
    await answer_callback(callback)
    await callback.message.edit_text(render.recorded(recorded, lang=lang()))  # type: ignore[union-attr]
    await finish_flow(state)  # after the answer: a redelivery replays it (idempotency key)


async def replaced(callback: CallbackQuery) -> None:
    await callback.answer(
        _("This entry was replaced by a newer one: use the latest message."), show_alert=True
    )


@router.callback_query(TripCb.filter())
async def old_trip_button(callback: CallbackQuery, raw_state: str | None = None) -> None:
    """A trip button from an older summary or list: its entry was replaced by a newer
    one in this trip flow, or the flow is over."""
    if raw_state is not None and raw_state.startswith("Trip:"):
        await replaced(callback)
        return
    await callback.answer(_("This button has expired. Please start again."), show_alert=True)
