"""The chat doors' inbox and outbox, in the database so that they hold across restarts and
instances: a callback accepted once however often it is delivered, claimed by one worker;
a message queued once per cause, claimed before it is sent and never sent twice."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from campaigns.core import Core
from storage import wecom as store
from storage.writer import Call, Tx

LEASE = timedelta(minutes=2)  # a claimed callback not done by then is taken up again
# A callback whose handling failed this often is left alone (its row stays, not done, for
# an operator to read): a message that always fails is not retried every LEASE forever.
MAX_ATTEMPTS = 5
PER_MINUTE = 30  # messages one member may receive in a minute (WeCom drops the rest)
MAX_RECIPIENTS = 1000  # recipients of one message/send call


@dataclass(frozen=True)
class Inbound:
    """A callback's message as the worker needs it."""

    id: int
    dedupe_key: str
    user_id: str
    fields: dict[str, str]
    attempt: int = 1  # this claim's number; the last is MAX_ATTEMPTS


@dataclass(frozen=True)
class Outgoing:
    id: int
    recipient: str
    body: str
    person_id: int | None
    announcement_id: int | None


# inbox --------------------------------------------------------------------------------------


async def accept(
    core: Core, items: Sequence[tuple[str, str, str, dict[str, str]]], *, now: datetime
) -> list[str]:
    """Record callbacks (dedupe key, corp, user, fields); the keys new to the database."""
    rows = [
        {
            "dedupe_key": key,
            "corp_id": corp,
            "user_id": user,
            "payload": json.dumps(fields, ensure_ascii=False),
            "received_at": now,
            "attempts": 0,
        }
        for key, corp, user, fields in items
    ]

    async def run(tx: Tx) -> list[str]:
        return await store.accept_inbox(tx.conn, rows)

    return await core.write(Call[list[str]](run))


async def claim_inbound(core: Core, *, now: datetime, limit: int = 50) -> list[Inbound]:
    """Callbacks for this worker, each claimed by no other, none claimed MAX_ATTEMPTS
    times already."""
    stale = now - LEASE

    async def run(tx: Tx) -> list[Inbound]:
        rows = await store.waiting_inbox(
            tx.conn, stale_before=stale, limit=limit, max_attempts=MAX_ATTEMPTS
        )
        out = []
        for row in rows:
            if await store.claim_inbox(
                tx.conn, row["id"], now=now, stale_before=stale, max_attempts=MAX_ATTEMPTS
            ):
                out.append(
                    Inbound(
                        row["id"],
                        row["dedupe_key"],
                        row["user_id"],
                        json.loads(row["payload"]),
                        attempt=int(row["attempts"]) + 1,
                    )
                )
        return out

    return await core.write(Call[list[Inbound]](run))


async def finish(
    core: Core, inbound: Inbound, *, now: datetime, replies: Sequence[tuple[str, str, int | None]]
) -> None:
    """A callback done, with its replies (platform, body, person) queued in the same
    transaction: a callback taken up again after a crash queues nothing twice."""
    rows = [
        message_row(
            platform,
            inbound.user_id,
            body=body,
            key=f"re:{inbound.dedupe_key}:{n}",
            now=now,
            person_id=person_id,
        )
        for n, (platform, body, person_id) in enumerate(replies)
    ]

    async def run(tx: Tx) -> None:
        await store.queue_messages(tx.conn, rows)
        await store.finish_inbox(tx.conn, inbound.id, now=now)

    await core.write(Call[None](run))


def message_row(
    platform: str,
    recipient: str,
    *,
    body: str,
    key: str,
    now: datetime,
    person_id: int | None,
    announcement_id: int | None = None,
) -> dict[str, Any]:
    return {
        "platform": platform,
        "recipient": recipient,
        "person_id": person_id,
        "dedupe_key": key,
        "body": body,
        "announcement_id": announcement_id,
        "created_at": now,
    }


# outbox -------------------------------------------------------------------------------------


async def claim_batch(
    core: Core, *, platform: str, now: datetime, limit: int = 2000
) -> list[list[Outgoing]]:
    """The next sends: waiting messages grouped by text (one call each, at most 1,000
    recipients), leaving for later those whose recipient has had 30 this minute. Claimed
    here, before the send: a crash after it leaves them claimed, never sent again."""

    async def run(tx: Tx) -> list[list[Outgoing]]:
        rows = await store.waiting_messages(tx.conn, platform=platform, limit=limit)
        recent = await store.recent_counts(
            tx.conn,
            platform=platform,
            recipients=sorted({r["recipient"] for r in rows}),
            since=now - timedelta(minutes=1),
        )
        picked, seen = [], set()
        for row in rows:
            who = row["recipient"]
            if recent.get(who, 0) >= PER_MINUTE:
                continue
            if (who, row["body"]) in seen:  # twice the same text in one call: next round
                continue
            seen.add((who, row["body"]))
            recent[who] = recent.get(who, 0) + 1
            picked.append(row)
        claimed = set(await store.claim_messages(tx.conn, [r["id"] for r in picked], now=now))
        groups: dict[str, list[Outgoing]] = {}
        for row in picked:
            if row["id"] in claimed:
                groups.setdefault(row["body"], []).append(_outgoing(row))
        return [
            group[i : i + MAX_RECIPIENTS]
            for group in groups.values()
            for i in range(0, len(group), MAX_RECIPIENTS)
        ]

    return await core.write(Call[list[list[Outgoing]]](run))


def _outgoing(row: Any) -> Outgoing:
    return Outgoing(
        id=row["id"],
        recipient=row["recipient"],
        body=row["body"],
        person_id=row["person_id"],
        announcement_id=row["announcement_id"],
    )


async def sent(
    core: Core, batch: Sequence[Outgoing], *, now: datetime, failed: dict[str, str]
) -> None:
    """The send's outcome: delivered, or refused for the recipients in `failed`."""
    ids = [m.id for m in batch]
    by_recipient = {m.recipient: m.id for m in batch}
    failures = {by_recipient[r]: why for r, why in failed.items() if r in by_recipient}

    async def run(tx: Tx) -> None:
        await store.mark_sent(tx.conn, ids, now=now, failed=failures)

    await core.write(Call[None](run))
