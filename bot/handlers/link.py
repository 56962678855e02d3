"""/link: one person on every door. `/link <code>` makes this Telegram account the person
whose web "Me" page gave the code (registered there first, or on another phone), so nobody
is registered and counted twice; `/link` alone gives a registered person a code (and its
page) for a browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot import conversation, keyboards, render
from bot.handlers.common import clear_flow, lang
from bot.menus import sync_chat_menu
from bot.photos import EvidenceFolder
from campaigns import joining, links
from campaigns.core import Core
from campaigns.results import PersonView, Role
from campaigns.settings import Settings

router = Router(name=__name__)


@router.message(Command("link"))
async def link(
    message: Message,
    *,
    command: CommandObject,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    clock: Callable[[], datetime],
    photos: EvidenceFolder,
    bot: Bot,
    settings: Settings,
) -> None:
    await clear_flow(state, photos)  # a registration half done is replaced by the link
    assert message.from_user is not None
    code = (command.args or "").strip()
    if code:
        linked = await conversation.link_account(
            core, code=code, telegram_id=message.from_user.id, now=clock()
        )
        await sync_chat_menu(bot, linked, settings, state)
        await message.answer(
            _("Linked: this Telegram account is {name}, {unit}. 🌱").format(
                name=linked.display_name, unit=linked.unit_name(lang())
            ),
            reply_markup=keyboards.main_menu(volunteer=linked.can(Role.VOLUNTEER)),
        )
        return
    if person is None:
        await message.answer(
            _(
                "Registered on the web already? Open “Me” there, tap “Use another phone” "
                "and send me /link followed by the code it shows."
            )
        )
        return
    made = await joining.issue_link_code(core, person_id=person.id, now=clock())
    url = links.device_link_url(settings.public_url, made.code)
    await message.answer(
        _(
            "To use GreenTally as {name} in a browser (WeChat, another phone), open this link "
            "or type the code on its page. It works once, until {time}.\n{url}\nCode: {code}"
        ).format(
            name=person.display_name,
            time=render.local_time(made.expires_at, core.tz, now=clock()),
            url=url,
            code=made.code,
        )
    )
