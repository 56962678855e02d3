"""The writer: a failing command cannot take the others' answers or writes with it."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from campaigns import people
from campaigns.core import Core
from storage import writes
from storage.models import Person
from storage.writer import Call, Tx
from tests import factories as f
from tests.factories import NOW


async def _people(core: Core) -> int:
    async with core.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Person)) or 0)


async def test_a_crashing_command_is_isolated_from_its_batch(core: Core) -> None:
    unit = await f.unit(core)

    async def crash(tx: Tx) -> None:
        await writes.insert_row(
            tx.conn,
            Person,
            display_name="半写入",
            unit_id=unit.id,
            role="participant",
            language="zh",
            qr_token="half-written",
            created_at=NOW,
        )
        raise RuntimeError("boom after a write")

    results = await asyncio.gather(
        people.register_person(core, name="甲", unit_id=unit.id, now=NOW),
        core.write(Call[None](crash)),
        people.register_person(core, name="乙", unit_id=unit.id, now=NOW),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results] == ["PersonView", "RuntimeError", "PersonView"]
    assert await _people(core) == 2  # the crashing command's write was rolled back
    again = await people.register_person(core, name="丙", unit_id=unit.id, now=NOW)
    assert again.display_name == "丙" and await _people(core) == 3
