"""Web sessions' rows: started, looked up by the hash of their secret, touched, ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import WebSession


async def start(
    conn: AsyncConnection, *, key_hash: str, person_id: int, method: str, now: datetime
) -> None:
    await conn.execute(
        insert(WebSession).values(
            key_hash=key_hash,
            person_id=person_id,
            method=method,
            created_at=now,
            last_seen_at=now,
        )
    )


async def by_hash(conn: AsyncConnection, key_hash: str) -> RowMapping | None:
    stmt = select(WebSession.__table__).where(WebSession.key_hash == key_hash).limit(1)
    return (await conn.execute(stmt)).mappings().first()


async def touch(conn: AsyncConnection, key_hash: str, now: datetime) -> None:
    await conn.execute(
        update(WebSession)
        .where(WebSession.key_hash == key_hash, WebSession.ended_at.is_(None))
        .values(last_seen_at=now)
    )


async def end(conn: AsyncConnection, key_hash: str, now: datetime) -> int:
    result = await conn.execute(
        update(WebSession)
        .where(WebSession.key_hash == key_hash, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(result.rowcount or 0)


async def end_all(conn: AsyncConnection, person_id: int, now: datetime) -> int:
    """End every live session of a person; how many were live."""
    result = await conn.execute(
        update(WebSession)
        .where(WebSession.person_id == person_id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(result.rowcount or 0)
