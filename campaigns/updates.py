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
Reads of the record are gathered (campaigns.loader): updates arriving together cost one
query.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
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


class _Ledger:
    """One per core: ids handled but not yet in the database, and the batched reads."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.pending: dict[int, datetime] = {}
        self.flushing: asyncio.Task[None] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.loader: BatchLoader[int, bool] = BatchLoader(self._fetch)

    async def _fetch(self, ids: Sequence[int]) -> dict[int, bool]:
        async with self.core.read() as conn:
            found = await stored.processed(conn, ids)
        return dict.fromkeys(found, True)

    def mark(self, update_id: int, now: datetime) -> None:
        self.pending.setdefault(update_id, now)
        if len(self.pending) >= MAX_PENDING:
            self._start_flush()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._start_flush)

    def _start_flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.get_running_loop().create_task(self.flush())

    async def flush(self) -> None:
        """Write every pending id; they leave memory once committed."""
        while self.pending:
            batch = dict(self.pending)
            try:
                await _record(self.core, batch)
            except Exception:  # noqa: BLE001 - only a record of work done: keep serving
                log.warning("Could not record %d handled updates", len(batch), exc_info=True)
                return
            for update_id in batch:
                self.pending.pop(update_id, None)


def _ledger(core: Core) -> _Ledger:
    ledger: _Ledger | None = core.loaders.get("updates.ledger")
    if ledger is None:
        ledger = core.loaders["updates.ledger"] = _Ledger(core)
    return ledger


async def _record(core: Core, batch: dict[int, datetime]) -> int:
    async def run(tx: Tx) -> int:
        rows = [{"update_id": update_id, "at": at} for update_id, at in batch.items()]
        added = await stored.record(tx.conn, rows)
        if any(update_id % PRUNE_EVERY == 0 for update_id in batch):
            await stored.prune(tx.conn, before=max(batch.values()) - UPDATES_KEPT)
        return added

    return await core.write(Call[int](run))


async def already_processed(core: Core, update_id: int) -> bool:
    """True when an update with this id was handled to the end (here or on another
    instance sharing the database)."""
    ledger = _ledger(core)
    if update_id in ledger.pending:
        return True
    return bool(await ledger.loader.load(update_id))


async def mark_processed(
    core: Core, *, update_id: int, now: datetime, durable: bool = False
) -> None:
    """Record that an update's handling completed: in the database within FLUSH_SECONDS,
    or, `durable`, before this returns."""
    ledger = _ledger(core)
    if not durable:
        ledger.mark(update_id, now)
        return
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
