"""/volunteer: service hours and a booth headcount (volunteers only); the canteen spot check
starts here and runs in bot.handlers.canteen. A photo is welcome at every step, and its
caption answers the step's question."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards, render, texts
from bot.callbacks import VolunteerCb
from bot.conversation import event_code
from bot.filters import INPUT, MenuText
from bot.handlers.canteen import begin_check
from bot.handlers.common import (
    answer_callback,
    awaited_number,
    begin_flow,
    clear_flow,
    finish_flow,
    lang,
    message_key,
)
from bot.photos import EVIDENCE_KEY, EvidenceFolder
from bot.states import Headcount, Service
from campaigns import actions, catalog
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Channel, PersonView, Recorded, Role

router = Router(name=__name__)

# Refusals after which the person types another number rather than starting again.
RETYPE_HOURS = {Reason.INVALID_QUANTITY, Reason.TOO_MANY_HOURS}
RETYPE_HEADS = {Reason.INVALID_QUANTITY, Reason.OVER_CAPACITY}


@router.message(Command("volunteer"))
@router.message(MenuText(texts.MENU_VOLUNTEER))
async def menu(
    message: Message, person: PersonView | None, state: FSMContext, photos: EvidenceFolder
) -> None:
    person = await begin_flow(message, person, state, photos)
    if person is None:
        return
    if not person.can(Role.VOLUNTEER):
        # Only which menu to show; the core refuses a participant's volunteer entries anyway.
        await message.answer(
            _("This menu is for volunteers. Ask your organizer to add you as a volunteer.")
        )
        return
    await message.answer(
        _("🙋 What would you like to log?"), reply_markup=keyboards.volunteer_menu()
    )


@router.callback_query(VolunteerCb.filter())
async def pick(
    callback: CallbackQuery,
    callback_data: VolunteerCb,
    state: FSMContext,
    core: Core,
    photos: EvidenceFolder,
) -> None:
    await clear_flow(state, photos)
    await answer_callback(callback)
    assert callback.message is not None
    edit = callback.message.edit_text  # type: ignore[union-attr]
    if callback_data.action == "hours":
        await state.set_state(Service.hours)
        await edit(_("⏱ How many hours of service today?"), reply_markup=keyboards.cancel())
    elif callback_data.action == "heads":
        await state.set_state(Headcount.code)
        await edit(
            _("👥 Type the code of the event where you counted (printed under the poster's QR)."),
            reply_markup=keyboards.cancel(),
        )
    else:
        await begin_check(edit, state, core)


async def _log(
    message: Message,
    state: FSMContext,
    photos: EvidenceFolder,
    *,
    retype: set[Reason],
    act: Callable[[dict[str, Any]], Awaitable[Recorded]],
) -> None:
    """Run the core call with the flow's data and answer. A refusal in `retype` keeps the
    flow (and its photo) for another number; any other ends it."""
    data = await state.get_data()
    try:
        recorded = await act(data)
    except Refused as exc:
        if exc.reason not in retype:
            await clear_flow(state, photos)
        raise
    await photos.logged(state, data)
    await message.answer(render.recorded(recorded, lang=lang()))
    await finish_flow(state)  # after the answer: a redelivery replays it (idempotency key)


@router.message(Service.hours, INPUT)
async def got_hours(
    message: Message,
    *,
    state: FSMContext,
    person: PersonView | None,
    core: Core,
    clock: Callable[[], datetime],
    photos: EvidenceFolder,
    typed: str | None = None,
) -> None:
    hours = await awaited_number(
        message,
        state,
        photos,
        typed,
        after_photo=_("📎 Photo attached. Now type the hours."),
        not_a_number=_("Please type the hours as a number, for example 2 or 1.5."),
    )
    if hours is None:
        return
    assert person is not None
    now = clock()
    await _log(
        message,
        state,
        photos,
        retype=RETYPE_HOURS,
        act=lambda data: actions.log_service(
            core,
            volunteer_id=person.id,
            hours=hours,
            day=core.today(now),
            now=now,
            channel=Channel.BOT,
            idempotency_key=message_key(message, "service"),
            evidence_path=data.get(EVIDENCE_KEY),
        ),
    )


@router.message(Headcount.code, INPUT)
async def got_event(
    message: Message,
    state: FSMContext,
    core: Core,
    photos: EvidenceFolder,
    typed: str | None = None,
) -> None:
    await photos.attach(message, state)
    code = event_code(typed) if typed is not None else None
    if code is None:
        await message.answer(
            _("📎 Photo attached. Now type the event code printed under the poster's QR.")
            if typed is None
            else _("That does not look like an event code. Type the code under the poster's QR."),
            reply_markup=keyboards.cancel(),
        )
        return
    event = await catalog.get_event(core, code=code)  # refuses an unknown code; the step stays
    await state.update_data(code=code)
    await state.set_state(Headcount.heads)
    await message.answer(
        _("{event}: how many people visited the booth? You may send a photo first.").format(
            event=event.title(lang())
        ),
        reply_markup=keyboards.cancel(),
    )


@router.message(Headcount.heads, INPUT)
async def got_heads(
    message: Message,
    *,
    state: FSMContext,
    person: PersonView | None,
    core: Core,
    clock: Callable[[], datetime],
    photos: EvidenceFolder,
    typed: str | None = None,
) -> None:
    heads = await awaited_number(
        message,
        state,
        photos,
        typed,
        after_photo=_("📎 Photo attached. Now type the number of people."),
        not_a_number=_("Please type the number of people, for example 35."),
    )
    if heads is None:
        return
    assert person is not None
    # A whole number above zero, or the core refuses INVALID_QUANTITY.
    await _log(
        message,
        state,
        photos,
        retype=RETYPE_HEADS,
        act=lambda data: actions.log_headcount(
            core,
            volunteer_id=person.id,
            code=data["code"],
            heads=heads,
            now=clock(),
            channel=Channel.BOT,
            idempotency_key=message_key(message, "headcount"),
            evidence_path=data.get(EVIDENCE_KEY),
        ),
    )
