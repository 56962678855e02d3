"""/lang: switch between 简体中文 and English (saved on the person, or kept until they register)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.callbacks import LangCb
from bot.handlers.common import answer_callback, ask_to_register
from bot.menus import sync_chat_menu
from bot.middlewares import LANG_KEY
from bot.photos import EvidenceFolder
from campaigns import people
from campaigns.core import Core
from campaigns.results import PersonView, Role
from campaigns.settings import Settings

router = Router(name=__name__)


@router.message(Command("lang", "language"))
async def ask(message: Message) -> None:
    await message.answer(_("Choose your language:"), reply_markup=keyboards.languages())


@router.callback_query(LangCb.filter())
async def choose(
    callback: CallbackQuery,
    *,
    callback_data: LangCb,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    i18n: I18n,
    photos: EvidenceFolder,
    bot: Bot,
    settings: Settings,
) -> None:
    code = (
        callback_data.code if callback_data.code in i18n.available_locales else i18n.default_locale
    )
    if person is not None:
        person = await people.set_language(core, person_id=person.id, language=code)
    else:
        await state.update_data({LANG_KEY: code})
    await answer_callback(callback)
    assert callback.message is not None
    message = callback.message
    with i18n.use_locale(code):
        await message.edit_text(_("Language set: English"))  # type: ignore[union-attr]
        if person is None:
            await ask_to_register(message, state, photos)  # type: ignore[arg-type]
            return
        await message.answer(
            _("Pick an action below, or see /help."),
            reply_markup=keyboards.main_menu(volunteer=person.can(Role.VOLUNTEER)),
        )
        await sync_chat_menu(bot, person, settings, state)  # the menu in the new language
