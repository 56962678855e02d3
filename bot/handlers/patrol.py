"""/patrol: an energy patrol (issue 14). A room label's deep link `start=r_<code>` (or its
code typed after /patrol) shows the room with a keyboard of findings; "All off" or "Save"
records the visit through the same core call as the web form, and the bot waits for the
next room. Filters are async (aiogram runs synchronous ones in a thread)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import PatrolCb
from bot.filters import TYPED
from bot.handlers.common import answer_callback, begin_flow, clear_flow
from bot.photos import EVIDENCE_KEY, PHOTO, EvidenceFolder
from bot.states import Patrol
from campaigns import patrols
from campaigns.core import Core
from campaigns.field_rules import load_field_rules
from campaigns.labels import FINDING_LABELS
from campaigns.results import Channel, PersonView, Role

# Before /start's router: a room label's deep link is a /start too.
deep_link = Router(name=f"{__name__}.deep_link")
router = Router(name=__name__)

ROOM_LINK = F.args.regexp(r"^r_[a-z0-9]{4,16}$")
CHOSEN = "patrol_chosen"
ROOM = "patrol_room"


def findings_keyboard(chosen: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ All off"), callback_data=PatrolCb(action="off"))
    for key in load_field_rules().findings:
        mark = "☑️ " if key in chosen else "⬜ "
        builder.button(
            text=mark + _(FINDING_LABELS[key]), callback_data=PatrolCb(action="t", key=key)
        )
    builder.button(text=_("💾 Save what I found"), callback_data=PatrolCb(action="save"))
    builder.adjust(1)
    return builder.as_markup()


async def _volunteer(
    message: Message, person: PersonView | None, state: FSMContext, photos: EvidenceFolder
) -> PersonView | None:
    person = await begin_flow(message, person, state, photos)
    if person is not None and not person.can(Role.VOLUNTEER):
        await message.answer(
            _("This menu is for volunteers. Ask your organizer to add you as a volunteer.")
        )
        return None
    return person


async def show_room(message: Message, state: FSMContext, core: Core, code: str) -> None:
    room, building = await patrols.find_room(core, code)  # refuses an unknown label
    await state.set_state(Patrol.room)
    await state.update_data({ROOM: room.code, CHOSEN: []})
    await message.answer(
        _("🔦 {room} · {building}\nWhat was left on? Tick it and save, or tap “All off”.").format(
            room=room.name, building=building.name
        ),
        reply_markup=findings_keyboard([]),
    )


@deep_link.message(CommandStart(deep_link=True, magic=ROOM_LINK))
async def start_room(
    message: Message,
    *,
    command: CommandObject,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    photos: EvidenceFolder,
) -> None:
    if await _volunteer(message, person, state, photos) is None:
        return
    await show_room(message, state, core, (command.args or "")[2:])


@router.message(Command("patrol"))
async def patrol(
    message: Message,
    *,
    command: CommandObject,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    photos: EvidenceFolder,
) -> None:
    if await _volunteer(message, person, state, photos) is None:
        return
    if command.args:
        await show_room(message, state, core, command.args)
        return
    await state.set_state(Patrol.room)
    await message.answer(
        _(
            "🔦 Energy patrol: scan a room's label with the camera, or type the code printed "
            "under its QR."
        )
    )


@router.message(Patrol.room, TYPED)
async def typed_code(message: Message, typed: str, state: FSMContext, core: Core) -> None:
    await show_room(message, state, core, typed)


@router.message(Patrol.room, PHOTO)
async def photo(message: Message, state: FSMContext, photos: EvidenceFolder) -> None:
    """A photo of what was left on, for the room on screen (refused words if no image)."""
    if not (await state.get_data()).get(ROOM):
        await message.answer(_("Scan the room's label first, then send its photo."))
        return
    await photos.attach(message, state)
    await message.answer(_("📎 Photo attached. Now tick what was left on and save."))


@router.callback_query(Patrol.room, PatrolCb.filter(F.action == "t"))
async def toggle(callback: CallbackQuery, callback_data: PatrolCb, state: FSMContext) -> None:
    chosen = list((await state.get_data()).get(CHOSEN) or [])
    key = callback_data.key
    chosen = [k for k in chosen if k != key] if key in chosen else [*chosen, key]
    await state.update_data({CHOSEN: chosen})
    await answer_callback(callback)
    assert callback.message is not None
    await callback.message.edit_reply_markup(reply_markup=findings_keyboard(chosen))  # type: ignore[union-attr]


@router.callback_query(Patrol.room, PatrolCb.filter(F.action.in_({"off", "save"})))
async def record(
    callback: CallbackQuery,
    callback_data: PatrolCb,
    *,
    state: FSMContext,
    person: PersonView | None,
    core: Core,
    clock: Callable[[], datetime],
    photos: EvidenceFolder,
) -> None:
    await answer_callback(callback)
    data = await state.get_data()
    if person is None or not data.get(ROOM):
        await clear_flow(state, photos)
        return
    chosen = [] if callback_data.action == "off" else list(data.get(CHOSEN) or [])
    assert callback.message is not None
    # The keyboard's message names this room's visit: a redelivered tap records it once.
    key = f"tg:{callback.message.chat.id}:{callback.message.message_id}:visit"
    visit = await patrols.record_visit(
        core,
        volunteer_id=person.id,
        room_code=str(data[ROOM]),
        findings=chosen,
        now=clock(),
        channel=Channel.BOT,
        idempotency_key=key,
        evidence_path=data.get(EVIDENCE_KEY),
    )
    await photos.logged(state, data)
    await state.update_data({ROOM: None, CHOSEN: []})
    found = (
        _("Found left on: {findings}").format(
            findings=_(", ").join(_(FINDING_LABELS[f]) for f in visit.findings)
        )
        if visit.findings
        else _("All off.")
    )
    rooms = ngettext(
        "Tonight: {n} room in this building",
        "Tonight: {n} rooms in this building",
        len(visit.rooms_done),
    ).format(n=len(visit.rooms_done))
    await callback.message.edit_text(  # type: ignore[union-attr]
        _(
            "✅ {room} recorded. {found}\n{rooms}. Scan the next room's label, or type its code."
        ).format(room=visit.room.name, found=found, rooms=rooms)
    )
