"""After a random mix of thousands of entries, voids, registrations of the same people on
new devices, merges, approvals and rejections, `greentally reconcile` finds every stored
total equal to a recount from the facts, and no person-time is counted twice."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from campaigns import actions, checkin, joining, merging, review, rosters, totals
from campaigns.core import open_core
from campaigns.errors import Refused
from campaigns.results import Role
from greentally.cli import main as cli
from storage.models import Fact, Person
from tests import factories as f
from tests.conftest import PG_URL, _pg_admin_url, _pg_exec

PEOPLE, EVENTS = 12, 4
KINDS = (
    "checkin",
    "trip",
    "plate",
    "service",
    "headcount",
    "void",
    "join",
    "merge",
    "approve",
    "reject",
)
# Hypothesis picks the mix and the seed; the thousands of operations are drawn from them
# (a list of thousands of drawn tuples overruns Hypothesis's buffer and crawls).
mixes = st.tuples(*(st.integers(1, 6) for _ in KINDS))
ROSTERED = PEOPLE // 2  # the first half are on the unit's roster with a staff number


def make_ops(seed: int, mix: tuple[int, ...], n: int) -> list[tuple[Any, ...]]:
    r = random.Random(seed)
    ops: list[tuple[Any, ...]] = []
    for kind in r.choices(KINDS, weights=mix, k=n):
        if kind == "checkin":
            ops.append((kind, r.randrange(PEOPLE), r.randrange(EVENTS)))
        elif kind == "trip":
            mode = r.choice(["walk", "bike", "bus", "metro"])
            ops.append(
                (kind, r.randrange(PEOPLE), mode, round(r.uniform(0.1, 30), 2), r.randrange(40))
            )
        elif kind == "plate":
            meal = r.choice(["breakfast", "lunch", "dinner"])
            ops.append((kind, r.randrange(PEOPLE), meal, r.randrange(4)))
        elif kind == "service":
            ops.append((kind, r.randrange(3), round(r.uniform(0.5, 9), 1), r.randrange(4)))
        elif kind == "headcount":
            ops.append((kind, r.randrange(3), r.randrange(EVENTS), r.randint(1, 90)))
        elif kind == "join":  # the same person on a new phone, with or without a verifier
            ops.append((kind, r.randrange(PEOPLE), r.random() < 0.5))
        elif kind == "merge":
            ops.append((kind, r.randrange(10_000), r.randrange(10_000)))
        else:
            ops.append((kind, r.randrange(10_000)))
    return ops


async def _play(url: str, ops: list[tuple[Any, ...]]) -> tuple[int, int]:
    core = await open_core(url, migrate=False, secret="s")
    try:
        units = [await f.unit(core), await f.unit(core)]
        units.append(await f.unit(core, parent=units[0]))
        org = await f.person(core, units[0], role=Role.ORGANIZER)
        staff = [
            await f.person(core, units[i % 3], role=Role.VOLUNTEER if i < 3 else Role.PARTICIPANT)
            for i in range(PEOPLE)
        ]
        listing = "unit_code,name,staff_no\n" + "".join(
            f"{units[i % 3].code},{staff[i].display_name},S{i}\n" for i in range(ROSTERED)
        )
        await rosters.import_roster(core, actor_id=None, data=listing.encode(), now=f.NOW)
        pool = list(staff)  # grows with the namesakes new phones make
        events = [await f.event(core, capacity=None if i else 6) for i in range(EVENTS)]
        facts: list[int] = []
        refused = 0
        now = f.SEPT

        waiting: list[int] = []

        def who(i: int) -> int:
            return pool[i % len(pool)].id

        def call(o: tuple[Any, ...]) -> Any:  # noqa: PLR0911 - one branch per operation
            kind = o[0]
            if kind == "checkin":
                return checkin.check_in(
                    core, code=events[o[2]].code, person_id=who(o[1]), now=f.NOW, channel="web"
                )
            if kind == "join":
                person = staff[o[1]]
                verifier = f"S{o[1]}" if o[2] and o[1] < ROSTERED else None
                return joining.join(
                    core,
                    name=person.display_name,
                    unit_id=person.unit_id,
                    now=now,
                    verifier=verifier,
                )
            if kind == "merge":
                return merging.merge_people(
                    core, actor_id=org.id, keep_id=who(o[1]), drop_id=who(o[2]), now=now
                )
            if kind in ("approve", "reject"):
                target = waiting[o[1] % len(waiting)] if waiting else 0
                if kind == "approve":
                    return review.approve_fact(core, fact_id=target, actor_id=org.id, now=now)
                return review.reject_fact(
                    core, fact_id=target, actor_id=org.id, reason="property", now=now
                )
            if kind == "trip":
                return actions.log_trip(
                    core,
                    person_id=who(o[1]),
                    mode=o[2],
                    km=o[3],
                    day=now.date() - timedelta(days=o[4]),
                    now=now,
                    channel="bot",
                )
            if kind == "plate":
                return actions.log_plate(
                    core,
                    person_id=who(o[1]),
                    meal=o[2],
                    day=now.date() - timedelta(days=o[3]),
                    now=now,
                    channel="web",
                )
            if kind == "service":
                return actions.log_service(
                    core,
                    volunteer_id=staff[o[1]].id,
                    hours=o[2],
                    day=now.date() - timedelta(days=o[3]),
                    now=now,
                    channel="web",
                )
            if kind == "headcount":
                return actions.log_headcount(
                    core,
                    volunteer_id=staff[o[1]].id,
                    code=events[o[2]].code,
                    heads=o[3],
                    now=f.NOW,
                    channel="web",
                )
            target = facts[o[1] % len(facts)] if facts else 0
            return review.void_fact(
                core, fact_id=target, actor_id=org.id, reason="property", now=now
            )

        for start in range(0, len(ops), 25):  # concurrent chunks share writer batches
            chunk = ops[start : start + 25]
            results = await asyncio.gather(*(call(o) for o in chunk), return_exceptions=True)
            for r in results:
                if isinstance(r, Refused):
                    refused += 1
                elif isinstance(r, BaseException):
                    raise r
                elif isinstance(r, joining.Joined):
                    if r.person.id not in {p.id for p in pool}:
                        pool.append(r.person)
                elif hasattr(r, "fact"):
                    facts.append(r.fact.id)
                    if r.fact.status == "pending":
                        waiting.append(r.fact.id)
        report = await totals.reconcile(core, now=now)
        assert report.ok, report.mismatches[:5]
        await _counted_once(core)
        return len(facts), refused
    finally:
        await core.close()


async def _counted_once(core: Any) -> None:
    """No person-time twice: one counted check-in per person and event, one count per
    person, campaign and day — merged people included."""
    async with core.read() as conn:
        doubles = (
            await conn.execute(
                select(Fact.person_id, Fact.campaign_id, Fact.event_id, Fact.occurred_on)
                .where(Fact.status == "counted", Fact.counted > 0)
                .group_by(Fact.person_id, Fact.campaign_id, Fact.event_id, Fact.occurred_on)
                .having(func.sum(Fact.counted) > 1)
            )
        ).all()
        stray = await conn.scalar(
            select(func.count())
            .select_from(Fact)
            .join(Person, Person.id == Fact.person_id)
            .where(Person.merged_into_id.is_not(None))
        )
    assert doubles == [] and stray == 0


def _reconcile_cli(url: str, tmp: Path) -> int:
    saved = {k: os.environ.get(k) for k in ("GREENTALLY_DATABASE_URL", "GREENTALLY_DATA_DIR")}
    os.environ.update(GREENTALLY_DATABASE_URL=url, GREENTALLY_DATA_DIR=str(tmp))
    try:
        return cli(["reconcile"])
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.mark.slow
@settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(seed=st.integers(0, 2**32), mix=mixes)
def test_reconcile_after_random_entries_and_voids_sqlite(
    seed: int, mix: tuple[int, ...], sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    target = tmp / "p.sqlite3"
    shutil.copyfile(sqlite_template, target)
    url = f"sqlite+aiosqlite:///{target}"
    written, _ = asyncio.run(_play(url, make_ops(seed, mix, 1500)))
    assert written > 0
    assert _reconcile_cli(url, tmp) == 0


@pytest.mark.slow
@pytest.mark.postgres
@settings(
    max_examples=2,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(seed=st.integers(0, 2**32), mix=mixes)
def test_reconcile_after_random_entries_and_voids_postgres(
    seed: int, mix: tuple[int, ...], pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert PG_URL
    name = f"gt_{uuid.uuid4().hex[:12]}"
    _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    try:
        url = _pg_admin_url(name)
        written, _ = asyncio.run(_play(url, make_ops(seed, mix, 1200)))
        assert written > 0
        assert _reconcile_cli(url, tmp_path_factory.mktemp("prop")) == 0
    finally:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
