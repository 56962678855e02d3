"""Photo evidence in a conversation: a photo (or an image sent as a file) is checked,
cleaned and stored by the core's evidence rules the moment it arrives, kept in the flow
until its action is logged, and deleted when the flow ends without it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
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
    clock: Callable[[], datetime]  # photos are filed by the day they were sent

    async def attach(self, message: Message, state: FSMContext) -> bool:
        """Store the photo the message carries as the flow's evidence (replacing an earlier
        one); False when it carries none. Refuses PHOTO_NOT_IMAGE, PHOTO_TOO_LARGE."""
        media: PhotoSize | Document | None = message.photo[-1] if message.photo else None
        media = media or message.document
        if media is None:
            return False
        evidence.check_size(media.file_size)
        buffer = io.BytesIO()
        assert message.bot is not None
        await message.bot.download(media, destination=buffer)
        day = self.clock().astimezone(self.tz).date()
        relative = await asyncio.to_thread(
            evidence.save_photo, self.root, buffer.getvalue(), day=day
        )
        previous = (await state.get_data()).get(EVIDENCE_KEY)
        await state.update_data({EVIDENCE_KEY: relative})
        self.discard(previous)
        return True

    def discard(self, relative: Any) -> None:
        evidence.discard(self.root, relative if isinstance(relative, str) else None)
