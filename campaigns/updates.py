"""Telegram updates whose handling completed, so that a redelivered one is not run twice.

An update is recorded only once its handling finished: its facts written and its answer
sent (a refusal's answer included). One in flight when the process dies is not recorded,
and Telegram's redelivery (or the next getUpdates) runs it again. That is safe because
every step the bot takes is idempotent: each fact carries an idempotency key made from
the update (its message or callback id), registration finds the person already linked to
the Telegram id, a photo is stored under a name made from its message. Running an update
twice writes every fact once; this record keeps the person from hearing the answer twice.

The record is kept cheaply where one process serves the bot (polling, or a webhook on one
instance): `mark_processed` returns at once, the ids go to the database together, one
insert for everything handled in the last FLUSH_SECONDS (or MAX_PENDING ids), and until
then this process answers `already_processed` from memory. A crash in that moment loses
only the record: a redelivery of such an update runs it again, harmlessly. Where several
instances share the work (`durable`), the record is committed before the update's chat
lock is released, so the instance that waited on the lock for the same update sees it.
Reads of the record are cheap too. Where one process serves the bot, an update with a
higher id than any recorded when it started (Telegram's ids only grow) cannot have been
handled before, unless here, which this process remembers: no query at all for the
updates of a normal day. A redelivery after a restart, and every update where several
instances share the work, is looked up; lookups arriving together go out as one query
(campaigns.loader).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta

from campaigns.core import Core
from campaigns.loader import BatchLoader
from storage import updates as stored
from storage.writer import Call, Tx

log = logging.getLogger(__name__)

PRUNE_EVERY = 1000  # Telegram update ids: one in this many prunes the old ones
UPDATES_KEPT = timedelta(days=1)  # Telegram gives up redelivering long before
FLUSH_SECONDS = 0.1
MAX_PENDING = 500
REMEMBERED = 100_000  # ids handled here, kept in memory (far more than a day's updates)


class _Ledger:
    """One per core: ids handled but not yet in the database, and the batched reads."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.pending: dict[int, datetime] = {}
        self.flushing: asyncio.Task[None] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.loader: BatchLoader[int, bool] = BatchLoader(self._fetch)
        self.handled: set[int] = set()  # recorded by this process (the newest REMEMBERED)
        self.handled_order: deque[int] = deque()
        self.highest_at_start: int | None = None  # the highest id recorded before this process
        self.start_lock = asyncio.Lock()

    async def _fetch(self, ids: Sequence[int]) -> dict[int, bool]:
        async with self.core.read() as conn:
            found = await stored.processed(conn, ids)
        return dict.fromkeys(found, True)

    async def seen(self, update_id: int, *, shared: bool) -> bool:
        if update_id in self.pending or update_id in self.handled:
            return True
        if not shared:
            if self.highest_at_start is None:
                async with self.start_lock:
                    if self.highest_at_start is None:
                        async with self.core.read() as conn:
                            self.highest_at_start = await stored.highest(conn)
            if update_id > self.highest_at_start:
                return False
        return bool(await self.loader.load(update_id))

    def remember(self, update_id: int) -> None:
        if update_id in self.handled:
            return
        self.handled.add(update_id)
        self.handled_order.append(update_id)
        if len(self.handled_order) > REMEMBERED:
            self.handled.discard(self.handled_order.popleft())

    def mark(self, update_id: int, now: datetime) -> None:
        self.remember(update_id)
        self.pending.setdefault(update_id, now)
        if len(self.pending) >= MAX_PENDING:
            self._start_flush()
        else:
            self._arm()

    def _arm(self) -> None:
        """The next flush in FLUSH_SECONDS, unless one is set already."""
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._start_flush)

    def _start_flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.get_running_loop().create_task(self._flush_once())

    async def _flush_once(self) -> None:
        """Write what is pending now; what arrives meanwhile waits for the next timer (one
        insert each FLUSH_SECONDS, not one per update while updates keep coming)."""
        await self.flush(drain=False)
        if self.pending:
            self._arm()

    async def flush(self, *, drain: bool = True) -> None:
        """Write the pending ids (`drain`: until none is left); they leave memory once
        committed."""
        while self.pending:
            batch = dict(self.pending)
            try:
                await _record(self.core, batch)
            except Exception:  # only a record of work done: keep serving
                log.warning("Could not record %d handled updates", len(batch), exc_info=True)
                return
            for update_id in batch:
                self.pending.pop(update_id, None)
            if not drain:
                return


def _ledger(core: Core) -> _Ledger:
    ledger: _Ledger | None = core.loaders.get("updates.ledger")
    if ledger is None:
        ledger = core.loaders["updates.ledger"] = _Ledger(core)
    return ledger


async def _record(core: Core, batch: dict[int, datetime]) -> None:
    async def run(tx: Tx) -> None:
        rows = [{"update_id": update_id, "at": at} for update_id, at in batch.items()]
        await stored.record(tx.conn, rows)
        if any(update_id % PRUNE_EVERY == 0 for update_id in batch):
            await stored.prune(tx.conn, before=max(batch.values()) - UPDATES_KEPT)

    await core.write(Call[None](run))


async def already_processed(core: Core, update_id: int, *, shared: bool = True) -> bool:
    """True when an update with this id was handled to the end: here, or before this
    process started, or (`shared`: other instances serve the bot too) on another instance
    sharing the database."""
    return await _ledger(core).seen(update_id, shared=shared)


async def mark_processed(
    core: Core, *, update_id: int, now: datetime, durable: bool = False
) -> None:
    """Record that an update's handling completed: in the database within FLUSH_SECONDS,
    or, `durable`, before this returns."""
    ledger = _ledger(core)
    if not durable:
        ledger.mark(update_id, now)
        return
    ledger.remember(update_id)
    ledger.pending.setdefault(update_id, now)
    try:
        await _record(core, {update_id: now})
    finally:
        ledger.pending.pop(update_id, None)


async def flush(core: Core) -> None:
    """Write the pending records now (before shutting down, and in tests)."""
    ledger = _ledger(core)
    if ledger.timer is not None:
        ledger.timer.cancel()
        ledger.timer = None
    if ledger.flushing is not None and not ledger.flushing.done():
        with contextlib.suppress(Exception):
            await ledger.flushing
    await ledger.flush()
