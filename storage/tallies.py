"""Stored totals: changed in the same transaction as the facts, recounted by reconcile."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import insert_ignore, upsert_add
from storage.models import Campaign, Fact, Tally, TallyPerson

FIELDS = ("person_times", "headcount", "people", "facts", "co2_g", "points")


def fact_sums() -> tuple[Any, ...]:
    """The one list of FIELDS summed over counted facts, in its order (`people` counts
    distinct people): the recount and every report's sums read it."""
    return (
        func.sum(Fact.counted),
        func.sum(Fact.headcount),
        func.count(func.distinct(Fact.person_id)),
        func.count(Fact.id),
        func.sum(Fact.co2_g),
        func.sum(Fact.points),
    )


Key = tuple[int, str, str]
# dims of a fact: the goal's dims only for campaigns that count toward it
GOAL_DIMS = ("year", "day", "unit")
PEOPLE_DIMS = ("year", "campaign", "unit")


@dataclass(frozen=True)
class FactShape:
    """What a fact contributes to the tallies."""

    year: int
    day: str
    campaign_id: int
    event_id: int | None
    unit_id: int | None
    person_id: int | None
    counts_toward_goal: bool
    counted: int
    headcount: int
    co2_g: int
    points: int


def dims_of(shape: FactShape) -> list[tuple[str, str]]:
    dims = [("campaign", str(shape.campaign_id))]
    if shape.event_id is not None:
        dims.append(("event", str(shape.event_id)))
    if shape.counts_toward_goal:
        dims += [("year", "all"), ("day", shape.day)]
        if shape.unit_id is not None:
            dims.append(("unit", str(shape.unit_id)))
    return dims


class Deltas:
    """Tally changes pending in a transaction, written once at its end."""

    def __init__(self) -> None:
        self._add: dict[Key, list[int]] = defaultdict(lambda: [0] * len(FIELDS))
        self._seen: set[tuple[int, str, str, int]] = set()

    def add_fact(self, shape: FactShape, sign: int = 1) -> None:
        for dim, key in dims_of(shape):
            row = self._add[(shape.year, dim, key)]
            row[0] += sign * shape.counted
            row[1] += sign * shape.headcount
            row[3] += sign
            row[4] += sign * shape.co2_g
            row[5] += sign * shape.points
            if sign > 0 and shape.person_id is not None and dim in PEOPLE_DIMS:
                self._seen.add((shape.year, dim, key, shape.person_id))

    def add_pending(self, year: int, waiting: tuple[int, int], sign: int) -> None:
        """A fact starts (+1) or stops (-1) waiting for approval: the "pending" figure."""
        row = self._add[(year, "pending", "all")]
        row[0] += sign * waiting[0]
        row[1] += sign * waiting[1]
        row[3] += sign

    def add(self, year: int, dim: str, key: str, field: str, amount: int) -> None:
        self._add[(year, dim, key)][FIELDS.index(field)] += amount

    def pending(self, year: int, dim: str, key: str, field: str) -> int:
        row = self._add.get((year, dim, key))
        return 0 if row is None else row[FIELDS.index(field)]

    async def flush(self, conn: AsyncConnection) -> None:
        if self._seen:
            # sorted: two instances inserting the same rows take their locks in one order
            seen = sorted(self._seen)
            rows = [{"year": y, "dim": d, "key": k, "person_id": p} for (y, d, k, p) in seen]
            for start in range(0, len(rows), 500):
                inserted = await insert_ignore(
                    conn,
                    TallyPerson.__table__,
                    rows[start : start + 500],
                    returning=("year", "dim", "key"),
                )
                for y, d, k in inserted:
                    self.add(y, d, k, "people", 1)
            self._seen.clear()
        rows = [
            {"year": y, "dim": d, "key": k, **dict(zip(FIELDS, values, strict=True))}
            for (y, d, k), values in sorted(self._add.items())
            if any(values)
        ]
        await upsert_add(conn, Tally.__table__, rows, keys=("year", "dim", "key"), add=FIELDS)
        self._add.clear()


async def forget_person_if_gone(conn: AsyncConnection, shape: FactShape, deltas: Deltas) -> None:
    """After a void: drop the person from each people-tally they no longer have a fact in."""
    if shape.person_id is None:
        return
    for dim, key in dims_of(shape):
        if dim not in PEOPLE_DIMS:
            continue
        cond = [
            Fact.person_id == shape.person_id,
            Fact.status == "counted",
            func.extract("year", Fact.occurred_on) == shape.year,
        ]
        if dim == "campaign":
            cond.append(Fact.campaign_id == shape.campaign_id)
        else:
            cond.append(Campaign.counts_toward_goal.is_(True))
            if dim == "unit":
                cond.append(Fact.unit_id == shape.unit_id)
        still = await conn.scalar(
            select(Fact.id).join(Campaign, Campaign.id == Fact.campaign_id).where(*cond).limit(1)
        )
        if still is None:
            result = await conn.execute(
                delete(TallyPerson).where(
                    TallyPerson.year == shape.year,
                    TallyPerson.dim == dim,
                    TallyPerson.key == key,
                    TallyPerson.person_id == shape.person_id,
                )
            )
            if result.rowcount:
                deltas.add(shape.year, dim, key, "people", -1)


async def read(
    conn: AsyncConnection, year: int, dim: str, keys: Iterable[str] | None = None
) -> dict[str, dict[str, int]]:
    stmt = select(Tally).where(Tally.year == year, Tally.dim == dim)
    if keys is not None:
        stmt = stmt.where(Tally.key.in_(list(keys)))
    rows = (await conn.execute(stmt)).mappings().all()
    return {r["key"]: {f: r[f] for f in FIELDS} for r in rows}


async def recount(conn: AsyncConnection) -> dict[Key, dict[str, int]]:
    """Every tally computed afresh from the counted facts."""
    year = func.extract("year", Fact.occurred_on)
    base: list[Any] = [Fact.status == "counted"]
    goal = Campaign.counts_toward_goal.is_(True)
    groupings: list[tuple[str, Any, list[Any]]] = [
        ("campaign", Fact.campaign_id, []),
        ("event", Fact.event_id, [Fact.event_id.is_not(None)]),
        ("year", None, [goal]),
        ("day", Fact.occurred_on, [goal]),
        ("unit", Fact.unit_id, [goal, Fact.unit_id.is_not(None)]),
    ]
    out: dict[Key, dict[str, int]] = {}
    for dim, col, extra in groupings:
        key_col = col if col is not None else func.min(Fact.campaign_id)  # placeholder
        group = [year] + ([col] if col is not None else [])
        stmt = (
            select(
                year.label("y"),
                (col if col is not None else key_col).label("k"),
                *fact_sums(),
            )
            .join(Campaign, Campaign.id == Fact.campaign_id)
            .where(and_(*base, *extra))
            .group_by(*group)
        )
        for y, k, pt, hc, people, n, co2, pts in (await conn.execute(stmt)).all():
            key = "all" if col is None else str(k)
            counts_people = dim in PEOPLE_DIMS
            out[(int(y), dim, key)] = {
                "person_times": int(pt or 0),
                "headcount": int(hc or 0),
                "people": int(people or 0) if counts_people else 0,
                "facts": int(n),
                "co2_g": int(co2 or 0),
                "points": int(pts or 0),
            }
    out.update(await recount_pending(conn))
    return out


async def recount_pending(conn: AsyncConnection) -> dict[Key, dict[str, int]]:
    """The "pending" figure afresh: per year, facts of goal campaigns waiting for approval,
    the person-times (one each, booth headcounts aside) and heads they would add."""
    year = func.extract("year", Fact.occurred_on)
    is_heads = Fact.kind == "headcount"
    stmt = (
        select(
            year,
            func.sum(case((is_heads, 0), else_=1)),
            func.sum(case((is_heads, Fact.quantity), else_=0)),
            func.count(Fact.id),
        )
        .join(Campaign, Campaign.id == Fact.campaign_id)
        .where(Fact.status == "pending", Campaign.counts_toward_goal.is_(True))
        .group_by(year)
    )
    out: dict[Key, dict[str, int]] = {}
    for y, pt, hc, n in (await conn.execute(stmt)).all():
        values = dict.fromkeys(FIELDS, 0)
        values.update(person_times=int(pt or 0), headcount=int(hc or 0), facts=int(n))
        out[(int(y), "pending", "all")] = values
    return out


async def stored(conn: AsyncConnection) -> dict[Key, dict[str, int]]:
    rows = (await conn.execute(select(Tally))).mappings().all()
    return {(r["year"], r["dim"], r["key"]): {f: r[f] for f in FIELDS} for r in rows}
