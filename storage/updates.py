"""Telegram update ids whose handling completed (the `processed_updates` table)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import insert_ignore
from storage.models import ProcessedUpdate


@cache
def _processed_in() -> Any:
    return select(ProcessedUpdate.update_id).where(
        ProcessedUpdate.update_id.in_(bindparam("ids", expanding=True))
    )


async def processed(conn: AsyncConnection, update_ids: Sequence[int]) -> set[int]:
    """Which of these update ids are recorded as processed."""
    if not update_ids:
        return set()
    rows = await conn.execute(_processed_in(), {"ids": list(update_ids)})
    return {int(row[0]) for row in rows}


async def highest(conn: AsyncConnection) -> int:
    """The highest update id recorded (0 when none is)."""
    value = await conn.scalar(select(func.max(ProcessedUpdate.update_id)))
    return int(value or 0)


async def record(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Record update ids (`update_id`, `at`) as processed; an id already there is kept as it
    was (one executemany, no RETURNING: nothing needs the answer)."""
    await insert_ignore(conn, ProcessedUpdate.__table__, rows)


async def prune(conn: AsyncConnection, *, before: datetime) -> None:
    await conn.execute(delete(ProcessedUpdate).where(ProcessedUpdate.at < before))
