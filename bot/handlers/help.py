"""/help, and the catch-all for anything no other handler took (included last)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import texts
from bot.filters import MenuText
from campaigns.results import PersonView, Role

router = Router(name=__name__)

PUBLIC = ("checkin", "trip", "plate", "me", "progress", "top", "lang", "cancel")
VOLUNTEER = ("volunteer", "login")
ORGANIZER = ("stats",)


def command_lines(names: tuple[str, ...]) -> list[str]:
    return [f"/{name} — {_(texts.COMMANDS[name])}" for name in names]


@router.message(Command("help"))
@router.message(MenuText(texts.MENU_HELP))
async def help_(message: Message, person: PersonView | None) -> None:
    lines = [
        _(
            "GreenTally counts our green, low-carbon actions toward the year's goal. 🌱\n"
            "Scan an event poster's QR code to check in, or use these commands:"
        ),
        *command_lines(PUBLIC),
    ]
    if person is not None and person.can(Role.VOLUNTEER):
        lines.extend(command_lines(VOLUNTEER))
    if person is not None and person.can(Role.ORGANIZER):
        lines.extend(command_lines(ORGANIZER))
    lines.append(
        _("The same actions work in the web form: scan the poster with WeChat or your camera.")
    )
    await message.answer("\n".join(lines))


@router.message(F.photo)
async def stray_photo(message: Message) -> None:
    await message.answer(
        _(
            "Thanks for the photo. To attach it as evidence, "
            "start /trip, /plate or /volunteer first."
        )
    )


@router.message()
async def anything_else(message: Message) -> None:
    await message.answer(_("Sorry, I did not understand that. See /help for what I can do."))


@router.callback_query()
async def stale_button(callback: CallbackQuery) -> None:
    await callback.answer(_("This button has expired. Please start again."), show_alert=True)
