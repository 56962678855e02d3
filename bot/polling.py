"""Long polling that loses nothing.

Telegram forgets an update once a getUpdates call's offset passes it. aiogram's own loop
moves the offset past every update as soon as it is fetched, so an update being handled
when the process dies is gone. This loop moves the offset past an update only once its
handling finished: while one is in flight the next call asks from it on, the copies
Telegram sends again are recognised (in flight, or finished here) and not run twice, and
after a crash the restarted process gets every unfinished update back. The same id twice
in one batch runs once. An update that failed runs again after a pause, a few times, as
Telegram's webhook redelivery would run it; `bot.delivery` keeps a second run harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from campaigns import updates

log = logging.getLogger(__name__)

RETRY_DELAYS = (1.0, 5.0, 30.0)  # a failed update runs again after these pauses, then no more
PAUSE = 0.5  # nothing new while updates are in flight: ask again after this, or sooner
GRACE = 10.0  # at shutdown, how long the updates in flight may take to finish
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=30.0, factor=1.5, jitter=0.1)


class Poller:
    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        *,
        timeout: int = 30,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        pause: float = PAUSE,
    ) -> None:
        self.dp = dp
        self.bot = bot
        self.timeout = timeout
        self.retry_delays = tuple(retry_delays)
        self.pause = pause
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        self.finished: set[int] = set()  # handled here, not yet confirmed to Telegram
        self.highest: int | None = None
        self.started = asyncio.Event()

    def offset(self) -> int | None:
        """The next getUpdates offset: past every update handled, never past one in flight."""
        if self.in_flight:
            return min(self.in_flight)
        return None if self.highest is None else self.highest + 1

    async def run(self) -> None:
        """Poll until cancelled: the startup hooks first; at the end the updates in flight
        get GRACE seconds to finish, and what was handled is confirmed to Telegram."""
        workflow: dict[str, Any] = {"dispatcher": self.dp, "bots": [self.bot]}
        workflow.update(self.dp.workflow_data)
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.dp.emit_startup(bot=self.bot, **workflow)
        try:
            await self._poll()
        finally:
            await self._finish()
            await self.dp.emit_shutdown(bot=self.bot, **workflow)

    async def _poll(self) -> None:
        allowed = self.dp.resolve_used_update_types()
        backoff = Backoff(config=BACKOFF)
        request_timeout = int((self.bot.session.timeout or 60) + self.timeout)
        self.started.set()
        while True:
            method = GetUpdates(offset=self.offset(), timeout=self.timeout, allowed_updates=allowed)
            try:
                batch = await self.bot(method, request_timeout=request_timeout)
            except Exception as exc:  # the network or Telegram: try again
                log.warning("getUpdates failed (%s); trying again", exc)
                await backoff.asleep()
                continue
            backoff.reset()
            if not self._take(batch) and self.in_flight:
                # Telegram sent back only what is being handled: wait for one to finish.
                await asyncio.wait(
                    list(self.in_flight.values()),
                    timeout=self.pause,
                    return_when=asyncio.FIRST_COMPLETED,
                )

    def _take(self, batch: list[Update]) -> int:
        """Start the updates not seen before; how many."""
        started = 0
        for update in batch:
            update_id = update.update_id
            self.highest = update_id if self.highest is None else max(self.highest, update_id)
            if update_id in self.in_flight or update_id in self.finished:
                continue
            self.in_flight[update_id] = asyncio.create_task(self._handle(update))
            started += 1
        offset = self.offset()
        if offset is not None:
            self.finished = {i for i in self.finished if i >= offset}
        return started

    async def _handle(self, update: Update) -> None:
        try:
            for attempt, delay in enumerate((0.0, *self.retry_delays)):
                if delay:
                    await asyncio.sleep(delay)
                try:
                    await self.dp.feed_update(self.bot, update)
                except Exception:  # logged; run again, as a webhook would
                    if attempt == len(self.retry_delays):
                        log.exception(
                            "Update %s failed %d times: given up", update.update_id, attempt + 1
                        )
                        return
                    log.warning(
                        "Update %s failed; running it again in %ss",
                        update.update_id,
                        self.retry_delays[attempt],
                        exc_info=True,
                    )
                else:
                    return
        finally:
            self.in_flight.pop(update.update_id, None)
            self.finished.add(update.update_id)

    async def _finish(self) -> None:
        if self.in_flight:
            await asyncio.wait(list(self.in_flight.values()), timeout=GRACE)
        for task in list(self.in_flight.values()):
            task.cancel()
        offset = self.offset()
        if offset is not None and not self.in_flight:
            with contextlib.suppress(Exception):  # best effort: unconfirmed ones come back
                await self.bot(GetUpdates(offset=offset, timeout=0, limit=1))
        core = self.dp.workflow_data.get("core")
        if core is not None:
            await updates.flush(core)
