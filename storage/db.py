"""Engines, pragmas and connections; the only module that knows which database dialect runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 30_000


def as_id(value: Any) -> int:
    """The id an INSERT … RETURNING handed back (never None when the insert ran)."""
    if value is None:
        raise RuntimeError("INSERT returned no id")
    return int(value)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, writer: bool = False) -> AsyncEngine:
    """An async engine; SQLite runs with WAL, foreign keys and a busy timeout.

    A SQLite writer engine opens its transactions with BEGIN IMMEDIATE, so a writer that
    reads before it writes waits for the lock instead of failing on a stale snapshot."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # The connection runs in autocommit mode (see _sqlite_pragmas): a reader needs no
        # BEGIN and no rollback on return to the pool, each a thread hop through aiosqlite.
        engine = create_async_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=2 if writer else 8,
            pool_reset_on_return=None,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if writer:
            event.listen(
                engine.sync_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE")
            )
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
    # Let SQLAlchemy's "begin" hook emit BEGIN itself (pysqlite's own is lazy and deferred).
    dbapi_connection.isolation_level = None


@cache
def _insert_ignore_stmt(dialect: str, table: Table, returning: tuple[str, ...]) -> Any:
    stmt: Any = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    stmt = stmt.on_conflict_do_nothing()
    return stmt.returning(*(table.c[name] for name in returning)) if returning else stmt


@cache
def _upsert_add_stmt(
    dialect: str, table: Table, keys: tuple[str, ...], add: tuple[str, ...]
) -> Any:
    base = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return base.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys],
        set_={name: table.c[name] + base.excluded[name] for name in add},
    )


async def insert_ignore(
    conn: AsyncConnection,
    table: Any,
    rows: list[dict[str, Any]],
    *,
    returning: Iterable[str] = (),
) -> list[Any]:
    """INSERT … ON CONFLICT DO NOTHING; returns the rows actually inserted.

    With RETURNING this is an executemany that SQLAlchemy batches into multi-row
    statements ("insertmanyvalues"), compiled once and cached."""
    if not rows:
        return []
    stmt = _insert_ignore_stmt(conn.dialect.name, table, tuple(returning))
    result = await conn.execute(stmt, rows)
    return list(result.all()) if returning else []


async def upsert_add(
    conn: AsyncConnection,
    table: Any,
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: tuple[str, ...],
    add: tuple[str, ...],
) -> None:
    """Insert rows, or add their `add` columns to the row already there (atomic counters)."""
    if not rows:
        return
    await conn.execute(_upsert_add_stmt(conn.dialect.name, table, keys, add), list(rows))


class InlineConnection:
    """SQLite answered on the event loop's own thread, without aiosqlite's thread hops
    (several per statement, each a wake-up of the loop).

    One autocommit connection, opened lazily. Every call runs to completion before it
    returns, so coroutines never interleave inside a statement, and a writer's batch (which
    awaits nothing but these calls) never holds the write lock across a yield of the loop.
    Readers never wait for a lock in WAL mode; a writer waits only for another process's
    write (the busy timeout bounds it). Meant for a request's small reads and the writer's
    batches, not for bulk exports (use the async engine)."""

    def __init__(self, url: str, *, busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_MS / 1000) -> None:
        sync_url = make_url(url).set(drivername="sqlite+pysqlite")
        self._engine = create_engine(
            sync_url,
            connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
            poolclass=StaticPool,
        )
        event.listen(self._engine, "connect", _sqlite_pragmas)
        self._conn: Connection | None = None
        self.dialect = self._engine.dialect

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed:
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._connection().execute(statement, parameters)

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        return self._connection().scalar(statement, parameters)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> Any:
        return self._connection().exec_driver_sql(statement, parameters)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[InlineConnection]:
        """A write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on any error)."""
        conn = self._connection()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            # SQLite rolls back by itself after some errors (a full disk, say): only roll
            # back what is still open, so the original error is the one that surfaces.
            if conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
                conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._engine.dispose()
