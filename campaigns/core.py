"""The core object the front doors hold: engines, the writer, rules and the goal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from campaigns.rules import Rules, load_rules
from storage.db import InlineConnection, is_sqlite, make_engine
from storage.migrate import upgrade
from storage.writer import Command, Writer

# Campaign days are local dates in the county's zone: Settings.timezone, handed to make_core
# by greentally; this default serves tests and benchmarks that build a core themselves.
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
T = TypeVar("T")


@dataclass
class Core:
    url: str
    engine: AsyncEngine
    write_engine: AsyncEngine
    writer: Writer
    rules: Rules
    goal: int
    secret: str = ""
    tz: ZoneInfo = DEFAULT_TZ
    inline: InlineConnection | None = None
    inline_writer: InlineConnection | None = None
    # Telegram id -> (expiry, person): the bot looks its sender up on every update. Cleared
    # by every change to people made here; another instance's change shows within the TTL.
    people_cache: dict[int, tuple[float, Any]] = field(default_factory=dict)
    people_cache_seconds: float = 5.0
    # Batch loaders by name (campaigns.loader), made on first use by the module that reads.
    loaders: dict[str, Any] = field(default_factory=dict)
    # Told every write's result (the web's metrics count facts by kind and channel).
    observers: list[Callable[[Any], None]] = field(default_factory=list)

    def today(self, now: datetime) -> date:
        """The campaign day (a local date) of an aware instant."""
        return now.astimezone(self.tz).date()

    async def write(self, command: Command[T]) -> T:
        result = await self.writer.submit(command)
        for observe in self.observers:
            observe(result)
        return result

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a request's small reads (on SQLite: answered inline)."""
        if self.inline is not None:
            yield self.inline  # type: ignore[misc]  # the same awaitable execute/scalar
            return
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncConnection]:
        """A read transaction: every statement inside sees the same committed state."""
        async with self.engine.connect() as conn:
            if is_sqlite(self.url):
                await conn.exec_driver_sql("BEGIN")
                try:
                    yield conn
                finally:
                    await conn.exec_driver_sql("ROLLBACK")
            else:
                await conn.execution_options(isolation_level="REPEATABLE READ")
                yield conn

    @asynccontextmanager
    async def read_bulk(self) -> AsyncIterator[AsyncConnection]:
        """A connection for large reads (exports) that must not hold the event loop."""
        async with self.engine.connect() as conn:
            yield conn

    async def ping(self) -> None:
        """Readiness: the database answers."""
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def close(self) -> None:
        await self.writer.close()
        for inline in (self.inline, self.inline_writer):
            if inline is not None:
                inline.close()
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()


def make_core(
    database_url: str,
    *,
    goal: int = 2000,
    secret: str = "",
    rules: Rules | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
) -> Core:
    """A core over a database already migrated; connects lazily, on first use.

    On SQLite, small reads and the writer's batches run inline on the event loop's thread
    (see storage.db.InlineConnection); on PostgreSQL everything goes through asyncpg."""
    engine = make_engine(database_url)
    sqlite = is_sqlite(database_url)
    write_engine = make_engine(database_url, writer=True) if sqlite else engine
    inline_writer = InlineConnection(database_url) if sqlite else None
    return Core(
        url=database_url,
        engine=engine,
        write_engine=write_engine,
        writer=Writer(inline_writer or write_engine),
        rules=rules or load_rules(),
        goal=goal,
        secret=secret,
        tz=tz,
        inline=InlineConnection(database_url) if sqlite else None,
        inline_writer=inline_writer,
    )


async def open_core(
    database_url: str,
    *,
    goal: int = 2000,
    secret: str = "",
    migrate: bool = True,
    rules: Rules | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
) -> Core:
    """Open the database (applying migrations first) and start the writer."""
    if migrate:
        await upgrade(database_url)
    return make_core(database_url, goal=goal, secret=secret, rules=rules, tz=tz)
