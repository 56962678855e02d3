"""/me: balance, recent history and the personal QR code (a PNG a door scanner reads).

The QR code is uploaded once: Telegram's file_id of it is kept in the chat's FSM storage
(with the token it encodes) and sent again by reference, until the token changes or
Telegram no longer knows the file."""

from __future__ import annotations

import dataclasses
import logging

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot import render, texts
from bot.filters import MenuText
from bot.handlers.common import begin_flow, lang
from bot.photos import EvidenceFolder
from campaigns import qr, totals
from campaigns.core import Core
from campaigns.results import PersonView

router = Router(name=__name__)
log = logging.getLogger(__name__)

HISTORY_LINES = 10
QR_DESTINY = "qr"  # FSM storage: {"token": the QR's payload, "file_id": Telegram's id of it}


@router.message(Command("me"))
@router.message(MenuText(texts.MENU_ME))
async def me(
    message: Message,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    photos: EvidenceFolder,
) -> None:
    person = await begin_flow(message, person, state, photos)
    if person is None:
        return
    balance = await totals.balance(core, person_id=person.id)
    recent = await totals.history(core, person_id=person.id, limit=HISTORY_LINES)
    caption = _("{name} · {unit}\nShow this code to the volunteer at an event's door.").format(
        name=person.display_name, unit=person.unit_name(lang())
    )
    await send_qr(message, state, person.qr_token, caption)
    lines = [render.balance(balance)]
    if recent:
        lines.append(_("Recent entries:"))
        lines.extend(render.history_line(fact) for fact in recent)
    else:
        lines.append(_("No entries yet. Start with /trip or /plate, or scan an event poster."))
    await message.answer("\n".join(lines))


async def send_qr(message: Message, state: FSMContext, token: str, caption: str) -> None:
    """The personal QR code: by the file_id Telegram gave it when it was first sent, else
    uploaded (and its file_id kept)."""
    key = dataclasses.replace(state.key, destiny=QR_DESTINY)
    kept = await state.storage.get_data(key)
    if kept.get("token") == token and kept.get("file_id"):
        try:
            await message.answer_photo(str(kept["file_id"]), caption=caption)
        except TelegramBadRequest as exc:
            log.info("The kept QR file_id was refused (%s): uploading again", exc.message)
        else:
            return
    sent = await message.answer_photo(
        BufferedInputFile(qr.personal_png(token), filename="greentally-qr.png"), caption=caption
    )
    if sent.photo:
        await state.storage.set_data(key, {"token": token, "file_id": sent.photo[-1].file_id})
