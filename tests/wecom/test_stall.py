"""A database stalled for 10 s makes WeCom retry nothing: each callback is answered within
a second (WeCom retries after 5 s without an answer), and its work is done once when the
database answers again.

On PostgreSQL, where the writer waits on the network: a SQLite database shares the event
loop with its writer (storage.db.InlineConnection), so a lock another process holds
stalls the whole process there; the at-scale setup is PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from campaigns.core import Core
from tests import factories as f
from tests.wecom.conftest import drain, poster_url, scan_event, sealed
from tests.wecom.fake_wecom import FakeWeCom
from wecom.door import WeComDoor


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_url"))


async def hold_lock(url: str, seconds: float, locked: asyncio.Event) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE wecom_inbox IN ACCESS EXCLUSIVE MODE")
            locked.set()
            await asyncio.sleep(seconds)
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_a_stalled_database_delays_the_work_not_the_answer(
    core: Core, door: WeComDoor, fake: FakeWeCom, db_url: str
) -> None:
    event = await f.event(core)
    fake.add_user("lisi", "李四", 7)
    scan = sealed(scan_event("lisi", poster_url(event.code)))
    locked = asyncio.Event()
    stall = asyncio.create_task(hold_lock(db_url, 10.0, locked))
    await locked.wait()
    took = []
    for _ in range(3):  # had WeCom waited 5 s, it would have sent it again: it never needs to
        start = time.perf_counter()
        await door.receive(*scan)
        took.append(time.perf_counter() - start)
        await asyncio.sleep(1)
    assert max(took) < 1.0, took
    assert not fake.messages_to("lisi")  # nothing done yet: the database is stalled
    await stall
    await drain(door)
    assert len(fake.messages_to("lisi")) == 1
    assert "低碳日宣传活动" in fake.messages_to("lisi")[0]
