"""Announcements: an organizer tells chosen units about an event or a campaign day (全国低碳
日…); each member of those units with a chat account (WeCom, else Telegram) receives it
once, through the chat outbox, within each platform's limits. The outbox rows are the
record of who was reached; a restart picks up what waits and sends nobody a second copy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from campaigns import audit, text
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.outbox import message_row
from campaigns.reasons import Reason
from campaigns.results import Role
from campaigns.roles import require_role
from storage import queries
from storage import wecom as store
from storage.writer import Call, Tx

MAX_BODY = 1000  # characters: a WeCom text message takes 2,048 bytes


@dataclass(frozen=True)
class Reach:
    person_id: int | None
    platform: str
    claimed_at: datetime | None
    sent_at: datetime | None
    failure: str | None

    @property
    def state(self) -> str:
        """sent | waiting | failed | unconfirmed (claimed for a send that never reported)."""
        if self.failure:
            return "failed"
        if self.sent_at is not None:
            return "sent"
        return "waiting" if self.claimed_at is None else "unconfirmed"


@dataclass(frozen=True)
class AnnouncementView:
    id: int
    body: str
    unit_ids: list[int]
    created_at: datetime
    recipients: int
    sent: int
    waiting: int
    failed: int
    unconfirmed: int  # handed to the platform when a process stopped: not sent again

    @property
    def done(self) -> bool:
        return self.waiting == 0


async def announce(
    core: Core,
    *,
    actor_id: int | None,
    body: str,
    unit_ids: Sequence[int],
    now: datetime,
    corp_id: str | None,
) -> AnnouncementView:
    """Queue an announcement to the members of these units: one message per person, on
    WeCom when they have an account there (reachable in mainland China), else Telegram.
    Refuses NOT_ALLOWED (below organizer), INVALID_INPUT (empty or over 1,000 characters),
    HIDDEN_CHARACTERS, UNKNOWN_UNIT."""
    words = text.check(body.strip())
    if not words or len(words) > MAX_BODY:
        raise Refused(Reason.INVALID_INPUT)
    units = sorted(set(unit_ids))
    if not units:
        raise Refused(Reason.UNKNOWN_UNIT)

    async def run(tx: Tx) -> int:
        await require_role(tx, actor_id, Role.ORGANIZER)
        for unit_id in units:
            if await queries.unit(tx.conn, unit_id) is None:
                raise Refused(Reason.UNKNOWN_UNIT)
        new_id = await store.insert_announcement(
            tx.conn,
            {
                "body": words,
                "unit_ids": json.dumps(units),
                "created_by_id": actor_id,
                "created_at": now,
                "recipients": 0,
            },
        )
        rows, seen = [], set()
        for member in await store.reach_of_units(tx.conn, unit_ids=units, corp_id=corp_id):
            if member["id"] in seen:
                continue
            seen.add(member["id"])
            if member["user_id"]:
                platform, recipient = "wecom", str(member["user_id"])
            else:
                platform, recipient = "telegram", str(member["telegram_id"])
            rows.append(
                message_row(
                    platform,
                    recipient,
                    body=words,
                    key=f"ann:{new_id}:{member['id']}",
                    now=now,
                    person_id=member["id"],
                    announcement_id=new_id,
                )
            )
        await store.queue_messages(tx.conn, rows)
        await store.set_recipients(tx.conn, new_id, len(rows))
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="announce",
            target=f"announcement:{new_id}",
            now=now,
            units=units,
            rows=len(rows),
        )
        return new_id

    return await progress(core, await core.write(Call[int](run)))


async def progress(core: Core, announcement_id: int) -> AnnouncementView:
    """How far an announcement has gone. Refuses INVALID_INPUT for an unknown one."""
    async with core.read() as conn:
        row = await store.announcement(conn, announcement_id)
        if row is None:
            raise Refused(Reason.INVALID_INPUT)
        reach = await _reach(conn, announcement_id)
    return AnnouncementView(
        id=row["id"],
        body=row["body"],
        unit_ids=list(json.loads(row["unit_ids"])),
        created_at=row["created_at"],
        recipients=row["recipients"],
        sent=sum(1 for r in reach if r.state == "sent"),
        waiting=sum(1 for r in reach if r.state == "waiting"),
        failed=sum(1 for r in reach if r.state == "failed"),
        unconfirmed=sum(1 for r in reach if r.state == "unconfirmed"),
    )


async def reached(core: Core, announcement_id: int) -> list[Reach]:
    """The record: each recipient, the platform and when it was sent (or why not)."""
    async with core.read() as conn:
        return await _reach(conn, announcement_id)


async def recent(core: Core, *, limit: int = 20) -> list[AnnouncementView]:
    async with core.read() as conn:
        ids = [r["id"] for r in await store.announcements(conn, limit=limit)]
    return [await progress(core, i) for i in ids]


async def _reach(conn: AsyncConnection, announcement_id: int) -> list[Reach]:
    rows = await store.outbox_rows(conn, announcement_id=announcement_id)
    return [
        Reach(r["person_id"], r["platform"], r["claimed_at"], r["sent_at"], r["failure"])
        for r in rows
    ]
