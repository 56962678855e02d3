"""Reconcile's checks of the field facts (issue 14): every patrol with a live room visit
has its service fact, and every entered paper row its paper check-in. Their counts are
in the tallies already (they are facts like any other); these checks find a link lost."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from campaigns.results import Mismatch
from storage import field as store


async def field_mismatches(conn: AsyncConnection) -> list[Mismatch]:
    found = [
        ("patrol", await store.patrols_without_fact(conn)),
        ("paper", await store.paper_rows_without_fact(conn)),
    ]
    return [Mismatch(0, dim, "all", "without_fact", n, 0) for dim, n in found if n]
