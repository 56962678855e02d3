"""Reads and writes for identity: staff rosters, name matching, duplicates, merging, locks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, case, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from storage.db import as_id, insert_ignore
from storage.models import (
    CanteenCheck,
    Event,
    Fact,
    LedgerEntry,
    Person,
    RosterEntry,
    TallyPerson,
    Unit,
)

LIVE = (Person.deleted_at.is_(None), Person.merged_into_id.is_(None))


# locks ------------------------------------------------------------------------------------


async def lock_events(conn: AsyncConnection, event_ids: Sequence[int]) -> None:
    """Row-lock events (in id order, so two writers never wait on each other in a circle)
    until the transaction ends: their capacity is checked against a count read after this.
    SQLite has no row locks and needs none: its writers hold the database's write lock
    (BEGIN IMMEDIATE) for the whole transaction."""
    if event_ids and conn.dialect.name == "postgresql":
        stmt = select(Event.id).where(Event.id.in_(sorted(event_ids))).order_by(Event.id)
        await conn.execute(stmt.with_for_update())


async def lock_people(conn: AsyncConnection, person_ids: Sequence[int]) -> None:
    """Row-lock people (in id order) before reading and spending their balance."""
    if person_ids and conn.dialect.name == "postgresql":
        stmt = select(Person.id).where(Person.id.in_(sorted(person_ids))).order_by(Person.id)
        await conn.execute(stmt.with_for_update())


# rosters ----------------------------------------------------------------------------------


async def roster_of_units(conn: AsyncConnection, unit_ids: Sequence[int]) -> Sequence[RowMapping]:
    stmt = select(RosterEntry).where(RosterEntry.unit_id.in_(list(unit_ids)))
    return (await conn.execute(stmt.order_by(RosterEntry.id))).mappings().all()


async def roster_candidates(
    conn: AsyncConnection, *, unit_id: int, name_key: str
) -> Sequence[RowMapping]:
    """The unit's current roster rows of that name."""
    stmt = select(RosterEntry).where(
        RosterEntry.unit_id == unit_id,
        RosterEntry.name_key == name_key,
        RosterEntry.left_at.is_(None),
    )
    return (await conn.execute(stmt.order_by(RosterEntry.id))).mappings().all()


async def roster_entry(conn: AsyncConnection, entry_id: int) -> RowMapping | None:
    stmt = select(RosterEntry).where(RosterEntry.id == entry_id)
    return (await conn.execute(stmt)).mappings().first()


async def roster_entry_of_person(conn: AsyncConnection, person_id: int) -> RowMapping | None:
    stmt = select(RosterEntry).where(RosterEntry.person_id == person_id)
    return (await conn.execute(stmt)).mappings().first()


async def insert_roster_entry(conn: AsyncConnection, values: dict[str, Any]) -> int:
    return as_id(await conn.scalar(insert(RosterEntry).values(**values).returning(RosterEntry.id)))


async def update_roster_entry(conn: AsyncConnection, entry_id: int, **values: Any) -> None:
    await conn.execute(update(RosterEntry).where(RosterEntry.id == entry_id).values(**values))


async def claim_roster_entry(conn: AsyncConnection, entry_id: int, person_id: int) -> bool:
    """Bind a roster row to a person, only if nobody holds it (a conditional update)."""
    result = await conn.execute(
        update(RosterEntry)
        .where(RosterEntry.id == entry_id, RosterEntry.person_id.is_(None))
        .values(person_id=person_id)
    )
    return bool(result.rowcount)


async def count_failure(
    conn: AsyncConnection, entry_ids: Sequence[int], *, now: datetime, window_start: datetime
) -> None:
    """One more wrong verifier answer for each row; a count older than the window restarts."""
    stale = or_(RosterEntry.failures_since.is_(None), RosterEntry.failures_since < window_start)
    await conn.execute(
        update(RosterEntry)
        .where(RosterEntry.id.in_(list(entry_ids)))
        .values(
            failures=case((stale, 1), else_=RosterEntry.failures + 1),
            failures_since=case((stale, now), else_=RosterEntry.failures_since),
        )
    )


async def roster_sizes(conn: AsyncConnection) -> dict[int, int]:
    """Current roster rows per unit (units without a roster are absent)."""
    stmt = (
        select(RosterEntry.unit_id, func.count(RosterEntry.id))
        .where(RosterEntry.left_at.is_(None))
        .group_by(RosterEntry.unit_id)
    )
    return {int(u): int(n) for u, n in (await conn.execute(stmt)).all()}


async def unit_codes(conn: AsyncConnection) -> dict[str, int]:
    return {code: int(uid) for uid, code in (await conn.execute(select(Unit.id, Unit.code))).all()}


# people by name ---------------------------------------------------------------------------


async def person_row(conn: AsyncConnection, person_id: int) -> RowMapping | None:
    """A person's whole row (sign-in secrets included): for merging, inside the core."""
    return (await conn.execute(select(Person).where(Person.id == person_id))).mappings().first()


async def registration(conn: AsyncConnection, key: str) -> RowMapping | None:
    """The person a registration key made, with the fingerprint of what it asked for."""
    stmt = select(Person.id, Person.registration_fingerprint).where(Person.registration_key == key)
    return (await conn.execute(stmt)).mappings().first()


async def people_named(
    conn: AsyncConnection, *, unit_id: int, name_key: str
) -> Sequence[RowMapping]:
    """Live people (not deleted, not merged away) of that name in the unit, oldest first."""
    stmt = select(Person.id, Person.display_name, Person.created_at, Person.left_at).where(
        Person.unit_id == unit_id, Person.name_key == name_key, *LIVE
    )
    return (await conn.execute(stmt.order_by(Person.id))).mappings().all()


async def unrostered_people(conn: AsyncConnection, unit_ids: Sequence[int]) -> Sequence[RowMapping]:
    """Live people of these units that no roster row holds."""
    held = select(RosterEntry.person_id).where(RosterEntry.person_id.is_not(None))
    stmt = select(Person.id, Person.unit_id, Person.name_key).where(
        Person.unit_id.in_(list(unit_ids)), Person.id.not_in(held), *LIVE
    )
    return (await conn.execute(stmt)).mappings().all()


async def merged_target(conn: AsyncConnection, person_id: int) -> int:
    """The person a merged-away person now is (following merges), or the same id."""
    seen: set[int] = set()
    current = person_id
    while current not in seen:
        seen.add(current)
        nxt = await conn.scalar(select(Person.merged_into_id).where(Person.id == current))
        if nxt is None:
            return current
        current = int(nxt)
    return current


async def mark_people_left(conn: AsyncConnection, person_ids: Sequence[int], now: datetime) -> None:
    if person_ids:
        await conn.execute(
            update(Person)
            .where(Person.id.in_(list(person_ids)), Person.left_at.is_(None))
            .values(left_at=now)
        )


async def clear_left(conn: AsyncConnection, person_ids: Sequence[int]) -> None:
    if person_ids:
        await conn.execute(
            update(Person).where(Person.id.in_(list(person_ids))).values(left_at=None)
        )


# duplicates -------------------------------------------------------------------------------


async def duplicate_name_groups(conn: AsyncConnection) -> Sequence[Any]:
    """(unit_id, name_key) held by more than one live person."""
    stmt = (
        select(Person.unit_id, Person.name_key)
        .where(*LIVE, Person.name_key != "")
        .group_by(Person.unit_id, Person.name_key)
        .having(func.count(Person.id) > 1)
    )
    return (await conn.execute(stmt)).all()


async def duplicate_staff_numbers(conn: AsyncConnection) -> Sequence[Any]:
    """Staff numbers whose roster rows (in any units) are held by more than one person."""
    stmt = (
        select(RosterEntry.staff_no_hash)
        .where(RosterEntry.staff_no_hash.is_not(None), RosterEntry.person_id.is_not(None))
        .group_by(RosterEntry.staff_no_hash)
        .having(func.count(RosterEntry.person_id) > 1)
    )
    return (await conn.execute(stmt)).scalars().all()


async def people_with_staff_number(conn: AsyncConnection, staff_hash: str) -> list[int]:
    stmt = select(RosterEntry.person_id).where(
        RosterEntry.staff_no_hash == staff_hash, RosterEntry.person_id.is_not(None)
    )
    return [p for p in (await conn.execute(stmt)).scalars().all() if p is not None]


async def flagged_people(conn: AsyncConnection) -> Sequence[RowMapping]:
    stmt = select(Person.id, Person.unit_id, Person.name_key).where(
        Person.possible_duplicate.is_(True), *LIVE
    )
    return (await conn.execute(stmt.order_by(Person.id))).mappings().all()


async def people_in_groups(
    conn: AsyncConnection, pairs: Sequence[tuple[int | None, str]]
) -> Sequence[RowMapping]:
    """Live people of each (unit, name key), with what an organizer needs to judge them."""
    if not pairs:
        return []
    conds = [(Person.unit_id == u) & (Person.name_key == k) for u, k in pairs]
    return await _people_summary(conn, or_(*conds))


async def people_summary(conn: AsyncConnection, ids: Sequence[int]) -> Sequence[RowMapping]:
    return await _people_summary(conn, Person.id.in_(list(ids)))


async def _people_summary(conn: AsyncConnection, where: Any) -> Sequence[RowMapping]:
    facts = (
        select(func.count(Fact.id))
        .where(Fact.person_id == Person.id, Fact.status == "counted")
        .scalar_subquery()
    )
    roster = aliased(RosterEntry)
    stmt = (
        select(
            Person.id,
            Person.display_name,
            Person.unit_id,
            Person.name_key,
            Person.role,
            Person.created_at,
            Person.possible_duplicate,
            Person.telegram_id,
            Person.login,
            func.coalesce(Unit.name_zh, "").label("unit_name_zh"),
            func.coalesce(Unit.name_en, "").label("unit_name_en"),
            facts.label("facts"),
            roster.id.label("roster_id"),
            roster.staff_no_hash.label("staff_no_hash"),
        )
        .outerjoin(Unit, Unit.id == Person.unit_id)
        .outerjoin(roster, roster.person_id == Person.id)
        .where(where, *LIVE)
        .order_by(Person.unit_id, Person.name_key, Person.id)
    )
    return (await conn.execute(stmt)).mappings().all()


# merging ----------------------------------------------------------------------------------


async def counted_facts_of(conn: AsyncConnection, person_id: int) -> Sequence[RowMapping]:
    """A person's counted and pending facts, oldest first."""
    stmt = select(Fact).where(Fact.person_id == person_id, Fact.status != "void")
    return (await conn.execute(stmt.order_by(Fact.created_at, Fact.id))).mappings().all()


async def repoint_facts(conn: AsyncConnection, *, drop_id: int, keep_id: int) -> int:
    """Facts of one person become another's; each count key is renamed to match."""
    rows = (
        await conn.execute(select(Fact.id, Fact.count_key).where(Fact.person_id == drop_id))
    ).all()
    for fact_id, key in rows:
        values: dict[str, Any] = {"person_id": keep_id}
        if key:
            values["count_key"] = _rekey(key, drop_id, keep_id)
        await conn.execute(update(Fact).where(Fact.id == fact_id).values(**values))
    await conn.execute(
        update(Fact).where(Fact.logged_by_id == drop_id).values(logged_by_id=keep_id)
    )
    return len(rows)


def _rekey(key: str, drop_id: int, keep_id: int) -> str:
    """e:<event>:<person> and d:<campaign>:<person>:<day> name the person third."""
    parts = key.split(":")
    if len(parts) >= 3 and parts[2] == str(drop_id):
        parts[2] = str(keep_id)
    return ":".join(parts)


async def repoint_merged(conn: AsyncConnection, *, drop_id: int, keep_id: int) -> None:
    await conn.execute(
        update(Person).where(Person.merged_into_id == drop_id).values(merged_into_id=keep_id)
    )


async def repoint_ledger(conn: AsyncConnection, *, drop_id: int, keep_id: int) -> None:
    await conn.execute(
        update(LedgerEntry).where(LedgerEntry.person_id == drop_id).values(person_id=keep_id)
    )


async def repoint_canteen_checks(conn: AsyncConnection, *, drop_id: int, keep_id: int) -> None:
    await conn.execute(
        update(CanteenCheck)
        .where(CanteenCheck.by_person_id == drop_id)
        .values(by_person_id=keep_id)
    )


async def move_tally_people(conn: AsyncConnection, *, drop_id: int, keep_id: int) -> list[Any]:
    """Move one person's tally memberships to another; the (year, dim, key) of each
    membership the other already had (a distinct person fewer there)."""
    rows = (
        await conn.execute(
            select(TallyPerson.year, TallyPerson.dim, TallyPerson.key).where(
                TallyPerson.person_id == drop_id
            )
        )
    ).all()
    await conn.execute(delete(TallyPerson).where(TallyPerson.person_id == drop_id))
    if not rows:
        return []
    wanted = [{"year": y, "dim": d, "key": k, "person_id": keep_id} for y, d, k in rows]
    inserted = await insert_ignore(
        conn, TallyPerson.__table__, wanted, returning=("year", "dim", "key")
    )
    fresh = {tuple(r) for r in inserted}
    return [tuple(r) for r in rows if tuple(r) not in fresh]
