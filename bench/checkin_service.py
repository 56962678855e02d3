"""Check-ins per second through the service layer on SQLite, beside a raw sqlite3
baseline doing the same writes in the same run; and organizer totals at 1,000,000 facts.

Run by hand:  python bench/checkin_service.py [--checkins 20000] [--facts 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from campaigns import catalog, checkin, totals
from campaigns.core import open_core
from campaigns.seed import load_calendar

NOW = datetime(2023, 7, 12, 2, 0, tzinfo=UTC)


async def prepare(path: Path, people: int) -> tuple[str, list[int]]:
    """A migrated database with the calendar, one unit, one event and `people` people."""
    url = f"sqlite+aiosqlite:///{path}"
    core = await open_core(url)
    await load_calendar(core, now=NOW)
    unit = await catalog.upsert_unit(
        core, actor_id=None, code="bench", name_zh="基准单位", headcount=people, now=NOW
    )
    camp = [c for c in await catalog.list_campaigns(core) if c.slug == "2023-low-carbon-day"][0]
    ev = await catalog.create_event(
        core,
        actor_id=None,
        campaign_id=camp.id,
        title_zh="基准",
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=8),
        now=NOW,
    )
    await core.close()
    con = sqlite3.connect(path)
    con.executemany(
        "INSERT INTO people (display_name, unit_id, role, language, qr_token, created_at)"
        " VALUES (?, ?, 'participant', 'zh', ?, '2023-07-01 00:00:00')",
        [(f"p{i}", unit.id, f"tok{i}") for i in range(people)],
    )
    con.commit()
    ids = [r[0] for r in con.execute("SELECT id FROM people ORDER BY id")]
    con.close()
    return ev.code, ids


def raw_baseline(path: Path, code: str, ids: list[int], batch: int = 256) -> float:
    """The same writes as a check-in (fact, ledger, tallies, distinct people), in plain
    sqlite3 with the same pragmas, committing every `batch` check-ins."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    ev_id, camp_id, opens, closes = con.execute(
        "SELECT id, campaign_id, checkin_opens_at, checkin_closes_at FROM events WHERE code=?",
        (code,),
    ).fetchone()
    start = time.perf_counter()
    for offset in range(0, len(ids), batch):
        con.execute("BEGIN IMMEDIATE")
        for pid in ids[offset : offset + batch]:
            unit_id, deleted = con.execute(
                "SELECT unit_id, deleted_at FROM people WHERE id=?", (pid,)
            ).fetchone()
            key = f"e:{ev_id}:{pid}"
            if con.execute("SELECT 1 FROM facts WHERE count_key=?", (key,)).fetchone():
                continue
            cur = con.execute(
                "INSERT INTO facts (kind, person_id, unit_id, campaign_id, event_id, quantity,"
                " occurred_on, created_at, channel, status, co2_g, points, counted, headcount,"
                " count_key) VALUES ('checkin', ?, ?, ?, ?, 0, '2023-07-12',"
                " '2023-07-12 02:00:00', 'web', 'counted', 0, 10, 1, 0, ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (pid, unit_id, camp_id, ev_id, key),
            )
            fid = cur.fetchone()[0]
            con.execute(
                "INSERT INTO ledger (person_id, fact_id, delta, kind, created_at)"
                " VALUES (?, ?, 10, 'earn', '2023-07-12 02:00:00')",
                (pid, fid),
            )
            for dim, k in (
                ("campaign", str(camp_id)),
                ("event", str(ev_id)),
                ("year", "all"),
                ("day", "2023-07-12"),
                ("unit", str(unit_id)),
            ):
                new = 0
                if dim in ("year", "campaign", "unit"):
                    new = con.execute(
                        "INSERT INTO tally_people (year, dim, key, person_id) VALUES"
                        " (2023, ?, ?, ?) ON CONFLICT DO NOTHING",
                        (dim, k, pid),
                    ).rowcount
                con.execute(
                    "INSERT INTO tallies (year, dim, key, person_times, headcount, people,"
                    " facts, co2_g, points) VALUES (2023, ?, ?, 1, 0, ?, 1, 0, 10)"
                    " ON CONFLICT (year, dim, key) DO UPDATE SET"
                    " person_times = person_times + 1, people = people + excluded.people,"
                    " facts = facts + 1, points = points + 10",
                    (dim, k, new),
                )
        con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return len(ids) / elapsed


async def service(path: Path, code: str, ids: list[int], concurrency: int = 1000) -> float:
    core = await open_core(f"sqlite+aiosqlite:///{path}", migrate=False)
    try:
        start = time.perf_counter()
        for offset in range(0, len(ids), concurrency):
            await asyncio.gather(
                *(
                    checkin.check_in(core, code=code, person_id=pid, now=NOW, channel="web")
                    for pid in ids[offset : offset + concurrency]
                )
            )
        elapsed = time.perf_counter() - start
        assert (await totals.progress(core, year=2023)).totals.person_times == len(ids)
        assert (await totals.reconcile(core, now=NOW)).ok
    finally:
        await core.close()
    return len(ids) / elapsed


def generate_facts(path: Path, n: int) -> None:
    """n random check-in and trip facts straight into the file, then the tallies rebuilt
    from them with the same recount the service uses."""
    con = sqlite3.connect(path)
    units = [r[0] for r in con.execute("SELECT id FROM units")]
    people = [r[0] for r in con.execute("SELECT id FROM people")]
    camps = [r[0] for r in con.execute("SELECT id FROM campaigns")]
    rnd = random.Random(7)
    day0 = date(2023, 1, 1)
    rows = []
    for i in range(n):
        d = day0 + timedelta(days=rnd.randrange(330))
        rows.append(
            (
                "trip",
                rnd.choice(people),
                rnd.choice(units),
                rnd.choice(camps),
                d.isoformat(),
                f"{d.isoformat()} 01:00:00",
                rnd.randrange(300),
                5,
                rnd.randrange(2),
                f"g{i}",
            )
        )
    con.executemany(
        "INSERT INTO facts (kind, person_id, unit_id, campaign_id, quantity, occurred_on,"
        " created_at, channel, status, co2_g, points, counted, headcount, idempotency_key)"
        " VALUES (?, ?, ?, ?, 1, ?, ?, 'bench', 'counted', ?, ?, ?, 0, ?)",
        rows,
    )
    con.commit()
    con.close()


async def rebuild_tallies(path: Path) -> None:
    from sqlalchemy import delete, insert

    from storage import tallies
    from storage.models import Tally

    core = await open_core(f"sqlite+aiosqlite:///{path}", migrate=False)
    async with core.write_engine.begin() as conn:
        fresh = await tallies.recount(conn)
        await conn.execute(delete(Tally))
        await conn.execute(
            insert(Tally), [{"year": y, "dim": d, "key": k, **v} for (y, d, k), v in fresh.items()]
        )
    await core.close()


async def time_totals(path: Path, repeat: int = 30) -> dict[str, float]:
    core = await open_core(f"sqlite+aiosqlite:///{path}", migrate=False)
    out = {}
    try:
        for name, fn in (
            ("progress", lambda: totals.progress(core, year=2023)),
            ("overview (dashboard)", lambda: totals.overview(core, year=2023)),
            ("by_unit", lambda: totals.by_unit(core, year=2023)),
            ("by_day", lambda: totals.by_day(core, year=2023)),
        ):
            await fn()
            samples = []
            for _ in range(repeat):
                t = time.perf_counter()
                await fn()
                samples.append((time.perf_counter() - t) * 1000)
            out[name] = statistics.median(samples)
    finally:
        await core.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkins", type=int, default=20_000)
    ap.add_argument("--facts", type=int, default=1_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.sqlite3"
        code, ids = asyncio.run(prepare(base, args.checkins))
        raw_path, svc_path = Path(tmp) / "raw.sqlite3", Path(tmp) / "svc.sqlite3"
        shutil.copyfile(base, raw_path)
        shutil.copyfile(base, svc_path)
        raw = raw_baseline(raw_path, code, ids)
        svc = asyncio.run(service(svc_path, code, ids))
        print(f"\nCheck-ins ({args.checkins:,} people into one event, SQLite file, WAL)")
        print("| path | check-ins/s | ratio |")
        print("| --- | ---: | ---: |")
        print(f"| raw sqlite3, same writes, commit per 256 | {raw:,.0f} | 1.00 |")
        print(f"| service layer (batched writer, inline SQLite) | {svc:,.0f} | {svc / raw:.2f} |")
        generate_facts(svc_path, args.facts)
        asyncio.run(rebuild_tallies(svc_path))
        times = asyncio.run(time_totals(svc_path))
        print(f"\nOrganizer totals with {args.facts + args.checkins:,} facts (median of 30)")
        print("| query | ms |")
        print("| --- | ---: |")
        for name, ms in times.items():
            print(f"| {name} | {ms:.2f} |")


if __name__ == "__main__":
    main()
