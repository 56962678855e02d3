"""/plate: a clean plate — pick the meal (a photo first, if you like)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import conversation, keyboards, render, texts
from bot.callbacks import PlateCb
from bot.filters import TYPED, MenuText
from bot.handlers.common import (
    answer_callback,
    begin_flow,
    clear_flow,
    finish_flow,
    lang,
)
from bot.photos import EVIDENCE_KEY, PHOTO, EvidenceFolder
from bot.states import Plate
from campaigns import actions
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.results import Channel, PersonView

router = Router(name=__name__)


@router.message(Command("plate"))
@router.message(MenuText(texts.MENU_PLATE))
async def ask_meal(
    message: Message,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    photos: EvidenceFolder,
) -> None:
    if await begin_flow(message, person, state, photos) is None:
        return
    await state.set_state(Plate.meal)
    await message.answer(
        _("🍽 Which meal did you finish? You may send a photo of the empty plate first."),
        reply_markup=keyboards.meals(core.rules.meals),
    )


@router.message(Plate.meal, PHOTO)
async def got_photo(
    message: Message, state: FSMContext, core: Core, photos: EvidenceFolder
) -> None:
    await photos.attach(message, state)
    await message.answer(
        _("📎 Photo attached. Now pick the meal."), reply_markup=keyboards.meals(core.rules.meals)
    )


@router.message(Plate.meal, TYPED)
async def not_a_meal(message: Message, core: Core) -> None:
    await message.answer(
        _(conversation.EXPECTS["plate.meal"]), reply_markup=keyboards.meals(core.rules.meals)
    )


@router.callback_query(Plate.meal, PlateCb.filter())
async def got_meal(
    callback: CallbackQuery,
    *,
    callback_data: PlateCb,
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
        recorded = await actions.log_plate(
            core,
            person_id=person.id,
            meal=callback_data.meal,
            day=core.today(now),
            now=now,
            channel=Channel.BOT,
            idempotency_key=f"tg:cb:{callback.id}:plate",
            evidence_path=data.get(EVIDENCE_KEY),
        )
    except Refused:
        await clear_flow(state, photos)
        raise
    await photos.logged(state, data)
    await answer_callback(callback)
    await callback.message.edit_text(render.recorded(recorded, lang=lang()))  # type: ignore[union-attr]
    await finish_flow(state)  # after the answer: a redelivery replays it (idempotency key)
