"""Reads of rewards, with how many were handed out."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import LedgerEntry, Reward


async def rewards(conn: AsyncConnection) -> Sequence[RowMapping]:
    redeemed = (
        select(func.count(LedgerEntry.id))
        .where(LedgerEntry.reward_id == Reward.id, LedgerEntry.kind == "redeem")
        .scalar_subquery()
    )
    stmt = select(Reward, redeemed.label("redeemed")).order_by(Reward.price, Reward.id)
    return (await conn.execute(stmt)).mappings().all()


async def reward(conn: AsyncConnection, reward_id: int) -> RowMapping | None:
    return (await conn.execute(select(Reward).where(Reward.id == reward_id))).mappings().first()
