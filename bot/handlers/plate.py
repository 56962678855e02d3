"""/plate: a clean plate — pick the meal (a photo first, if you like)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards, render, texts
from bot.callbacks import PlateCb
from bot.filters import MenuText
from bot.handlers.common import clear_flow, lang, require_person, save_evidence
from bot.states import Plate
from campaigns import actions
from campaigns.core import Core
from campaigns.results import Channel, PersonView
from greentally.settings import Settings

router = Router(name=__name__)


@router.message(Command("plate"))
@router.message(MenuText(texts.MENU_PLATE))
async def ask_meal(
    message: Message, person: PersonView | None, state: FSMContext, core: Core
) -> None:
    if await require_person(message, person, state) is None:
        return
    await clear_flow(state)
    await state.set_state(Plate.meal)
    await message.answer(
        _("🍽 Which meal did you finish? You may send a photo of the empty plate first."),
        reply_markup=keyboards.meals(core.rules.meals),
    )


@router.message(Plate.meal, F.photo)
async def got_photo(
    message: Message, state: FSMContext, bot: Bot, settings: Settings, core: Core
) -> None:
    path = await save_evidence(bot, message, settings)
    await state.update_data(evidence=path)
    await message.answer(
        _("📎 Photo attached. Now pick the meal."), reply_markup=keyboards.meals(core.rules.meals)
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
) -> None:
    data = await state.get_data()
    assert callback.message is not None and person is not None
    now = clock()
    await clear_flow(state)
    recorded = await actions.log_plate(
        core,
        person_id=person.id,
        meal=callback_data.meal,
        day=core.today(now),
        now=now,
        channel=Channel.BOT,
        idempotency_key=f"tg:cb:{callback.id}:plate",
        evidence_path=data.get("evidence"),
    )
    await callback.answer()
    await callback.message.edit_text(render.recorded(recorded, lang=lang()))  # type: ignore[union-attr]
