"""/start, the poster deep link `start=e_<code>`, and registration (name → unit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.board import ProgressBoard
from bot.callbacks import UnitCb
from bot.handlers.checkin import answer_check_in
from bot.handlers.common import answer_unit_search, ask_to_register, clear_flow, lang
from bot.states import Register
from campaigns import catalog, people
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import PersonView, Role

router = Router(name=__name__)

DEEP_LINK = F.args.regexp(r"^e_[A-Za-z0-9_-]{1,62}$")
NAME_REASONS = {Reason.NAME_REQUIRED, Reason.NAME_TOO_LONG}


@router.message(CommandStart(deep_link=True, magic=DEEP_LINK))
async def start_event(
    message: Message,
    *,
    command: CommandObject,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    clock: Callable[[], datetime],
    board: ProgressBoard,
) -> None:
    code = (command.args or "")[2:]
    if person is None:
        await ask_to_register(message, state, after_code=code)
        return
    await clear_flow(state)
    await answer_check_in(message, core=core, person=person, code=code, now=clock(), board=board)


@router.message(CommandStart())
async def start(message: Message, person: PersonView | None, state: FSMContext) -> None:
    if person is None:
        await ask_to_register(message, state)
        return
    await clear_flow(state)
    await message.answer(
        _("Welcome back, {name}! 🌱 Pick an action below, or see /help.").format(
            name=person.display_name
        ),
        reply_markup=keyboards.main_menu(volunteer=person.can(Role.VOLUNTEER)),
    )


@router.message(Register.name, F.text, ~F.text.startswith("/"))
async def got_name(message: Message, state: FSMContext, core: Core) -> None:
    name = (message.text or "").strip()
    await state.update_data(name=name, unit_query="")
    await state.set_state(Register.unit)
    found = await catalog.list_units(core)
    await message.answer(
        _(
            "Thank you, {name}. Which unit do you work for?\n"
            "Type part of its name to search (for example 教育局), or pick it below."
        ).format(name=name),
        reply_markup=keyboards.units(found, purpose="reg", lang=lang()),
    )


@router.message(Register.unit, F.text, ~F.text.startswith("/"))
async def search_unit(message: Message, state: FSMContext, core: Core) -> None:
    await answer_unit_search(message, state, core, purpose="reg")


@router.callback_query(UnitCb.filter(F.unit_id == 0))
async def turn_unit_page(
    callback: CallbackQuery, callback_data: UnitCb, state: FSMContext, core: Core
) -> None:
    query = (await state.get_data()).get("unit_query") or ""
    found = (
        await catalog.search_units(core, query=query, limit=40)
        if query
        else await catalog.list_units(core)
    )
    markup = keyboards.units(
        found, purpose=callback_data.purpose, lang=lang(), page=callback_data.page
    )
    if callback.message is not None:
        await callback.message.edit_reply_markup(reply_markup=markup)  # type: ignore[union-attr]
    await callback.answer()


@router.callback_query(Register.unit, UnitCb.filter(F.purpose == "reg"))
async def pick_unit(
    callback: CallbackQuery,
    *,
    callback_data: UnitCb,
    state: FSMContext,
    core: Core,
    clock: Callable[[], datetime],
    board: ProgressBoard,
) -> None:
    data = await state.get_data()
    assert callback.message is not None
    try:
        person = await people.register_person(
            core,
            name=data.get("name", ""),
            unit_id=callback_data.unit_id,
            language=lang(),
            telegram_id=callback.from_user.id,
            now=clock(),
        )
    except Refused as exc:
        if exc.reason in NAME_REASONS:
            await state.set_state(Register.name)
        raise
    await callback.answer()
    after_code = data.get("after_code")
    await state.clear()
    message = callback.message
    await message.edit_text(  # type: ignore[union-attr]
        _("Registered: {name}, {unit}.").format(
            name=person.display_name, unit=person.unit_name(lang())
        )
    )
    if after_code:
        await answer_check_in(
            message,  # type: ignore[arg-type]
            core=core,
            person=person,
            code=after_code,
            now=clock(),
            board=board,
            key=f"tg:cb:{callback.id}:checkin",
        )
        return
    await message.answer(
        _("All set! 🌱 Pick an action below, or see /help."),
        reply_markup=keyboards.main_menu(volunteer=person.can(Role.VOLUNTEER)),
    )
