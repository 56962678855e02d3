"""Canteen checks: a canteen's self-evaluation (/canteen, by its own staff) and a volunteer's
spot check (from /volunteer). A self-evaluation is of the person's own unit's canteen, so
that one is asked about at once (or the person is told their unit has none); a spot check
offers every unit that runs a canteen. Who may check which canteen is the core's call, and
its refusal sends the person back to the start of the check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import conversation, keyboards, render
from bot.callbacks import CanteenCb, UnitCb
from bot.filters import INPUT, TYPED
from bot.handlers.common import (
    answer_callback,
    answer_unit_search,
    begin_flow,
    clear_flow,
    finish_flow,
    lang,
    units_for,
)
from bot.photos import EVIDENCE_KEY, PHOTO, EvidenceFolder
from bot.states import Canteen
from campaigns import actions, catalog
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.labels import N_
from campaigns.results import Channel, PersonView, UnitView

router = Router(name=__name__)

Send = Callable[..., Awaitable[Any]]
ASK_RESULT = {
    "self": N_("{unit}: did the canteen pass its self-evaluation? You may send a photo first."),
    "spot": N_("{unit}: did the canteen pass the spot check? You may send a photo first."),
}


async def begin_check(send: Send, state: FSMContext, core: Core) -> None:
    """The unit step of a spot check, every canteen offered; a photo already sent stays."""
    await state.set_state(Canteen.unit)
    await state.update_data(kind="spot", unit_query="")
    found = await units_for(core, "canteen", "")
    await send(
        _("🍽 Which unit's canteen did you check? Type part of its name, or pick it below."),
        reply_markup=keyboards.units(found, purpose="canteen", lang=lang()),
    )


async def own_canteen(core: Core, person: PersonView) -> UnitView | None:
    """The canteen a person may self-evaluate: their own unit's, if it runs one."""
    unit = await catalog.get_unit(core, person.unit_id) if person.unit_id is not None else None
    return unit if unit is not None and unit.has_canteen else None


async def begin_self_evaluation(
    send: Send, state: FSMContext, core: Core, person: PersonView, photos: EvidenceFolder
) -> None:
    """Straight to the result for the person's own canteen (a photo already sent stays), or
    words saying their unit has none, and the flow ends."""
    unit = await own_canteen(core, person)
    if unit is None:
        await clear_flow(state, photos)
        await send(_("Your unit has no canteen on record, so there is nothing to evaluate."))
        return
    await state.set_state(Canteen.result)
    await state.update_data(kind="self", unit_id=unit.id)
    await send(
        _(ASK_RESULT["self"]).format(unit=unit.name(lang())),
        reply_markup=keyboards.canteen_result(),
    )


@router.message(Command("canteen"))
async def self_evaluation(
    message: Message,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    photos: EvidenceFolder,
) -> None:
    person = await begin_flow(message, person, state, photos)
    if person is None:
        return
    await begin_self_evaluation(message.answer, state, core, person, photos)


@router.message(Canteen.unit, INPUT)
async def search_canteen(
    message: Message,
    state: FSMContext,
    core: Core,
    photos: EvidenceFolder,
    typed: str | None = None,
) -> None:
    await photos.attach(message, state)
    if typed is None:
        await message.answer(
            _("📎 Photo attached. Now pick the unit, or type part of its name."),
            reply_markup=keyboards.cancel(),
        )
        return
    await answer_unit_search(message, state, core, purpose="canteen", query=typed)


@router.callback_query(Canteen.unit, UnitCb.filter(F.purpose == "canteen"))
async def got_canteen(
    callback: CallbackQuery, callback_data: UnitCb, state: FSMContext, core: Core
) -> None:
    unit = await catalog.get_unit(core, callback_data.unit_id)
    data = await state.update_data(unit_id=unit.id)
    await state.set_state(Canteen.result)
    await answer_callback(callback)
    assert callback.message is not None
    await callback.message.edit_text(  # type: ignore[union-attr]
        _(ASK_RESULT[data.get("kind", "spot")]).format(unit=unit.name(lang())),
        reply_markup=keyboards.canteen_result(),
    )


@router.message(Canteen.result, PHOTO)
async def result_photo(message: Message, state: FSMContext, photos: EvidenceFolder) -> None:
    await photos.attach(message, state)
    await message.answer(
        _("📎 Photo attached. Now tap the result."), reply_markup=keyboards.canteen_result()
    )


@router.message(Canteen.result, TYPED)
async def not_a_result(message: Message) -> None:
    await message.answer(
        _(conversation.EXPECTS["canteen.result"]), reply_markup=keyboards.canteen_result()
    )


@router.callback_query(Canteen.result, CanteenCb.filter())
async def got_result(
    callback: CallbackQuery,
    *,
    callback_data: CanteenCb,
    state: FSMContext,
    person: PersonView | None,
    core: Core,
    clock: Callable[[], datetime],
    photos: EvidenceFolder,
) -> None:
    data = await state.get_data()
    kind = str(data.get("kind", "spot"))
    assert person is not None and callback.message is not None
    edit = callback.message.edit_text  # type: ignore[union-attr]
    now = clock()
    try:
        check = await actions.log_canteen_check(
            core,
            person_id=person.id,
            unit_id=data["unit_id"],
            kind=kind,
            passed=callback_data.passed,
            day=core.today(now),
            now=now,
            channel=Channel.BOT,
            idempotency_key=f"tg:cb:{callback.id}:canteen",
            evidence_path=data.get(EVIDENCE_KEY),
        )
    except Refused:
        # Start the check again (the photo stays): the own canteen, or another unit's.
        if kind == "self":
            await begin_self_evaluation(edit, state, core, person, photos)
        else:
            await begin_check(edit, state, core)
        raise
    await photos.logged(state, data)
    unit = await catalog.get_unit(core, check.unit_id)
    await answer_callback(callback)
    await edit(render.canteen_check(check, unit=unit.name(lang())))
    await finish_flow(state)  # after the answer: a redelivery replays it (idempotency key)
