"""The batch loader: lookups asked for together go out as one query, each caller gets its
own answer (or the batch's error)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from campaigns.loader import BatchLoader


class Table:
    def __init__(self, rows: dict[int, str], *, fail: bool = False) -> None:
        self.rows, self.fail = rows, fail
        self.queries: list[list[int]] = []

    async def fetch(self, keys: Sequence[int]) -> dict[int, str]:
        self.queries.append(list(keys))
        await asyncio.sleep(0)  # a real query yields to the loop
        if self.fail:
            raise RuntimeError("database went away")
        return {k: self.rows[k] for k in keys if k in self.rows}


async def test_lookups_asked_together_go_out_as_one_query() -> None:
    table = Table({i: f"p{i}" for i in range(100)})
    loader = BatchLoader(table.fetch)
    keys = [*range(50), 7, 7, 1000]  # repeats and a key nobody has
    answers = await asyncio.gather(*(loader.load(k) for k in keys))
    assert answers == [f"p{k}" if k < 100 else None for k in keys]
    assert len(table.queries) == 1 and sorted(table.queries[0]) == sorted({*range(50), 1000})
    # The next turn is a new batch, not a cache.
    table.rows[1000] = "late"
    assert await loader.load(1000) == "late"
    assert len(table.queries) == 2


async def test_a_batch_is_split_at_its_limit() -> None:
    table = Table({i: str(i) for i in range(25)})
    loader = BatchLoader(table.fetch, max_batch=10)
    assert await asyncio.gather(*(loader.load(k) for k in range(25))) == [str(k) for k in range(25)]
    assert [len(q) for q in table.queries] == [10, 10, 5]


async def test_a_failed_query_fails_each_caller_and_the_next_batch_starts_afresh() -> None:
    table = Table({1: "a"}, fail=True)
    loader = BatchLoader(table.fetch)
    results = await asyncio.gather(loader.load(1), loader.load(2), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    table.fail = False
    assert await loader.load(1) == "a"


async def test_a_caller_that_gives_up_does_not_break_the_batch() -> None:
    table = Table({1: "a", 2: "b"})
    loader = BatchLoader(table.fetch)
    quitter = asyncio.ensure_future(loader.load(1))
    stayer = asyncio.ensure_future(loader.load(2))
    await asyncio.sleep(0)
    quitter.cancel()
    assert await stayer == "b"
    with pytest.raises(asyncio.CancelledError):
        await quitter
