"""Small helpers the handler modules share: current language, reading what was typed,
ending a flow, the registration gate, the unit pick list."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.conversation import parse_number
from bot.middlewares import LANG_KEY
from bot.photos import EVIDENCE_KEY, EvidenceFolder
from bot.states import Register
from campaigns import catalog
from campaigns.core import Core
from campaigns.results import PersonView, UnitView


async def answer_callback(callback: CallbackQuery) -> None:
    """Stop the button's spinner. Telegram takes one answer per callback: a second one (a
    redelivered update, or the error router after the handler) is refused as "query is too
    old", which the Bot API session survives (bot.middlewares)."""
    await callback.answer()


def lang() -> str:
    return get_i18n().current_locale


async def awaited_number(
    message: Message,
    state: FSMContext,
    photos: EvidenceFolder,
    typed: str | None,
    *,
    after_photo: str,
    not_a_number: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> float | None:
    """The number a step waits for, typed or as a photo's caption; a photo sent with it is
    attached first. None after asking again: `after_photo` when only a photo came,
    `not_a_number` when the text could not be read as one."""
    await photos.attach(message, state)
    value = parse_number(typed) if typed is not None else None
    if value is None:
        await message.answer(
            after_photo if typed is None else not_a_number, reply_markup=reply_markup
        )
    return value


def message_key(message: Message, action: str) -> str:
    """An idempotency key that survives a redelivered update: chat and message ids never repeat."""
    return f"tg:{message.chat.id}:{message.message_id}:{action}"


async def finish_flow(state: FSMContext) -> dict[str, object]:
    """End the flow whose action was logged (its photo stays: the fact points at it); keep a
    language chosen before registering. The flow's data, as it was."""
    data = await state.get_data()
    await state.clear()
    if data.get(LANG_KEY):
        await state.update_data({LANG_KEY: data[LANG_KEY]})
    return data


async def clear_flow(state: FSMContext, photos: EvidenceFolder) -> None:
    """Leave the current flow without logging it: its photo, if any, is deleted."""
    photos.discard((await finish_flow(state)).get(EVIDENCE_KEY))


async def ask_to_register(
    message: Message, state: FSMContext, photos: EvidenceFolder, *, after_code: str | None = None
) -> None:
    await clear_flow(state, photos)
    await state.set_state(Register.name)
    if after_code:
        await state.update_data(after_code=after_code)
    await message.answer(
        _(
            "Welcome to GreenTally! 🌱\n"
            "First, once only: what is your name? (As your colleagues know you.)"
        )
    )


async def require_person(
    message: Message, person: PersonView | None, state: FSMContext, photos: EvidenceFolder
) -> PersonView | None:
    """The registered person, or None after starting registration."""
    if person is None:
        await ask_to_register(message, state, photos)
    return person


async def begin_flow(
    message: Message, person: PersonView | None, state: FSMContext, photos: EvidenceFolder
) -> PersonView | None:
    """A menu entry or command starting something: the registered person, whatever flow
    they were in left behind (its photo deleted); None after starting registration."""
    if await require_person(message, person, state, photos) is None:
        return None
    await clear_flow(state, photos)
    return person


async def units_for(core: Core, purpose: str, query: str) -> list[UnitView]:
    """The pick list: every unit for registration, canteen units for a canteen check; all
    of them (a page at a time) until something is typed."""
    if purpose == "canteen":
        return await catalog.canteen_units(core, query=query, limit=40 if query else None)
    if query:
        return await catalog.search_units(core, query=query, limit=40)
    return await catalog.list_units(core)


async def answer_unit_search(
    message: Message, state: FSMContext, core: Core, *, purpose: str, query: str
) -> None:
    """Units whose name matches what the person typed, as a pick list (registration and the
    canteen checks both search the tree this way)."""
    found = await units_for(core, purpose, query)
    if not found:
        await message.answer(
            _("No unit matches “{query}”. Try a shorter word.").format(query=query),
            reply_markup=keyboards.cancel(),
        )
        return
    await state.update_data(unit_query=query)
    await message.answer(
        _("Units matching “{query}”:").format(query=query),
        reply_markup=keyboards.units(found, purpose=purpose, lang=lang()),
    )
