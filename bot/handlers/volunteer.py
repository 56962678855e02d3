"""/volunteer: service hours, a booth headcount, a canteen spot check (volunteers only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards, render, texts
from bot.callbacks import CanteenCb, UnitCb, VolunteerCb
from bot.filters import MenuText
from bot.handlers.common import (
    answer_unit_search,
    clear_flow,
    event_code,
    lang,
    message_key,
    parse_number,
    require_person,
    save_evidence,
)
from bot.states import Canteen, Headcount, Service
from campaigns import actions, catalog
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Channel, PersonView, Role
from greentally.settings import Settings

router = Router(name=__name__)


@router.message(Command("volunteer"))
@router.message(MenuText(texts.MENU_VOLUNTEER))
async def menu(message: Message, person: PersonView | None, state: FSMContext) -> None:
    if await require_person(message, person, state) is None:
        return
    assert person is not None
    await clear_flow(state)
    if not person.can(Role.VOLUNTEER):
        # Only which menu to show; the core refuses a participant's volunteer entries anyway.
        await message.answer(
            _("This menu is for volunteers. Ask your organizer to add you as a volunteer.")
        )
        return
    await message.answer(
        _("🙋 What would you like to log?"), reply_markup=keyboards.volunteer_menu()
    )


@router.callback_query(VolunteerCb.filter())
async def pick(
    callback: CallbackQuery, callback_data: VolunteerCb, state: FSMContext, core: Core
) -> None:
    await clear_flow(state)
    await callback.answer()
    assert callback.message is not None
    edit = callback.message.edit_text  # type: ignore[union-attr]
    if callback_data.action == "hours":
        await state.set_state(Service.hours)
        await edit(_("⏱ How many hours of service today?"), reply_markup=keyboards.cancel())
    elif callback_data.action == "heads":
        await state.set_state(Headcount.code)
        await edit(
            _("👥 Type the code of the event where you counted (printed under the poster's QR)."),
            reply_markup=keyboards.cancel(),
        )
    else:
        await state.set_state(Canteen.unit)
        await state.update_data(unit_query="")
        found = await catalog.list_units(core)
        await edit(
            _("🍽 Which unit's canteen did you check? Type part of its name, or pick it below."),
            reply_markup=keyboards.units(found, purpose="canteen", lang=lang()),
        )


@router.message(Service.hours, F.photo)
async def hours_photo(message: Message, state: FSMContext, bot: Bot, settings: Settings) -> None:
    await state.update_data(evidence=await save_evidence(bot, message, settings))
    await message.answer(_("📎 Photo attached. Now type the hours."))


@router.message(Service.hours, F.text, ~F.text.startswith("/"))
async def got_hours(
    message: Message,
    state: FSMContext,
    person: PersonView | None,
    core: Core,
    clock: Callable[[], datetime],
) -> None:
    hours = parse_number(message.text or "")
    if hours is None:
        await message.answer(_("Please type the hours as a number, for example 2 or 1.5."))
        return
    assert person is not None
    now = clock()
    data = await state.get_data()
    recorded = await actions.log_service(
        core,
        volunteer_id=person.id,
        hours=hours,
        day=core.today(now),
        now=now,
        channel=Channel.BOT,
        idempotency_key=message_key(message, "service"),
        evidence_path=data.get("evidence"),
    )
    await clear_flow(state)
    await message.answer(render.recorded(recorded, lang=lang()))


@router.message(Headcount.code, F.text, ~F.text.startswith("/"))
async def got_event(message: Message, state: FSMContext, core: Core) -> None:
    code = event_code(message.text or "")
    if code is None:
        await message.answer(
            _("That does not look like an event code. Type the code under the poster's QR.")
        )
        return
    event = await catalog.get_event(core, code=code)
    await state.update_data(code=code)
    await state.set_state(Headcount.heads)
    await message.answer(
        _("{event}: how many people visited the booth? You may send a photo first.").format(
            event=event.title(lang())
        ),
        reply_markup=keyboards.cancel(),
    )


@router.message(Headcount.heads, F.photo)
@router.message(Canteen.result, F.photo)
async def other_photo(message: Message, state: FSMContext, bot: Bot, settings: Settings) -> None:
    await state.update_data(evidence=await save_evidence(bot, message, settings))
    await message.answer(_("📎 Photo attached."))


@router.message(Headcount.heads, F.text, ~F.text.startswith("/"))
async def got_heads(
    message: Message,
    state: FSMContext,
    person: PersonView | None,
    core: Core,
    clock: Callable[[], datetime],
) -> None:
    heads = parse_number(message.text or "")
    if heads is None or heads != int(heads):
        await message.answer(_("Please type the number of people, for example 35."))
        return
    assert person is not None
    data = await state.get_data()
    try:
        recorded = await actions.log_headcount(
            core,
            volunteer_id=person.id,
            code=data["code"],
            heads=int(heads),
            now=clock(),
            channel=Channel.BOT,
            idempotency_key=message_key(message, "headcount"),
            evidence_path=data.get("evidence"),
        )
    except Refused as exc:
        if exc.reason not in {Reason.OVER_CAPACITY, Reason.INVALID_QUANTITY}:
            await clear_flow(state)
        raise
    await clear_flow(state)
    await message.answer(render.recorded(recorded, lang=lang()))


@router.message(Canteen.unit, F.text, ~F.text.startswith("/"))
async def search_canteen(message: Message, state: FSMContext, core: Core) -> None:
    await answer_unit_search(message, state, core, purpose="canteen")


@router.callback_query(Canteen.unit, UnitCb.filter(F.purpose == "canteen"))
async def got_canteen(
    callback: CallbackQuery, callback_data: UnitCb, state: FSMContext, core: Core
) -> None:
    unit = await catalog.get_unit(core, callback_data.unit_id)
    await state.update_data(unit_id=unit.id)
    await state.set_state(Canteen.result)
    await callback.answer()
    assert callback.message is not None
    await callback.message.edit_text(  # type: ignore[union-attr]
        _("{unit}: did the canteen pass the spot check? You may send a photo first.").format(
            unit=unit.name(lang())
        ),
        reply_markup=keyboards.canteen_result(),
    )


@router.callback_query(Canteen.result, CanteenCb.filter())
async def got_result(
    callback: CallbackQuery,
    *,
    callback_data: CanteenCb,
    state: FSMContext,
    person: PersonView | None,
    core: Core,
    clock: Callable[[], datetime],
) -> None:
    data = await state.get_data()
    assert person is not None and callback.message is not None
    now = clock()
    await clear_flow(state)
    await actions.log_canteen_check(
        core,
        person_id=person.id,
        unit_id=data["unit_id"],
        kind="spot",
        passed=callback_data.passed,
        day=core.today(now),
        now=now,
        channel=Channel.BOT,
        idempotency_key=f"tg:cb:{callback.id}:canteen",
        evidence_path=data.get("evidence"),
    )
    unit = await catalog.get_unit(core, data["unit_id"])
    verdict = _("passed") if callback_data.passed else _("not passed")
    await callback.answer()
    await callback.message.edit_text(  # type: ignore[union-attr]
        _("🍽 Spot check recorded: {unit}, {verdict}. Thank you!").format(
            unit=unit.name(lang()), verdict=verdict
        )
    )
