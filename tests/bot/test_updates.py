"""The record of handled Telegram updates (campaigns.updates), on SQLite and PostgreSQL:
an id recorded is known at once here and, once written, on another instance; it is written
in batches (or at once, `durable`); old ids are pruned after a day."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from campaigns import updates
from campaigns.core import Core
from tests import factories
from tests.bot.conftest import both_backends

db_url = both_backends
NOW = factories.NOW


async def test_an_update_is_known_once_recorded(core: Core, other_core: Core) -> None:
    assert not await updates.already_processed(core, 5)
    await updates.mark_processed(core, update_id=5, now=NOW)
    assert await updates.already_processed(core, 5)  # at once, here
    assert not await updates.already_processed(other_core, 5)  # not yet written
    await asyncio.sleep(updates.FLUSH_SECONDS * 3)
    assert await updates.already_processed(other_core, 5)  # written within the moment
    await updates.mark_processed(core, update_id=5, now=NOW)  # again: no harm
    await updates.flush(core)
    assert await updates.already_processed(other_core, 5)


async def test_durable_records_are_written_before_returning(core: Core, other_core: Core) -> None:
    await updates.mark_processed(core, update_id=7, now=NOW, durable=True)
    assert await updates.already_processed(other_core, 7)


async def test_many_at_once_are_written_together(core: Core, other_core: Core) -> None:
    for update_id in range(100, 100 + updates.MAX_PENDING + 3):
        await updates.mark_processed(core, update_id=update_id, now=NOW)
    await updates.flush(core)
    found = await asyncio.gather(
        *(updates.already_processed(other_core, i) for i in range(99, 104 + updates.MAX_PENDING))
    )
    assert found == [False] + [True] * (updates.MAX_PENDING + 3) + [False]


async def test_processed_update_ids_are_pruned_after_a_day(core: Core, other_core: Core) -> None:
    old, recent = NOW - timedelta(days=2), NOW - timedelta(hours=1)
    await updates.mark_processed(core, update_id=11, now=old, durable=True)
    await updates.mark_processed(core, update_id=12, now=recent, durable=True)
    every = updates.PRUNE_EVERY
    await updates.mark_processed(core, update_id=every * 7, now=NOW, durable=True)
    assert not await updates.already_processed(other_core, 11)  # forgotten
    assert await updates.already_processed(other_core, 12)
    assert await updates.already_processed(other_core, every * 7)


async def test_one_process_looks_up_only_what_it_may_have_handled_before(
    core: Core, other_core: Core
) -> None:
    """Not shared (one process serves the bot): an id above every one recorded when it
    started was not handled before, unless here; below, it is looked up (a redelivery
    after a restart)."""
    await updates.mark_processed(other_core, update_id=40, now=NOW, durable=True)  # before
    assert await updates.already_processed(core, 40, shared=False)  # looked up: found
    assert not await updates.already_processed(core, 39, shared=False)  # looked up: not there
    assert not await updates.already_processed(core, 41, shared=False)  # above: not handled
    await updates.mark_processed(core, update_id=41, now=NOW)
    await updates.flush(core)
    assert await updates.already_processed(core, 41, shared=False)  # handled here, remembered
    # Only another instance (shared mode, which looks everything up) could add ids above.
    await updates.mark_processed(other_core, update_id=42, now=NOW, durable=True)
    assert not await updates.already_processed(core, 42, shared=False)
    assert await updates.already_processed(core, 42, shared=True)


async def test_a_steady_stream_is_written_once_each_moment_not_once_each_update(
    core: Core, other_core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update every millisecond for half a second: the ids go to the database in one insert
    each FLUSH_SECONDS, not in one per update (a flush that looped while updates kept
    arriving wrote nearly every update alone)."""
    writes: list[int] = []
    record = updates._record

    async def counted(core: Core, batch: dict[int, Any]) -> None:
        writes.append(len(batch))
        await record(core, batch)

    monkeypatch.setattr(updates, "_record", counted)
    started = asyncio.get_running_loop().time()
    for update_id in range(1000, 1500):
        await updates.mark_processed(core, update_id=update_id, now=NOW)
        await asyncio.sleep(0.001)
    elapsed = asyncio.get_running_loop().time() - started
    await updates.flush(core)
    assert sum(writes) == 500
    assert len(writes) <= elapsed / updates.FLUSH_SECONDS + 2, writes
    found = await asyncio.gather(*(updates.already_processed(other_core, i) for i in (1000, 1499)))
    assert found == [True, True]
