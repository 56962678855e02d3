"""Small helpers the handler modules share: current language, registration gate, evidence."""

from __future__ import annotations

import re
from pathlib import Path

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.middlewares import LANG_KEY
from bot.states import Register
from campaigns import catalog
from campaigns.core import Core
from campaigns.results import PersonView
from greentally.settings import Settings

CODE_IN_TEXT = re.compile(r"(?:^|/e/|start=e_|^e_)([A-Za-z0-9_-]{3,64})/?$")
NUMBER = re.compile(r"^\s*(-?\d+(?:[.,，]\d+)?)\s*(?:km|公里|千米|h|小时|人)?\s*$", re.IGNORECASE)


def lang() -> str:
    return get_i18n().current_locale


def event_code(text: str) -> str | None:
    """The event code in what someone typed: the code itself, `e_<code>` or the poster link."""
    match = CODE_IN_TEXT.search(text.strip())
    return match.group(1) if match else None


def parse_number(text: str) -> float | None:
    """A number as people type it ("2.5", "2,5", "3 km", "3公里"), else None.

    Only the reading happens here; whether the value is acceptable is the core's call."""
    match = NUMBER.match(text or "")
    if not match:
        return None
    return float(match.group(1).replace(",", ".").replace("，", "."))


def message_key(message: Message, action: str) -> str:
    """An idempotency key that survives a redelivered update: chat and message ids never repeat."""
    return f"tg:{message.chat.id}:{message.message_id}:{action}"


async def clear_flow(state: FSMContext) -> None:
    """End the current flow but keep a language chosen before registering."""
    chosen = (await state.get_data()).get(LANG_KEY)
    await state.clear()
    if chosen:
        await state.update_data({LANG_KEY: chosen})


async def ask_to_register(
    message: Message, state: FSMContext, *, after_code: str | None = None
) -> None:
    await clear_flow(state)
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
    message: Message, person: PersonView | None, state: FSMContext
) -> PersonView | None:
    """The registered person, or None after starting registration."""
    if person is None:
        await ask_to_register(message, state)
    return person


async def save_evidence(bot: Bot, message: Message, settings: Settings) -> str:
    """Download the largest size of a photo into the data folder; return its relative path."""
    assert message.photo
    photo = message.photo[-1]
    relative = Path("evidence") / "tg" / f"{photo.file_unique_id}.jpg"
    target = settings.data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    await bot.download(photo, destination=target)
    return relative.as_posix()


async def answer_unit_search(
    message: Message, state: FSMContext, core: Core, *, purpose: str
) -> None:
    """Units whose name matches what the person typed, as a pick list (registration and the
    canteen spot check both search the tree this way)."""
    query = (message.text or "").strip()
    found = await catalog.search_units(core, query=query, limit=40)
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
