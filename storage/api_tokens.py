"""Organizers' API tokens: insert, list, look up by hash, revoke, mark used."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import as_id
from storage.models import ApiToken, Person


async def insert_token(conn: AsyncConnection, **values: Any) -> int:
    return as_id(await conn.scalar(insert(ApiToken).values(**values).returning(ApiToken.id)))


async def token(conn: AsyncConnection, token_id: int) -> RowMapping | None:
    stmt = select(ApiToken).where(ApiToken.id == token_id)
    return (await conn.execute(stmt)).mappings().first()


async def tokens_of(conn: AsyncConnection, person_id: int) -> Sequence[RowMapping]:
    stmt = select(ApiToken).where(ApiToken.person_id == person_id).order_by(ApiToken.id.desc())
    return (await conn.execute(stmt)).mappings().all()


async def token_by_hash(conn: AsyncConnection, digest: str) -> RowMapping | None:
    """The token with its owner's role and deletion, in one read."""
    stmt = (
        select(ApiToken, Person.role.label("owner_role"), Person.deleted_at.label("owner_gone"))
        .join(Person, Person.id == ApiToken.person_id)
        .where(ApiToken.token_hash == digest)
    )
    return (await conn.execute(stmt)).mappings().first()


async def revoke(conn: AsyncConnection, token_id: int, now: datetime) -> None:
    await conn.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def mark_used(conn: AsyncConnection, token_id: int, now: datetime) -> bool:
    """Stamp a use; False when the token was revoked meanwhile (the use is refused)."""
    result = await conn.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(last_used_at=now)
    )
    return bool(result.rowcount)
