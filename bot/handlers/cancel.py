"""/cancel (and every ✖ Cancel button): leave whatever flow is active, in any state; a
photo the flow had stored is deleted and nothing is logged."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.callbacks import CancelCb
from bot.handlers.common import answer_callback, clear_flow
from bot.photos import EvidenceFolder
from campaigns.results import PersonView, Role

router = Router(name=__name__)


@router.message(Command("cancel"))
async def cancel(
    message: Message, state: FSMContext, person: PersonView | None, photos: EvidenceFolder
) -> None:
    await clear_flow(state, photos)
    await message.answer(
        _("Cancelled. Nothing was logged."),
        reply_markup=keyboards.main_menu(volunteer=person.can(Role.VOLUNTEER))
        if person is not None
        else None,
    )


@router.callback_query(CancelCb.filter())
async def cancel_button(callback: CallbackQuery, state: FSMContext, photos: EvidenceFolder) -> None:
    await clear_flow(state, photos)
    await answer_callback(callback)
    if callback.message is not None:
        await callback.message.edit_text(_("Cancelled. Nothing was logged."))  # type: ignore[union-attr]
