"""Duplicates and merging: two records that are one human become one person.

The duplicates list shows what an organizer should look at: the same normalised name in
the same unit, the same staff number held by two people, and people flagged when they
registered. A merge re-points the facts of one person (`drop`) to the other (`keep`);
where both counted the same event or the same habit-day, the later side's entries are
voided ("merged duplicate") so no person-time and no point is counted twice. The merge is
audited with both ids, and the tallies stay equal to a recount."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from campaigns import audit
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.profile import person_view_of
from campaigns.reasons import Reason
from campaigns.results import FactKind, PersonView, Role, pick
from campaigns.review import void_in
from campaigns.roles import require_role
from storage import identity as store
from storage import writes
from storage.models import Person
from storage.writer import Call, Tx

MERGED = "merged duplicate"


class Why:
    """Why people are listed together (words in campaigns/labels.py)."""

    SAME_NAME = "same_name"
    SAME_STAFF_NO = "same_staff_no"
    FLAGGED = "flagged"


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    unit_name_zh: str
    unit_name_en: str
    role: Role
    created_at: datetime
    facts: int
    on_roster: bool
    telegram: bool
    password: bool
    flagged: bool

    def unit(self, lang: str) -> str:
        return pick(lang, self.unit_name_zh, self.unit_name_en)


@dataclass(frozen=True)
class DuplicateGroup:
    why: str
    people: list[Candidate]


@dataclass(frozen=True)
class MergeReport:
    person: PersonView  # the one that stays
    dropped_id: int
    moved: int  # facts re-pointed
    voided: list[int]  # facts voided as duplicates


def _candidate(r: Any) -> Candidate:
    return Candidate(
        id=r["id"],
        name=r["display_name"],
        unit_name_zh=r["unit_name_zh"],
        unit_name_en=r["unit_name_en"],
        role=Role(r["role"]),
        created_at=r["created_at"],
        facts=int(r["facts"] or 0),
        on_roster=r["roster_id"] is not None,
        telegram=r["telegram_id"] is not None,
        password=r["login"] is not None,
        flagged=bool(r["possible_duplicate"]),
    )


async def duplicates(core: Core) -> list[DuplicateGroup]:
    """Probable duplicates, each person in one group at most (same staff number first)."""
    async with core.read() as conn:
        groups: list[DuplicateGroup] = []
        seen: set[int] = set()
        for staff_hash in await store.duplicate_staff_numbers(conn):
            ids = await store.people_with_staff_number(conn, staff_hash)
            rows = [r for r in await store.people_summary(conn, ids) if r["id"] not in seen]
            _add(groups, seen, Why.SAME_STAFF_NO, rows)
        pairs = [(u, k) for u, k in await store.duplicate_name_groups(conn)]
        by_pair: dict[tuple[int | None, str], list[Any]] = defaultdict(list)
        for r in await store.people_in_groups(conn, pairs):
            by_pair[(r["unit_id"], r["name_key"])].append(r)
        for rows in by_pair.values():
            _add(groups, seen, Why.SAME_NAME, [r for r in rows if r["id"] not in seen])
        flagged = [r["id"] for r in await store.flagged_people(conn) if r["id"] not in seen]
        for r in await store.people_summary(conn, flagged):
            _add(groups, seen, Why.FLAGGED, [r], alone=True)
    return groups


def _add(
    groups: list[DuplicateGroup], seen: set[int], why: str, rows: list[Any], alone: bool = False
) -> None:
    if len(rows) > 1 or (alone and rows):
        groups.append(DuplicateGroup(why, [_candidate(r) for r in rows]))
        seen.update(r["id"] for r in rows)


async def clear_flag(core: Core, *, actor_id: int | None, person_id: int, now: datetime) -> None:
    """An organizer judged a flagged person not to be a duplicate (audited)."""

    async def run(tx: Tx) -> None:
        await require_role(tx, actor_id, Role.ORGANIZER)
        await person_view_of(tx.conn, person_id)
        await writes.update_by_id(tx.conn, Person, person_id, possible_duplicate=False)
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="not_duplicate",
            target=f"person:{person_id}",
            now=now,
        )

    await core.write(Call[None](run))


async def merge_people(
    core: Core, *, actor_id: int | None, keep_id: int, drop_id: int, now: datetime
) -> MergeReport:
    """Make `drop` part of `keep` (audited, both ids kept): facts, points, canteen checks,
    tally memberships, the roster row, the Telegram account and the password move over;
    doubly counted events and habit-days keep the earlier entry. A device or a personal QR
    of `drop` is `keep`'s from now on. Refuses NOT_ALLOWED (below organizer),
    CANNOT_MERGE (the same person, or one deleted or merged already)."""

    async def run(tx: Tx) -> MergeReport:
        await require_role(tx, actor_id, Role.ORGANIZER)
        keep, drop = await _mergeable(tx, keep_id, drop_id)
        # Earlier commands of this batch may hold tally memberships still to be written
        # (drop's among them): written now, so that they move with the rest.
        await tx.deltas.flush(tx.conn)
        voided = await _void_doubles(tx, keep_id, drop_id, actor_id=actor_id, now=now)
        moved = await store.repoint_facts(tx.conn, drop_id=drop_id, keep_id=keep_id)
        await store.repoint_ledger(tx.conn, drop_id=drop_id, keep_id=keep_id)
        await store.repoint_canteen_checks(tx.conn, drop_id=drop_id, keep_id=keep_id)
        for year, dim, key in await store.move_tally_people(
            tx.conn, drop_id=drop_id, keep_id=keep_id
        ):
            tx.deltas.add(year, dim, key, "people", -1)
        await _move_identity(tx, keep, drop)
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="merge_people",
            target=f"person:{keep_id}",
            now=now,
            kept=keep_id,
            dropped=drop_id,
            moved=moved,
            voided=len(voided),
            voided_facts=voided,
        )
        return MergeReport(await person_view_of(tx.conn, keep_id), drop_id, moved, voided)

    try:
        return await core.write(Call[MergeReport](run))
    finally:
        core.people_cache.clear()


async def _mergeable(tx: Tx, keep_id: int, drop_id: int) -> tuple[Any, Any]:
    if keep_id == drop_id:
        raise Refused(Reason.CANNOT_MERGE)
    await store.lock_people(tx.conn, [keep_id, drop_id])
    rows = []
    for pid in (keep_id, drop_id):
        row = await store.person_row(tx.conn, pid)
        if row is None or row["deleted_at"] is not None or row["merged_into_id"] is not None:
            raise Refused(Reason.CANNOT_MERGE)
        rows.append(row)
    return rows[0], rows[1]


async def _void_doubles(
    tx: Tx, keep_id: int, drop_id: int, *, actor_id: int | None, now: datetime
) -> list[int]:
    """Void the later side's counted entries where both sides counted the same event
    (check-ins) or the same campaign-day (habits); the ids voided."""
    sides = {pid: await store.counted_facts_of(tx.conn, pid) for pid in (keep_id, drop_id)}
    doubles: list[Any] = []
    events = {
        pid: {f["event_id"]: f for f in facts if f["kind"] == FactKind.CHECKIN.value}
        for pid, facts in sides.items()
    }
    for event_id, mine in events[drop_id].items():
        theirs = events[keep_id].get(event_id)
        if theirs is not None and mine["status"] == theirs["status"] == "counted":
            doubles.append(mine if _later(mine, theirs) else theirs)
    days: dict[int, dict[tuple[int, Any], list[Any]]] = {}
    for pid, facts in sides.items():
        days[pid] = defaultdict(list)
        for f in facts:
            if f["kind"] != FactKind.CHECKIN.value and f["status"] == "counted":
                days[pid][(f["campaign_id"], f["occurred_on"])].append(f)
    for day, my_facts in days[drop_id].items():
        their_facts = days[keep_id].get(day)
        if their_facts:
            later = my_facts if _later(my_facts[0], their_facts[0]) else their_facts
            # The entry holding the day's count goes last, so no other is promoted to it.
            doubles.extend(sorted(later, key=lambda f: f["counted"]))
    voided = []
    for fact in doubles:
        await void_in(tx, fact_id=fact["id"], actor_id=actor_id, reason=MERGED, now=now)
        voided.append(int(fact["id"]))
    return voided


def _later(a: Any, b: Any) -> bool:
    """Whether `a` came after `b` (ties: the one with the higher id)."""
    return (a["created_at"], a["id"]) > (b["created_at"], b["id"])


async def _move_identity(tx: Tx, keep: Any, drop: Any) -> None:
    """The roster row, Telegram account, password and the higher role go to `keep`;
    `drop` points at `keep` from now on."""
    keep_row = await store.roster_entry_of_person(tx.conn, keep["id"])
    drop_row = await store.roster_entry_of_person(tx.conn, drop["id"])
    if drop_row is not None:
        await store.update_roster_entry(tx.conn, drop_row["id"], person_id=None)
        if keep_row is None:
            await store.update_roster_entry(tx.conn, drop_row["id"], person_id=keep["id"])
    moves: dict[str, Any] = {"possible_duplicate": False}
    if keep["telegram_id"] is None and drop["telegram_id"] is not None:
        moves["telegram_id"] = drop["telegram_id"]
    if keep["login"] is None and drop["login"] is not None:
        moves.update(login=drop["login"], password_hash=drop["password_hash"])
    if Role(drop["role"]).rank > Role(keep["role"]).rank:
        moves["role"] = drop["role"]
    await writes.update_by_id(
        tx.conn,
        Person,
        drop["id"],
        merged_into_id=keep["id"],
        telegram_id=None,
        login=None,
        password_hash=None,
        possible_duplicate=False,
    )
    await writes.update_by_id(tx.conn, Person, keep["id"], **moves)
    # Whoever was merged into `drop` before is `keep` now: merges never chain.
    await store.repoint_merged(tx.conn, drop_id=drop["id"], keep_id=keep["id"])
