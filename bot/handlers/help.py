"""/help, and the catch-all for anything no other handler took (included last)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import texts
from bot.filters import MenuText
from bot.handlers.common import clear_flow
from bot.menus import command_names, sync_chat_menu
from bot.photos import PHOTO, EvidenceFolder
from campaigns.results import PersonView
from campaigns.settings import Settings

router = Router(name=__name__)


@router.message(Command("help"))
@router.message(MenuText(texts.MENU_HELP))
async def help_(
    message: Message,
    *,
    person: PersonView | None,
    state: FSMContext,
    photos: EvidenceFolder,
    bot: Bot,
    settings: Settings,
) -> None:
    await clear_flow(state, photos)  # a menu entry leaves whatever flow was open
    lines = [
        _(
            "GreenTally counts our green, low-carbon actions toward the year's goal. 🌱\n"
            "Scan an event poster's QR code to check in, or use these commands:"
        ),
        *(f"/{name} — {_(texts.COMMANDS[name])}" for name in command_names(person)),
        _("The same actions work in the web form: scan the poster with WeChat or your camera."),
    ]
    await message.answer("\n".join(lines))
    if person is not None:
        await sync_chat_menu(bot, person, settings, state)  # the menu follows the role


@router.message(PHOTO)
async def stray_photo(message: Message) -> None:
    await message.answer(
        _(
            "Thanks for the photo. To attach it as evidence, "
            "start /trip, /plate, /canteen or /volunteer first."
        )
    )


@router.message()
async def anything_else(message: Message) -> None:
    await message.answer(_("Sorry, I did not understand that. See /help for what I can do."))


@router.callback_query()
async def stale_button(callback: CallbackQuery) -> None:
    await callback.answer(_("This button has expired. Please start again."), show_alert=True)
