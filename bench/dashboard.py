"""How fast the dashboard's data answers with 1,000,000 facts.

Builds a migrated SQLite file, writes units, people and a million facts straight through
sqlite3 (executemany), derives the stored tallies from those facts with the same recount the
`reconcile` command uses (so stored and recounted totals agree, which reconcile confirms),
then times the service calls the dashboard makes. Run by hand:

    python bench/dashboard.py [--facts 1000000] [--rounds 50]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from campaigns import figures, records, reports, totals
from campaigns.core import open_core
from campaigns.identity import name_key
from campaigns.seed import load_calendar
from storage import tallies
from storage.models import Tally

YEAR = 2023
NOW = datetime(YEAR, 12, 20, 2, 0, tzinfo=UTC)


def build_rows(db: Path, n_facts: int, n_units: int, n_people: int) -> None:
    rng = random.Random(2023)
    con = sqlite3.connect(db)
    cur = con.cursor()
    created = "2023-01-01 00:00:00.000000"
    units = []
    for i in range(1, n_units + 1):
        parent = None if i <= 20 else rng.randint(1, min(i - 1, 120))
        units.append(
            (f"b{i}", f"单位{i}", f"Unit {i}", parent, rng.randint(20, 400), i % 3 == 0, False)
        )
    cur.executemany(
        "INSERT INTO units (code, name_zh, name_en, parent_id, headcount, has_canteen, is_demo) "
        "VALUES (?,?,?,?,?,?,?)",
        units,
    )
    unit_ids = [r[0] for r in cur.execute("SELECT id FROM units").fetchall()]
    person_unit = {}
    people = []
    for i in range(n_people):
        u = rng.choice(unit_ids)
        name = f"员工{i}"
        people.append((name, name_key(name), u, "participant", "zh", f"tok{i:08d}", created))
    cur.executemany(
        "INSERT INTO people (display_name, name_key, unit_id, role, language, qr_token, "
        "created_at, possible_duplicate) VALUES (?,?,?,?,?,?,?,0)",
        people,
    )
    for pid, uid in cur.execute("SELECT id, unit_id FROM people").fetchall():
        person_unit[pid] = uid
    person_ids = list(person_unit)
    campaigns = [r[0] for r in cur.execute("SELECT id FROM campaigns").fetchall()]
    modes = [("bike", 2.0, 300), ("walk", 1.0, 160), ("metro", 6.0, 680), ("bus", 5.0, 665)]
    start = date(YEAR, 1, 1)
    batch: list[tuple[Any, ...]] = []
    for i in range(n_facts):
        pid = rng.choice(person_ids)
        day = start + timedelta(days=rng.randint(0, 353))
        mode, km, co2 = rng.choice(modes)
        headcount = rng.randint(5, 40) if i % 200 == 0 else 0
        batch.append(
            (
                "headcount" if headcount else "trip",
                None if headcount else pid,
                None if headcount else person_unit[pid],
                rng.choice(campaigns),
                mode,
                km,
                day.isoformat(),
                f"{day.isoformat()} 02:00:00.000000",
                "bot" if i % 2 else "web",
                "counted" if i % 97 else "void",
                co2,
                5,
                0 if headcount else 1,
                headcount,
            )
        )
        if len(batch) == 100_000:
            _insert_facts(cur, batch)
            batch.clear()
    if batch:
        _insert_facts(cur, batch)
    con.commit()
    con.close()


def _insert_facts(cur: sqlite3.Cursor, rows: list[tuple[Any, ...]]) -> None:
    cur.executemany(
        "INSERT INTO facts (kind, person_id, unit_id, campaign_id, mode, quantity, occurred_on, "
        "created_at, channel, status, co2_g, points, counted, headcount) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def store_tallies(db: Path) -> None:
    """Stored tallies = the recount; tally_people = the distinct people behind each."""
    con = sqlite3.connect(db)
    con.execute("DELETE FROM tallies")
    con.execute("DELETE FROM tally_people")
    year = "CAST(strftime('%Y', f.occurred_on) AS INTEGER)"
    base = "FROM facts f JOIN campaigns c ON c.id = f.campaign_id WHERE f.status = 'counted'"
    for dim, key, extra in (
        ("year", "'all'", " AND c.counts_toward_goal"),
        ("campaign", "f.campaign_id", ""),
        ("unit", "f.unit_id", " AND c.counts_toward_goal AND f.unit_id IS NOT NULL"),
    ):
        con.execute(
            f"INSERT INTO tally_people (year, dim, key, person_id) SELECT DISTINCT {year}, "
            f"'{dim}', CAST({key} AS TEXT), f.person_id {base}{extra} AND f.person_id IS NOT NULL"
        )  # fixed fragments
    con.commit()
    con.close()


async def write_recount(url: str) -> int:
    core = await open_core(url, migrate=False)
    try:
        async with core.write_engine.begin() as conn:
            fresh = await tallies.recount(conn)
            rows = [{"year": y, "dim": d, "key": k, **v} for (y, d, k), v in fresh.items()]
            for i in range(0, len(rows), 500):
                await conn.execute(Tally.__table__.insert(), rows[i : i + 500])
        return len(rows)
    finally:
        await core.close()


async def timed(fn: Callable[[], Awaitable[Any]], rounds: int) -> list[float]:
    await fn()  # warm: connections, statement cache
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--people", type=int, default=60_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        url = f"sqlite+aiosqlite:///{db}"
        t0 = time.perf_counter()
        core = await open_core(url)
        await load_calendar(core, now=datetime(YEAR, 1, 1, tzinfo=UTC))
        await core.close()
        build_rows(db, args.facts, args.units, args.people)
        store_tallies(db)
        n_tallies = await write_recount(url)
        built = time.perf_counter() - t0
        core = await open_core(url, migrate=False)
        try:
            t1 = time.perf_counter()
            report = await totals.reconcile(core, now=NOW)
            reconcile_s = time.perf_counter() - t1
            assert report.ok, report.mismatches[:5]

            async def cold() -> Any:
                reports._CACHE.clear()  # as after every new fact during an event
                return await reports.dashboard(core, year=YEAR, now=NOW)

            async def console_cold() -> Any:
                """What the console's dashboard page computes: the data and its charts'."""
                board = await cold()
                goal = board.overview.progress.goal
                today = core.today(NOW)
                figures.pace_series(board.days, year=YEAR, goal=goal, today=today)
                figures.leaderboard(board.units)
                return figures.campaign_ranking(board.overview.campaigns)

            year = records.RecordFilter(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31))
            rows = [
                ("dashboard, cold", cold),
                ("dashboard+charts, cold", console_cold),
                ("records, first page", lambda: records.record_page(core, year)),
                ("dashboard, unchanged", lambda: reports.dashboard(core, year=YEAR, now=NOW)),
                ("totals.progress", lambda: totals.progress(core, year=YEAR)),
                ("totals.overview", lambda: totals.overview(core, year=YEAR)),
                ("totals.by_unit", lambda: totals.by_unit(core, year=YEAR)),
                ("totals.by_day", lambda: totals.by_day(core, year=YEAR)),
            ]
            print(
                f"facts {args.facts:,} · units {args.units} · people {args.people:,} · "
                f"tallies {n_tallies:,} · built in {built:.1f} s · "
                f"reconcile {reconcile_s:.1f} s: {'equal' if report.ok else 'MISMATCH'}"
            )
            print(f"{'call':<24}{'min ms':>9}{'median':>9}{'p95':>9}{'max':>9}")
            for name, fn in rows:
                ms = sorted(await timed(fn, args.rounds))
                p95 = ms[int(len(ms) * 0.95) - 1]
                print(
                    f"{name:<24}{ms[0]:>9.2f}{statistics.median(ms):>9.2f}{p95:>9.2f}{ms[-1]:>9.2f}"
                )
        finally:
            await core.close()


if __name__ == "__main__":
    asyncio.run(main())
