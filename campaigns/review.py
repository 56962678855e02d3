"""Corrections: voiding a fact with a reason (and its rules: a reason is required, a void
is never voided again, totals and points are reversed, a habit day's count passes to
another entry), the approval and photo-evidence queue, undo at the door, and the audit log
that records who did each of them and when. Every correction checks its actor through
campaigns.roles.require_role."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from campaigns import audit
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.recording import counts_toward_goal, day_key, set_fact, shape_of, waiting_of
from campaigns.results import FactKind, FactView, Role, pick
from campaigns.roles import require_role
from campaigns.views import fact_view
from storage import queries, writes
from storage.models import Fact, LedgerEntry
from storage.tallies import dims_of, forget_person_if_gone
from storage.writer import Call, Tx

UNDO_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class FactLine:
    """A fact with the names an organizer needs to judge it."""

    fact: FactView
    person_name: str
    logger_name: str
    unit_name_zh: str
    unit_name_en: str
    campaign_zh: str
    campaign_en: str
    event_zh: str
    event_en: str
    evidence_status: str | None

    def campaign(self, lang: str) -> str:
        return pick(lang, self.campaign_zh, self.campaign_en)

    def unit(self, lang: str) -> str:
        return pick(lang, self.unit_name_zh, self.unit_name_en)

    def event(self, lang: str) -> str:
        return pick(lang, self.event_zh or "", self.event_en or "")


def _line(r: Any) -> FactLine:
    return FactLine(
        fact=fact_view(r),
        person_name=r["person_name"] or "",
        logger_name=r["logger_name"] or "",
        unit_name_zh=r["unit_name_zh"],
        unit_name_en=r["unit_name_en"],
        campaign_zh=r["campaign_zh"],
        campaign_en=r["campaign_en"],
        event_zh=r["event_zh"] or "",
        event_en=r["event_en"] or "",
        evidence_status=r["evidence_status"],
    )


async def fact_lines(
    core: Core,
    *,
    limit: int = 100,
    before_id: int | None = None,
    person_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[FactLine]:
    """Facts newest first (voided ones too), optionally one person's or one date range's."""
    async with core.read() as conn:
        rows = await queries.facts_listing(
            conn, limit=limit, before_id=before_id, person_id=person_id, start=start, end=end
        )
    return [_line(r) for r in rows]


async def get_fact(core: Core, *, fact_id: int) -> FactLine:
    """Refuses UNKNOWN_FACT."""
    lines = await fact_lines(core, limit=1, before_id=fact_id + 1)
    if not lines or lines[0].fact.id != fact_id:
        raise Refused(Reason.UNKNOWN_FACT)
    return lines[0]


async def review_queue(core: Core, *, limit: int = 50) -> list[FactLine]:
    """What waits for an organizer, oldest first: entries waiting for approval, then
    counted facts with a photo nobody has judged yet."""
    async with core.read() as conn:
        waiting = await queries.facts_listing(conn, limit=limit, pending_approval=True)
        photos = await queries.facts_listing(conn, limit=limit, pending_evidence=True)
    return [_line(r) for r in [*waiting, *photos][:limit]]


async def void_fact(
    core: Core, *, fact_id: int, actor_id: int | None, reason: str, now: datetime
) -> FactView:
    """Void a fact with a reason: totals and points are reversed, the fact and an audit
    entry stay. Refuses NOT_ALLOWED (below organizer), REASON_REQUIRED, UNKNOWN_FACT,
    ALREADY_VOID."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused(Reason.REASON_REQUIRED)

    async def run(tx: Tx) -> FactView:
        await require_role(tx, actor_id, Role.ORGANIZER)
        return await void_in(tx, fact_id=fact_id, actor_id=actor_id, reason=reason, now=now)

    return await core.write(Call[FactView](run))


async def void_in(
    tx: Tx, *, fact_id: int, actor_id: int | None, reason: str, now: datetime
) -> FactView:
    """Void inside a running transaction (also used by the door scanner's undo)."""
    row = await queries.fact(tx.conn, id=fact_id)
    if row is None:
        raise Refused(Reason.UNKNOWN_FACT)
    if row["status"] == "void":
        raise Refused(Reason.ALREADY_VOID)
    goal = await counts_toward_goal(tx.conn, row["campaign_id"])
    if row["status"] == "pending":
        return await _void_pending(tx, row, goal, actor_id=actor_id, reason=reason, now=now)
    shape = shape_of(row, goal)
    await set_fact(
        tx.conn,
        fact_id,
        status="void",
        count_key=None,
        void_reason=reason,
        voided_at=now,
        voided_by_id=actor_id,
    )
    tx.deltas.add_fact(shape, sign=-1)
    if row["points"]:
        owner = row["person_id"] if row["person_id"] is not None else row["logged_by_id"]
        await writes.insert_row(
            tx.conn,
            LedgerEntry,
            person_id=owner,
            fact_id=fact_id,
            delta=-row["points"],
            kind="reverse",
            created_at=now,
        )
    await forget_person_if_gone(tx.conn, shape, tx.deltas)
    if row["counted"] and row["count_key"] and row["count_key"].startswith("d:"):
        await _promote_same_day(tx, row, goal)
    await audit.record(
        tx.conn,
        actor_id=actor_id,
        action="void_fact",
        target=f"fact:{fact_id}",
        now=now,
        reason=reason,
        kind=row["kind"],
        person_id=row["person_id"],
    )
    return fact_view(await queries.fact(tx.conn, id=fact_id))


async def _void_pending(
    tx: Tx, row: Any, goal: bool, *, actor_id: int | None, reason: str, now: datetime
) -> FactView:
    """A waiting entry rejected (or withdrawn): it counted nowhere, so only the waiting
    figure changes."""
    await set_fact(
        tx.conn, row["id"], status="void", void_reason=reason, voided_at=now, voided_by_id=actor_id
    )
    if goal:
        tx.deltas.add_pending(row["occurred_on"].year, waiting_of(row), -1)
    await audit.record(
        tx.conn,
        actor_id=actor_id,
        action="void_fact",
        target=f"fact:{row['id']}",
        now=now,
        reason=reason,
        kind=row["kind"],
        person_id=row["person_id"],
        was="pending",
    )
    return fact_view(await queries.fact(tx.conn, id=row["id"]))


async def _promote_same_day(tx: Tx, row: Any, goal: bool) -> None:
    """A voided habit fact held the person-day's count: hand it to another entry of that
    person, campaign and day, if one remains."""
    other = await queries.uncounted_same_day(
        tx.conn, person_id=row["person_id"], campaign_id=row["campaign_id"], day=row["occurred_on"]
    )
    if other is None:
        return
    await writes.update_by_id(tx.conn, Fact, other["id"], counted=1, count_key=row["count_key"])
    shape = shape_of({**dict(other), "counted": 1, "headcount": 0, "co2_g": 0, "points": 0}, goal)
    for dim, key in dims_of(shape):
        tx.deltas.add(shape.year, dim, key, "person_times", 1)


async def waiting_count(core: Core) -> int:
    """How many entries wait for an organizer's approval."""
    async with core.read() as conn:
        return await queries.count_pending_approval(conn)


async def approve_fact(core: Core, *, fact_id: int, actor_id: int, now: datetime) -> FactView:
    """An entry waiting for approval counts from now, in this transaction: its person-time
    (if that person-day is not counted already), heads, points (under the day's cap) and
    CO2 join the totals. Refuses NOT_ALLOWED, UNKNOWN_FACT, ALREADY_VOID, NOT_PENDING."""

    async def run(tx: Tx) -> FactView:
        await _organizer(tx, actor_id)
        row = await _waiting(tx, fact_id)
        return await approve_in(core, tx, row, actor_id=actor_id, now=now)

    return await core.write(Call[FactView](run))


async def reject_fact(
    core: Core, *, fact_id: int, actor_id: int, reason: str, now: datetime
) -> FactView:
    """An entry waiting for approval is voided with the reason given; it counted nowhere.
    Refuses NOT_ALLOWED, REASON_REQUIRED, UNKNOWN_FACT, ALREADY_VOID, NOT_PENDING."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused(Reason.REASON_REQUIRED)

    async def run(tx: Tx) -> FactView:
        await _organizer(tx, actor_id)
        await _waiting(tx, fact_id)
        return await void_in(tx, fact_id=fact_id, actor_id=actor_id, reason=reason, now=now)

    return await core.write(Call[FactView](run))


async def decide(
    core: Core, *, fact_id: int, actor_id: int, accept: bool, reason: str, now: datetime
) -> FactView:
    """An organizer's verdict on whatever waits: a photo (judge_evidence, which also
    approves an entry that waited for its photo) or an entry waiting without one
    (approve_fact / reject_fact). Refuses as those do."""
    line = await get_fact(core, fact_id=fact_id)
    if line.fact.status == "pending" and not line.fact.evidence_path:
        if accept:
            return await approve_fact(core, fact_id=fact_id, actor_id=actor_id, now=now)
        return await reject_fact(core, fact_id=fact_id, actor_id=actor_id, reason=reason, now=now)
    return await judge_evidence(
        core, fact_id=fact_id, actor_id=actor_id, accept=accept, reason=reason, now=now
    )


async def _waiting(tx: Tx, fact_id: int) -> Any:
    row = await queries.fact(tx.conn, id=fact_id)
    if row is None:
        raise Refused(Reason.UNKNOWN_FACT)
    if row["status"] == "void":
        raise Refused(Reason.ALREADY_VOID)
    if row["status"] != "pending":
        raise Refused(Reason.NOT_PENDING)
    return row


async def approve_in(
    core: Core, tx: Tx, row: Any, *, actor_id: int | None, now: datetime
) -> FactView:
    """Count a waiting entry inside a running transaction (see approve_fact)."""
    kind, day, rules = row["kind"], row["occurred_on"], core.rules
    owner = row["person_id"] if row["person_id"] is not None else row["logged_by_id"]
    points, co2 = rules.credit(kind, mode=row["mode"], quantity=row["quantity"])
    counted, heads, count_key = 0, 0, None
    if kind == FactKind.HEADCOUNT.value:
        heads = int(row["quantity"])
        _, already = await queries.logged_points_today(
            tx.conn, logged_by_id=owner, kind=kind, day=day
        )
    else:
        key = day_key(row["campaign_id"], row["person_id"], day)
        if await queries.fact(tx.conn, count_key=key) is None:
            counted, count_key = 1, key
        _, _, already = await queries.day_usage(
            tx.conn, person_id=row["person_id"], kind=kind, day=day
        )
    points = rules.capped_points(kind, points, already)
    values = {
        "status": "counted",
        "counted": counted,
        "count_key": count_key,
        "headcount": heads,
        "points": points,
        "co2_g": co2,
    }
    if row["evidence_path"]:
        values["evidence_status"] = "ok"
    await set_fact(tx.conn, row["id"], **values)
    if points and owner is not None:
        await writes.insert_row(
            tx.conn,
            LedgerEntry,
            person_id=owner,
            fact_id=row["id"],
            delta=points,
            kind="earn",
            created_at=now,
        )
    goal = await counts_toward_goal(tx.conn, row["campaign_id"])
    tx.deltas.add_fact(shape_of({**dict(row), **values}, goal))
    if goal:
        tx.deltas.add_pending(day.year, waiting_of(row), -1)
    await audit.record(
        tx.conn,
        actor_id=actor_id,
        action="approve_fact",
        target=f"fact:{row['id']}",
        now=now,
        kind=kind,
        person_id=row["person_id"],
        points=points,
    )
    return fact_view(await queries.fact(tx.conn, id=row["id"]))


async def _organizer(tx: Tx, actor_id: int) -> None:
    await require_role(tx, actor_id, Role.ORGANIZER)


async def judge_evidence(
    core: Core, *, fact_id: int, actor_id: int, accept: bool, reason: str, now: datetime
) -> FactView:
    """Accept a fact's photo, or reject it, which voids the fact with the reason given.
    Refuses NOT_ALLOWED, UNKNOWN_FACT, ALREADY_VOID, REASON_REQUIRED (to reject)."""
    reason = (reason or "").strip()
    if not accept and not reason:
        raise Refused(Reason.REASON_REQUIRED)

    async def run(tx: Tx) -> FactView:
        await _organizer(tx, actor_id)
        row = await queries.fact(tx.conn, id=fact_id)
        if row is None:
            raise Refused(Reason.UNKNOWN_FACT)
        if row["status"] == "void":
            raise Refused(Reason.ALREADY_VOID)
        await writes.set_evidence_status(tx.conn, fact_id, "ok" if accept else "rejected")
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="evidence_ok" if accept else "evidence_rejected",
            target=f"fact:{fact_id}",
            now=now,
            reason=reason,
        )
        if accept and row["status"] == "pending":  # the photo was what the entry waited for
            return await approve_in(core, tx, row, actor_id=actor_id, now=now)
        if accept:
            return fact_view(await queries.fact(tx.conn, id=fact_id))
        return await void_in(tx, fact_id=fact_id, actor_id=actor_id, reason=reason, now=now)

    return await core.write(Call[FactView](run))


async def undo_last_checkin(
    core: Core, *, volunteer_id: int, code: str, now: datetime, fact_id: int | None = None
) -> FactView:
    """Void the last check-in this volunteer made at this event's door (within 30 minutes),
    audited; with `fact_id`, only when that is still the last one (the volunteer confirmed
    undoing that person). Refuses NOT_ALLOWED, UNKNOWN_CODE, UNKNOWN_FACT (nothing to
    undo), UNDO_STALE (another check-in came since the one confirmed)."""

    async def run(tx: Tx) -> FactView:
        await require_role(tx, volunteer_id, Role.VOLUNTEER)
        ev = await queries.event(tx.conn, code=code.strip().lower())
        if ev is None:
            raise Refused(Reason.UNKNOWN_CODE)
        last = await queries.last_door_checkin(
            tx.conn, event_id=ev["id"], logged_by_id=volunteer_id
        )
        if last is None or now - last["created_at"] > UNDO_WINDOW:
            raise Refused(Reason.UNKNOWN_FACT)
        if fact_id is not None and last["id"] != fact_id:
            raise Refused(Reason.UNDO_STALE)
        voided = await void_in(
            tx, fact_id=last["id"], actor_id=volunteer_id, reason="undo at the door", now=now
        )
        await audit.record(
            tx.conn,
            actor_id=volunteer_id,
            action="undo_checkin",
            target=f"fact:{last['id']}",
            now=now,
            event=ev["code"],
            person_id=last["person_id"],
        )
        return voided

    return await core.write(Call[FactView](run))


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    target: str
    detail: dict[str, Any]


async def audit_log(
    core: Core, *, limit: int = 100, before_id: int | None = None, action: str | None = None
) -> list[AuditLine]:
    """The audit log, newest first, with the actor's name (none for the command line)."""
    async with core.read() as conn:
        rows = await queries.audit_entries(conn, limit=limit, before_id=before_id, action=action)
    out = []
    for r in rows:
        try:
            detail = json.loads(r["detail"] or "{}")
        except ValueError:
            detail = {"raw": r["detail"]}
        out.append(
            AuditLine(
                r["id"],
                r["at"],
                r["actor_id"],
                r["actor_name"] or "",
                r["action"],
                r["target"],
                detail if isinstance(detail, dict) else {},
            )
        )
    return out
