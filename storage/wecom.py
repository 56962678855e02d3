"""Reads and writes for the chat doors beyond Telegram: external identities, the WeCom
callback inbox, the chat outbox and announcements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import as_id, insert_ignore
from storage.models import (
    Announcement,
    ChatOutbox,
    ExternalIdentity,
    Person,
    Unit,
    WecomInbox,
)

# external identities ------------------------------------------------------------------------


async def external_person(
    conn: AsyncConnection, *, platform: str, corp_id: str, user_key: str
) -> int | None:
    stmt = select(ExternalIdentity.person_id).where(
        ExternalIdentity.platform == platform,
        ExternalIdentity.corp_id == corp_id,
        ExternalIdentity.user_key == user_key,
    )
    value = await conn.scalar(stmt)
    return None if value is None else int(value)


async def bind_external(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """Insert an identity; False when the account is bound already (another instance)."""
    rows = await insert_ignore(conn, ExternalIdentity.__table__, [values], returning=("id",))
    return bool(rows)


async def has_external(conn: AsyncConnection, *, person_id: int, platform: str) -> bool:
    stmt = select(ExternalIdentity.id).where(
        ExternalIdentity.person_id == person_id, ExternalIdentity.platform == platform
    )
    return (await conn.scalar(stmt.limit(1))) is not None


async def unit_named(conn: AsyncConnection, name: str) -> int | None:
    value = await conn.scalar(select(Unit.id).where(Unit.name_zh == name).limit(1))
    return None if value is None else int(value)


async def unit_by_code(conn: AsyncConnection, code: str) -> int | None:
    value = await conn.scalar(select(Unit.id).where(Unit.code == code))
    return None if value is None else int(value)


# the callback inbox -------------------------------------------------------------------------


async def accept_inbox(conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[str]:
    """Insert callbacks; the dedupe keys actually inserted (a retry inserts nothing)."""
    inserted = await insert_ignore(conn, WecomInbox.__table__, rows, returning=("dedupe_key",))
    return [str(r[0]) for r in inserted]


async def waiting_inbox(
    conn: AsyncConnection, *, stale_before: datetime, limit: int, max_attempts: int
) -> Sequence[RowMapping]:
    """Rows not done, and unclaimed or claimed longer ago than a lease (a worker died, or
    the handling failed), fewer than `max_attempts` times."""
    stmt = (
        select(WecomInbox)
        .where(
            WecomInbox.done_at.is_(None),
            or_(WecomInbox.claimed_at.is_(None), WecomInbox.claimed_at < stale_before),
            WecomInbox.attempts < max_attempts,
        )
        .order_by(WecomInbox.id)
        .limit(limit)
    )
    return (await conn.execute(stmt)).mappings().all()


async def claim_inbox(
    conn: AsyncConnection, row_id: int, *, now: datetime, stale_before: datetime, max_attempts: int
) -> bool:
    """Claim a row for this worker, only if nobody else holds it (a conditional update)."""
    result = await conn.execute(
        update(WecomInbox)
        .where(
            WecomInbox.id == row_id,
            WecomInbox.done_at.is_(None),
            or_(WecomInbox.claimed_at.is_(None), WecomInbox.claimed_at < stale_before),
            WecomInbox.attempts < max_attempts,
        )
        .values(claimed_at=now, attempts=WecomInbox.attempts + 1)
    )
    return bool(result.rowcount)


async def finish_inbox(conn: AsyncConnection, row_id: int, *, now: datetime) -> None:
    await conn.execute(update(WecomInbox).where(WecomInbox.id == row_id).values(done_at=now))


async def inbox_count(conn: AsyncConnection, *, done: bool | None = None) -> int:
    stmt = select(func.count(WecomInbox.id))
    if done is not None:
        stmt = stmt.where(WecomInbox.done_at.is_not(None) if done else WecomInbox.done_at.is_(None))
    return int(await conn.scalar(stmt) or 0)


# the outbox ---------------------------------------------------------------------------------


async def queue_messages(conn: AsyncConnection, rows: list[dict[str, Any]]) -> int:
    """Queue messages; one already queued for the same cause is kept as it was."""
    inserted = await insert_ignore(conn, ChatOutbox.__table__, rows, returning=("id",))
    return len(inserted)


async def waiting_messages(
    conn: AsyncConnection, *, platform: str, limit: int
) -> Sequence[RowMapping]:
    stmt = (
        select(ChatOutbox)
        .where(ChatOutbox.platform == platform, ChatOutbox.claimed_at.is_(None))
        .order_by(ChatOutbox.id)
        .limit(limit)
    )
    return (await conn.execute(stmt)).mappings().all()


async def recent_counts(
    conn: AsyncConnection, *, platform: str, recipients: Sequence[str], since: datetime
) -> dict[str, int]:
    """Messages claimed for each recipient since then (sent, or on their way)."""
    if not recipients:
        return {}
    stmt = (
        select(ChatOutbox.recipient, func.count(ChatOutbox.id))
        .where(
            ChatOutbox.platform == platform,
            ChatOutbox.recipient.in_(list(recipients)),
            ChatOutbox.claimed_at >= since,
        )
        .group_by(ChatOutbox.recipient)
    )
    return {str(r): int(n) for r, n in (await conn.execute(stmt)).all()}


async def claim_messages(conn: AsyncConnection, ids: Sequence[int], *, now: datetime) -> list[int]:
    """Claim rows for one send, only those nobody claimed; the ids claimed."""
    claimed: list[int] = []
    for row_id in ids:
        result = await conn.execute(
            update(ChatOutbox)
            .where(ChatOutbox.id == row_id, ChatOutbox.claimed_at.is_(None))
            .values(claimed_at=now)
        )
        if result.rowcount:
            claimed.append(row_id)
    return claimed


async def mark_sent(
    conn: AsyncConnection, ids: Sequence[int], *, now: datetime, failed: dict[int, str]
) -> None:
    ok = [i for i in ids if i not in failed]
    if ok:
        await conn.execute(update(ChatOutbox).where(ChatOutbox.id.in_(ok)).values(sent_at=now))
    for row_id, why in failed.items():
        await conn.execute(update(ChatOutbox).where(ChatOutbox.id == row_id).values(failure=why))


async def outbox_rows(
    conn: AsyncConnection, *, announcement_id: int | None = None, platform: str | None = None
) -> Sequence[RowMapping]:
    stmt = select(ChatOutbox)
    if announcement_id is not None:
        stmt = stmt.where(ChatOutbox.announcement_id == announcement_id)
    if platform is not None:
        stmt = stmt.where(ChatOutbox.platform == platform)
    return (await conn.execute(stmt.order_by(ChatOutbox.id))).mappings().all()


# announcements ------------------------------------------------------------------------------


async def insert_announcement(conn: AsyncConnection, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(Announcement).values(**values).returning(Announcement.id))
    return as_id(result.scalar())


async def set_recipients(conn: AsyncConnection, announcement_id: int, count: int) -> None:
    await conn.execute(
        update(Announcement).where(Announcement.id == announcement_id).values(recipients=count)
    )


async def announcement(conn: AsyncConnection, announcement_id: int) -> RowMapping | None:
    stmt = select(Announcement).where(Announcement.id == announcement_id)
    return (await conn.execute(stmt)).mappings().first()


async def announcements(conn: AsyncConnection, *, limit: int = 50) -> Sequence[RowMapping]:
    stmt = select(Announcement).order_by(Announcement.id.desc()).limit(limit)
    return (await conn.execute(stmt)).mappings().all()


async def reach_of_units(
    conn: AsyncConnection, *, unit_ids: Sequence[int], corp_id: str | None
) -> Sequence[RowMapping]:
    """Live members of the units with a chat account: their id, Telegram id and WeCom id."""
    wecom = and_(
        ExternalIdentity.person_id == Person.id,
        ExternalIdentity.platform == "wecom",
        ExternalIdentity.corp_id == (corp_id or ""),
    )
    stmt = (
        select(Person.id, Person.telegram_id, Person.language, ExternalIdentity.user_id)
        .outerjoin(ExternalIdentity, wecom)
        .where(
            Person.unit_id.in_(list(unit_ids)),
            Person.deleted_at.is_(None),
            Person.merged_into_id.is_(None),
            Person.left_at.is_(None),
            or_(Person.telegram_id.is_not(None), ExternalIdentity.id.is_not(None)),
        )
        .order_by(Person.id)
    )
    return (await conn.execute(stmt)).mappings().all()
