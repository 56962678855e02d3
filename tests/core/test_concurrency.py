"""Double counting is impossible: 500 concurrent attempts record one fact and one set of
points, within one process (one writer) and across several (several writers)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from campaigns import actions, checkin, totals
from campaigns.core import open_core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from storage.models import Fact, LedgerEntry
from tests import factories as f
from tests.factories import NOW, SEPT_DAY


async def _counts(core) -> tuple[int, int]:
    async with core.read() as conn:
        facts = await conn.scalar(select(func.count()).select_from(Fact))
        ledger = await conn.scalar(select(func.count()).select_from(LedgerEntry))
    return int(facts), int(ledger)


async def test_500_concurrent_check_ins_record_one(core) -> None:
    p = await f.person(core, await f.unit(core))
    ev = await f.event(core)
    results = await asyncio.gather(
        *(
            checkin.check_in(core, code=ev.code, person_id=p.id, now=NOW, channel="web")
            for _ in range(500)
        ),
        return_exceptions=True,
    )
    ok = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, Refused)]
    assert len(ok) == 1 and len(refused) == 499
    assert all(r.reason is Reason.ALREADY_CHECKED_IN for r in refused)
    assert await _counts(core) == (1, 1)
    assert (await totals.progress(core, year=2023)).totals.person_times == 1


async def test_500_attempts_across_four_writers_record_one(core, db_url) -> None:
    """Four cores on one database, as four app instances would be."""
    p = await f.person(core, await f.unit(core))
    ev = await f.event(core)
    others = [await open_core(db_url, secret=core.secret, migrate=False) for _ in range(3)]
    try:
        cores = [core, *others]
        results = await asyncio.gather(
            *(
                checkin.check_in(
                    cores[i % 4],
                    code=ev.code,
                    person_id=p.id,
                    now=NOW,
                    channel="web",
                    idempotency_key=f"k{i % 7}",
                )
                for i in range(500)
            ),
            return_exceptions=True,
        )
    finally:
        for other in others:
            await other.close()
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, Refused)]
    assert not unexpected, unexpected[:3]
    firsts = [r for r in results if not isinstance(r, BaseException) and not r.repeated]
    assert len(firsts) == 1
    assert await _counts(core) == (1, 1)
    assert (await totals.reconcile(core, now=NOW)).ok


async def test_same_idempotency_key_twice_concurrently_records_one(core) -> None:
    p = await f.person(core, await f.unit(core))
    results = await asyncio.gather(
        *(
            actions.log_trip(
                core,
                person_id=p.id,
                mode="bus",
                km=4,
                day=SEPT_DAY,
                now=f.SEPT,
                channel="bot",
                idempotency_key="trip-1",
            )
            for _ in range(50)
        )
    )
    assert len({r.fact.id for r in results}) == 1
    assert sum(not r.repeated for r in results) == 1
    assert await _counts(core) == (1, 1)
