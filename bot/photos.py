"""Photo evidence in a conversation: a photo (or an image sent as a file) is checked,
cleaned and stored by the core's evidence rules the moment it arrives, kept in the flow
until its action is logged, and deleted when the flow ends without it.

A redelivered update (Telegram sends it again when the webhook failed) must neither lose
the photo an already logged fact points at nor leave a second copy behind: a message's
photo is stored under a name made from its chat and message ids, so the redelivery finds
it stored, and a logged photo leaves the flow at once (see `EvidenceFolder.logged`)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import Document, Message, PhotoSize

from campaigns import evidence

EVIDENCE_KEY = "evidence"  # FSM data: the flow's photo, relative to the evidence folder
PHOTO = F.photo | F.document  # a file that is not an image is refused in plain words


@dataclass(frozen=True)
class EvidenceFolder:
    root: Path
    tz: ZoneInfo
    key: bytes = b""  # keeps the names made from chat and message ids unguessable

    def name_for(self, message: Message) -> str:
        """The stored name of a message's photo: the same for every delivery of it."""
        ids = f"tg:{message.chat.id}:{message.message_id}".encode()
        digest = hmac.new(self.key, ids, hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode()

    async def attach(self, message: Message, state: FSMContext) -> bool:
        """Store the photo the message carries as the flow's evidence (replacing an earlier
        one); False when it carries none. Refuses PHOTO_NOT_IMAGE, PHOTO_TOO_LARGE.

        Filed by the day the message was sent under a name made from its ids, the photo is
        where an earlier delivery of the same message stored it, and is not stored twice."""
        media: PhotoSize | Document | None = message.photo[-1] if message.photo else None
        media = media or message.document
        if media is None:
            return False
        day, name = message.date.astimezone(self.tz).date(), self.name_for(message)
        relative = evidence.photo_path(day, name)
        if not (self.root / relative).is_file():
            evidence.check_size(media.file_size)
            buffer = io.BytesIO()
            assert message.bot is not None
            await message.bot.download(media, destination=buffer)
            data = buffer.getvalue()
            await asyncio.to_thread(evidence.save_photo, self.root, data, day=day, name=name)
        previous = (await state.get_data()).get(EVIDENCE_KEY)
        if previous != relative:
            await state.update_data({EVIDENCE_KEY: relative})
            self.discard(previous)
        return True

    async def logged(self, state: FSMContext, data: dict[str, Any]) -> None:
        """The flow's action (its FSM `data`) was recorded: the flow's photo now belongs to
        the fact, so it leaves the flow before anything else can fail (the answer, say). A
        flow left or cancelled later must not delete it, and a redelivery of the message
        that carried it finds it stored under the same name."""
        if data.get(EVIDENCE_KEY):
            await state.update_data({EVIDENCE_KEY: None})

    def discard(self, relative: Any) -> None:
        evidence.discard(self.root, relative if isinstance(relative, str) else None)
