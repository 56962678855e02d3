"""One writer per process: commands queue up and commit together, each caller still
getting its own exact answer (or its own refusal).

A command checks everything before it writes, so a refusal leaves the shared transaction
clean. An unexpected error rolls the batch back and every command is retried alone, so one
bad command cannot take the others' answers with it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.tallies import Deltas

log = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Expected(Exception):
    """Base for errors a command raises on purpose before writing (a refusal)."""


class Tx:
    """What a command sees: the batch's connection and its pending tally changes."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.deltas = Deltas()
        self.scratch: dict[str, Any] = {}


class Command(Protocol[T_co]):
    async def run(self, tx: Tx) -> T_co: ...


class BatchCommand(Protocol[T_co]):
    """A command that also knows how to run many of its kind at once."""

    async def run(self, tx: Tx) -> T_co: ...

    @classmethod
    async def run_batch(cls, tx: Tx, commands: Sequence[Any]) -> list[Any]: ...


class _Item(Generic[T]):
    __slots__ = ("command", "future")

    def __init__(self, command: Command[T], future: asyncio.Future[T]) -> None:
        self.command = command
        self.future = future


class Writer:
    """`engine` is an async engine, or anything with an async `begin()` context yielding a
    connection (the inline SQLite connection)."""

    def __init__(self, engine: AsyncEngine | Any, *, max_batch: int = 256) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Item[Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.on_batch: Callable[[int], None] | None = None  # told each batch's size (metrics)

    @property
    def depth(self) -> int:
        """Commands waiting for the next batch."""
        return self._queue.qsize()

    async def submit(self, command: Command[T]) -> T:
        if self._closed:
            raise RuntimeError("writer is closed")
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._loop(), name="greentally-writer")
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put_nowait(_Item(command, future))
        # A caller cancelled while it waits cancels only its future: the command still runs
        # in its batch (the loop skips a done future), as an acknowledged write must.
        return await future

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            while not self._queue.empty():
                await asyncio.sleep(0.01)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            if self.on_batch is not None:
                self.on_batch(len(batch))
            await self._execute(batch)

    async def _execute(self, batch: list[_Item[Any]]) -> None:
        try:
            async with self._engine.begin() as conn:
                tx = Tx(conn)
                outcomes = await _run_all(tx, batch)
                await tx.deltas.flush(conn)
        except Exception as exc:  # isolate, then report per command
            log.debug("batch of %d failed (%r); retrying each alone", len(batch), exc)
            if len(batch) == 1:
                if not batch[0].future.done():
                    batch[0].future.set_exception(exc)
                return
            for item in batch:
                await self._execute([item])
            return
        for item, (ok, value) in zip(batch, outcomes, strict=True):
            if item.future.done():
                continue
            if ok:
                item.future.set_result(value)
            else:
                item.future.set_exception(value)


async def _run_all(tx: Tx, batch: list[_Item[Any]]) -> list[tuple[bool, Any]]:
    """Run commands in order; consecutive batchable commands of one kind run together."""
    outcomes: list[tuple[bool, Any]] = []
    i = 0
    while i < len(batch):
        kind = type(batch[i].command)
        if hasattr(kind, "run_batch"):
            j = i
            while j < len(batch) and type(batch[j].command) is kind:
                j += 1
            results = await kind.run_batch(tx, [it.command for it in batch[i:j]])
            for r in results:  # an unexpected one (a lost race): roll back, each alone
                if isinstance(r, Exception) and not isinstance(r, Expected):
                    raise r
            outcomes.extend((not isinstance(r, Expected), r) for r in results)
            i = j
            continue
        try:
            outcomes.append((True, await batch[i].command.run(tx)))
        except Expected as exc:
            outcomes.append((False, exc))
        i += 1
    return outcomes


class Call(Generic[T]):
    """A one-off command: an async function of the transaction."""

    __slots__ = ("fn",)

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    async def run(self, tx: Tx) -> T:
        result: T = await self.fn(tx)
        return result
