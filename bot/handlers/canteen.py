"""Canteen checks: a canteen's self-evaluation (/canteen, by its own staff) and a volunteer's
spot check (from /volunteer). Only units that run a canteen are offered; who may check
which canteen is the core's call, and its refusal sends the person back to the unit list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards, render
from bot.callbacks import CanteenCb, UnitCb
from bot.filters import INPUT
from bot.handlers.common import (
    answer_callback,
    answer_unit_search,
    begin_flow,
    finish_flow,
    lang,
    units_for,
)
from bot.photos import EVIDENCE_KEY, PHOTO, EvidenceFolder
from bot.states import Canteen
from bot.texts import N_
from campaigns import actions, catalog
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.results import Channel, PersonView

router = Router(name=__name__)

Send = Callable[..., Awaitable[Any]]
ASK_UNIT = {
    "self": N_(
        "🍽 Canteen self-evaluation: which unit's canteen? Type part of its name, or pick it below."
    ),
    "spot": N_("🍽 Which unit's canteen did you check? Type part of its name, or pick it below."),
}
ASK_RESULT = {
    "self": N_("{unit}: did the canteen pass its self-evaluation? You may send a photo first."),
    "spot": N_("{unit}: did the canteen pass the spot check? You may send a photo first."),
}


async def begin_check(send: Send, state: FSMContext, core: Core, *, kind: str) -> None:
    """The unit step of a `kind` ("self" or "spot") check; a photo already sent stays."""
    await state.set_state(Canteen.unit)
    await state.update_data(kind=kind, unit_query="")
    found = await units_for(core, "canteen", "")
    await send(
        _(ASK_UNIT[kind]), reply_markup=keyboards.units(found, purpose="canteen", lang=lang())
    )


@router.message(Command("canteen"))
async def self_evaluation(
    message: Message,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    photos: EvidenceFolder,
) -> None:
    if await begin_flow(message, person, state, photos) is None:
        return
    await begin_check(message.answer, state, core, kind="self")


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


@router.callback_query(Canteen.result, CanteenCb.filter())
async def got_result(
    callback: CallbackQuery,
    *,
    callback_data: CanteenCb,
    state: FSMContext,
    person: PersonView | None,
    core: Core,
    clock: Callable[[], datetime],
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
        await begin_check(edit, state, core, kind=kind)  # pick another unit; the photo stays
        raise
    unit = await catalog.get_unit(core, check.unit_id)
    await answer_callback(callback)
    await edit(render.canteen_check(check, unit=unit.name(lang())))
    await finish_flow(state)  # after the answer: a redelivery replays it (idempotency key)
