"""Reads of the audit log, the last reconcile, and the marks any dashboard change moves."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import AuditEntry, CanteenCheck, Fact, Person


async def audit_entries(
    conn: AsyncConnection, *, limit: int, before_id: int | None = None, action: str | None = None
) -> Sequence[RowMapping]:
    stmt = (
        select(AuditEntry, Person.display_name.label("actor_name"))
        .outerjoin(Person, Person.id == AuditEntry.actor_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return (await conn.execute(stmt)).mappings().all()


async def last_reconcile(conn: AsyncConnection) -> RowMapping | None:
    stmt = (
        select(AuditEntry.at, AuditEntry.detail)
        .where(AuditEntry.action == "reconcile")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return (await conn.execute(stmt)).mappings().first()


async def change_marks(conn: AsyncConnection) -> tuple[int, int, int]:
    """(last fact id, last audit id, last canteen check id): any write the dashboard shows
    moves one of them (voids and catalog edits are audited)."""
    row = (
        await conn.execute(
            select(
                select(func.max(Fact.id)).scalar_subquery(),
                select(func.max(AuditEntry.id)).scalar_subquery(),
                select(func.max(CanteenCheck.id)).scalar_subquery(),
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)
