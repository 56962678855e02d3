"""Reads of the points ledger: balances, keyed entries, redemptions, a person's entries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import LedgerEntry, Person, Reward


async def ledger_balance(conn: AsyncConnection, person_id: int) -> int:
    stmt = select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
        LedgerEntry.person_id == person_id
    )
    return int(await conn.scalar(stmt) or 0)


async def ledger_by_key(conn: AsyncConnection, key: str) -> RowMapping | None:
    stmt = select(LedgerEntry).where(LedgerEntry.idempotency_key == key)
    return (await conn.execute(stmt)).mappings().first()


async def redemptions(conn: AsyncConnection, *, limit: int) -> Sequence[RowMapping]:
    stmt = (
        select(LedgerEntry, Person.display_name, Reward.name_zh, Reward.name_en)
        .join(Person, Person.id == LedgerEntry.person_id)
        .join(Reward, Reward.id == LedgerEntry.reward_id)
        .where(LedgerEntry.kind == "redeem")
        .order_by(LedgerEntry.id.desc())
        .limit(limit)
    )
    return (await conn.execute(stmt)).mappings().all()


async def ledger_of_person(conn: AsyncConnection, person_id: int) -> Sequence[RowMapping]:
    stmt = select(LedgerEntry).where(LedgerEntry.person_id == person_id).order_by(LedgerEntry.id)
    return (await conn.execute(stmt)).mappings().all()
