"""/checkin: type the event code (or the poster link); the deep link lands here too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards, render, texts
from bot.board import ProgressBoard
from bot.conversation import event_code
from bot.filters import TYPED, MenuText
from bot.handlers.common import (
    begin_flow,
    finish_flow,
    lang,
    message_key,
    require_person,
)
from bot.photos import EvidenceFolder
from bot.states import CheckIn
from campaigns import checkin
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Channel, PersonView, Role

router = Router(name=__name__)


async def answer_check_in(
    message: Message,
    *,
    core: Core,
    person: PersonView,
    code: str,
    now: datetime,
    board: ProgressBoard,
    key: str | None = None,
) -> None:
    """Check the person in at the event with this code and answer with the year's progress."""
    recorded = await checkin.check_in(
        core,
        code=code,
        person_id=person.id,
        now=now,
        channel=Channel.BOT,
        idempotency_key=key or message_key(message, "checkin"),
    )
    progress = await board.get(core, year=core.today(now).year)
    await message.answer(
        render.recorded(recorded, lang=lang(), progress=progress),
        reply_markup=keyboards.main_menu(volunteer=person.can(Role.VOLUNTEER)),
    )


@router.message(Command("checkin"))
@router.message(MenuText(texts.MENU_CHECKIN))
async def ask_code(
    message: Message, person: PersonView | None, state: FSMContext, photos: EvidenceFolder
) -> None:
    if await begin_flow(message, person, state, photos) is None:
        return
    await state.set_state(CheckIn.code)
    await message.answer(
        _(
            "Scan the event poster's QR code with your phone camera, "
            "or type the event code printed under it."
        ),
        reply_markup=keyboards.cancel(),
    )


@router.message(CheckIn.code, TYPED)
async def got_code(
    message: Message,
    *,
    typed: str,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    clock: Callable[[], datetime],
    board: ProgressBoard,
    photos: EvidenceFolder,
) -> None:
    if await require_person(message, person, state, photos) is None:
        return
    assert person is not None
    code = event_code(typed)
    if code is None:
        await message.answer(
            _("That does not look like an event code. Type the code under the poster's QR."),
            reply_markup=keyboards.cancel(),
        )
        return
    try:
        await answer_check_in(
            message, core=core, person=person, code=code, now=clock(), board=board
        )
    except Refused as exc:
        if exc.reason is Reason.ALREADY_CHECKED_IN:
            await finish_flow(state)
        raise  # the error router explains; otherwise the person may type another code
    await finish_flow(state)
