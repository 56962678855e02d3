"""Reads of the stored tallies: per event, the year's signature, a year's dims."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Tally
from storage.tallies import FIELDS

_EVENT_COUNTS = select(Tally.key, Tally.person_times).where(
    Tally.dim == "event", Tally.key.in_(bindparam("keys", expanding=True))
)


async def event_counts(conn: AsyncConnection, event_ids: Sequence[int]) -> dict[int, int]:
    params = {"keys": [str(i) for i in event_ids]}
    out: dict[int, int] = {}
    for key, value in (await conn.execute(_EVENT_COUNTS, params)).all():
        out[int(key)] = out.get(int(key), 0) + value
    return out


async def event_totals(conn: AsyncConnection, event_id: int) -> dict[str, int]:
    stmt = select(func.sum(Tally.person_times), func.sum(Tally.headcount)).where(
        Tally.dim == "event", Tally.key == str(event_id)
    )
    pt, hc = (await conn.execute(stmt)).one()
    return {"person_times": int(pt or 0), "headcount": int(hc or 0)}


def _tally_figures() -> tuple[Any, ...]:
    """A tally's figures, in the order of storage.tallies.FIELDS."""
    return tuple(getattr(Tally, name) for name in FIELDS)


async def live_signature(conn: AsyncConnection, year: int) -> tuple[int, ...]:
    """A cheap fingerprint of the year's totals: one primary-key read."""
    stmt = select(*_tally_figures()).where(
        Tally.year == year, Tally.dim == "year", Tally.key == "all"
    )
    row = (await conn.execute(stmt)).first()
    return tuple(int(v) for v in row) if row else (0, 0, 0, 0, 0, 0)


async def tallies_for_year(conn: AsyncConnection, year: int, dims: Sequence[str]) -> Sequence[Any]:
    """Every stored tally of a year for the given dims, in one read: (dim, key, *FIELDS)."""
    stmt = select(Tally.dim, Tally.key, *_tally_figures()).where(
        Tally.year == year, Tally.dim.in_(list(dims))
    )
    return (await conn.execute(stmt)).all()
