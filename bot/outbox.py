"""The Telegram side of the chat outbox (announcements): queued messages sent one chat at
a time, paced under Telegram's ~30 messages a second, each claimed before it is sent so a
restart never sends anyone a second copy (campaigns.outbox)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from campaigns import outbox
from campaigns.core import Core

log = logging.getLogger(__name__)

PLATFORM = "telegram"
PACE = 1 / 25  # seconds between two sends: under Telegram's overall limit


async def send_waiting(core: Core, bot: Bot, *, now: datetime, limit: int = 100) -> int:
    """Send what waits (up to `limit`); how many went out."""
    count = 0
    for batch in await outbox.claim_batch(core, platform=PLATFORM, now=now, limit=limit):
        failed: dict[str, str] = {}
        for message in batch:
            try:
                await bot.send_message(int(message.recipient), message.body)
                count += 1
            except TelegramAPIError as exc:  # blocked the bot, chat gone: recorded
                failed[message.recipient] = type(exc).__name__[:40]
            await asyncio.sleep(PACE)
        await outbox.sent(core, batch, now=now, failed=failed)
    return count


async def run_sender(core: Core, bot: Bot, clock: Callable[[], datetime]) -> None:
    """Until cancelled: look for waiting messages every second."""
    while True:
        try:
            while await send_waiting(core, bot, now=clock()):
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the Telegram outbox failed; trying again")
        await asyncio.sleep(1.0)
