"""/start, the poster deep link `start=e_<code>`, and registration (name → unit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import conversation, keyboards
from bot.board import ProgressBoard
from bot.callbacks import UnitCb
from bot.filters import TYPED
from bot.handlers.checkin import answer_check_in
from bot.handlers.common import (
    answer_callback,
    answer_unit_search,
    ask_to_register,
    clear_flow,
    finish_flow,
    lang,
    units_for,
)
from bot.menus import sync_chat_menu
from bot.photos import PHOTO, EvidenceFolder
from bot.states import Register
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import PersonView, Role
from campaigns.settings import Settings

router = Router(name=__name__)

DEEP_LINK = F.args.regexp(r"^e_[A-Za-z0-9_-]{1,62}$")
NAME_REASONS = {Reason.NAME_REQUIRED, Reason.NAME_TOO_LONG}
VERIFIER_REASONS = {Reason.VERIFIER_REQUIRED, Reason.VERIFIER_WRONG}


@router.message(CommandStart(deep_link=True, magic=DEEP_LINK))
async def start_event(
    message: Message,
    *,
    command: CommandObject,
    person: PersonView | None,
    state: FSMContext,
    raw_state: str | None,
    core: Core,
    clock: Callable[[], datetime],
    board: ProgressBoard,
    photos: EvidenceFolder,
) -> None:
    """The hot path at an event's door: no reads beyond the check-in and the cached board.
    A person in no flow has none to leave: the FSM storage (Redis, with several instances)
    is not touched."""
    code = (command.args or "")[2:]
    if person is None:
        await ask_to_register(message, state, photos, after_code=code)
        return
    if raw_state is not None:
        await clear_flow(state, photos)
    await answer_check_in(message, core=core, person=person, code=code, now=clock(), board=board)


@router.message(CommandStart())
async def start(
    message: Message,
    *,
    person: PersonView | None,
    state: FSMContext,
    photos: EvidenceFolder,
    bot: Bot,
    settings: Settings,
) -> None:
    if person is None:
        await ask_to_register(message, state, photos)
        return
    await clear_flow(state, photos)
    await sync_chat_menu(bot, person, settings, state)  # a role changed on the web shows here
    await message.answer(
        _("Welcome back, {name}! 🌱 Pick an action below, or see /help.").format(
            name=person.display_name
        ),
        reply_markup=keyboards.main_menu(volunteer=person.can(Role.VOLUNTEER)),
    )


@router.message(Register.name, TYPED)
async def got_name(message: Message, typed: str, state: FSMContext, core: Core) -> None:
    await state.update_data(name=typed, unit_query="")
    await state.set_state(Register.unit)
    found = await units_for(core, "reg", "")
    await message.answer(
        _(
            "Thank you, {name}. Which unit do you work for?\n"
            "Type part of its name to search (for example 教育局), or pick it below."
        ).format(name=typed),
        reply_markup=keyboards.units(found, purpose="reg", lang=lang()),
    )


@router.message(Register.name, PHOTO)
async def photo_for_name(message: Message) -> None:
    await message.answer(_(conversation.EXPECTS["register.name"]))


@router.message(Register.unit, TYPED)
async def search_unit(message: Message, typed: str, state: FSMContext, core: Core) -> None:
    await answer_unit_search(message, state, core, purpose="reg", query=typed)


@router.callback_query(UnitCb.filter(F.unit_id == 0))
async def turn_unit_page(
    callback: CallbackQuery, callback_data: UnitCb, state: FSMContext, core: Core
) -> None:
    query = (await state.get_data()).get("unit_query") or ""
    found = await units_for(core, callback_data.purpose, query)
    markup = keyboards.units(
        found, purpose=callback_data.purpose, lang=lang(), page=callback_data.page
    )
    await answer_callback(callback)
    if callback.message is not None:
        await callback.message.edit_reply_markup(reply_markup=markup)  # type: ignore[union-attr]


@router.callback_query(Register.unit, UnitCb.filter(F.purpose == "reg"))
async def pick_unit(
    callback: CallbackQuery,
    *,
    callback_data: UnitCb,
    state: FSMContext,
    core: Core,
    clock: Callable[[], datetime],
    board: ProgressBoard,
    bot: Bot,
    settings: Settings,
) -> None:
    """The unit picked: registered, then the poster's check-in if one is waiting.

    Every step may run twice (a redelivered update after a failed reply): registration
    finds the person already linked, the check-in's key returns its first answer, and the
    flow ends last, so a redelivery still finds the check-in it has to complete."""
    data = await state.get_data()
    assert callback.message is not None
    message = callback.message
    try:
        person = await conversation.register(
            core,
            name=str(data.get("name", "")),
            unit_id=callback_data.unit_id,
            language=lang(),
            telegram_id=callback.from_user.id,
            now=clock(),
        )
    except Refused as exc:
        if exc.reason in NAME_REASONS:
            await state.set_state(Register.name)
        elif exc.reason in VERIFIER_REASONS:
            # The staff list has this name: its words ask for the staff number, typed next.
            await state.update_data(unit_id=callback_data.unit_id)
            await state.set_state(Register.verifier)
        raise
    await message.edit_text(  # type: ignore[union-attr]
        _("Registered: {name}, {unit}.").format(
            name=person.display_name, unit=person.unit_name(lang())
        )
    )
    await _registered(
        message,  # type: ignore[arg-type]
        person,
        state=state,
        core=core,
        now=clock(),
        board=board,
        bot=bot,
        settings=settings,
        key=f"tg:cb:{callback.id}:checkin",
    )
    await answer_callback(callback)  # last: a refusal's answer (error router) is the one
    await finish_flow(state)


@router.message(Register.verifier, TYPED)
async def got_verifier(
    message: Message,
    *,
    typed: str,
    state: FSMContext,
    core: Core,
    clock: Callable[[], datetime],
    board: ProgressBoard,
    bot: Bot,
    settings: Settings,
) -> None:
    """The staff number or phone digits the roster asked for: the right answer links this
    Telegram account to the person already on record (their history, one count); a wrong
    one is counted by the core and asked again, until the roster row waits it out."""
    data = await state.get_data()
    assert message.from_user is not None
    try:
        person = await conversation.register(
            core,
            name=str(data.get("name", "")),
            unit_id=int(data.get("unit_id") or 0),
            language=lang(),
            telegram_id=message.from_user.id,
            now=clock(),
            verifier=typed,
        )
    except Refused as exc:
        if exc.reason not in VERIFIER_REASONS:
            await finish_flow(state)  # locked out, or the unit vanished: the words say what next
        raise
    await message.answer(
        _("Found you on the staff list: {name}, {unit}.").format(
            name=person.display_name, unit=person.unit_name(lang())
        )
    )
    await _registered(
        message,
        person,
        state=state,
        core=core,
        now=clock(),
        board=board,
        bot=bot,
        settings=settings,
        key=f"tg:msg:{message.chat.id}:{message.message_id}:checkin",
    )
    await finish_flow(state)


@router.message(Register.verifier, PHOTO)
async def photo_for_verifier(message: Message) -> None:
    await message.answer(_(conversation.EXPECTS["register.verifier"]))


async def _registered(
    message: Message,
    person: PersonView,
    *,
    state: FSMContext,
    core: Core,
    now: datetime,
    board: ProgressBoard,
    bot: Bot,
    settings: Settings,
    key: str,
) -> None:
    """After registration: the menu for this person's role, then the poster's check-in that
    started it all (or the main menu)."""
    await sync_chat_menu(bot, person, settings, state)
    after_code = (await state.get_data()).get("after_code")
    if after_code:
        try:
            await answer_check_in(
                message,
                core=core,
                person=person,
                code=str(after_code),
                now=now,
                board=board,
                key=key,
            )
        except Refused:
            await finish_flow(state)  # registered all the same; the error router says why
            raise
    else:
        await message.answer(
            _("All set! 🌱 Pick an action below, or see /help."),
            reply_markup=keyboards.main_menu(volunteer=person.can(Role.VOLUNTEER)),
        )
