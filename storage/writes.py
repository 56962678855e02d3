"""Row writes the services need, so that no SQL is written outside storage/. The caller
passes the model and the values; the writer's transaction (storage.writer) owns the commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import as_id
from storage.models import Campaign, Fact, LedgerEntry, LoginToken, Reward


async def insert_row(conn: AsyncConnection, model: Any, **values: Any) -> int:
    """Insert one row; its new id."""
    return as_id(await conn.scalar(insert(model).values(**values).returning(model.id)))


async def insert_rows(conn: AsyncConnection, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(model), rows)


async def update_by_id(conn: AsyncConnection, model: Any, row_id: int, **values: Any) -> None:
    await conn.execute(update(model).where(model.id == row_id).values(**values))


async def use_login_token(
    conn: AsyncConnection, digest: str, now: datetime, *, purpose: str = "signin"
) -> int | None:
    """Mark an unused, unexpired one-time token used; the person it names, or None."""
    result = await conn.execute(
        update(LoginToken)
        .where(
            LoginToken.token_hash == digest,
            LoginToken.used_at.is_(None),
            LoginToken.expires_at > now,
            LoginToken.purpose == purpose,
        )
        .values(used_at=now)
        .returning(LoginToken.person_id)
    )
    person_id = result.scalar()
    return None if person_id is None else int(person_id)


async def set_evidence_status(conn: AsyncConnection, fact_id: int, status: str) -> None:
    await conn.execute(update(Fact).where(Fact.id == fact_id).values(evidence_status=status))


async def insert_reward(conn: AsyncConnection, values: dict[str, Any]) -> int:
    return as_id(await conn.scalar(insert(Reward).values(**values).returning(Reward.id)))


async def update_reward(conn: AsyncConnection, reward_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(Reward).where(Reward.id == reward_id).values(**values))


async def take_from_stock(conn: AsyncConnection, reward_id: int) -> bool:
    """One item out of stock, only if one is left (a conditional update, race-free)."""
    result = await conn.execute(
        update(Reward)
        .where(Reward.id == reward_id, Reward.stock > 0)
        .values(stock=Reward.stock - 1)
    )
    return bool(result.rowcount)


async def insert_ledger(conn: AsyncConnection, values: dict[str, Any]) -> int:
    return as_id(await conn.scalar(insert(LedgerEntry).values(**values).returning(LedgerEntry.id)))


async def update_campaign(conn: AsyncConnection, campaign_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(Campaign).where(Campaign.id == campaign_id).values(**values))
