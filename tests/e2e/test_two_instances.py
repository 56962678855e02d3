"""Invariants across instances (the README's scale-out path): two `greentally serve`
processes on one PostgreSQL database. 40 new phones check in at once to an event of
capacity 10, across both: exactly 10 are admitted, in every one of 20 runs. 20 redemptions
of a reward worth the whole balance at once, across both: exactly one succeeds, and the
balance never goes below zero."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from campaigns import catalog, checkin, people, rewards, totals
from campaigns.core import open_core
from campaigns.results import Channel, Role
from storage.models import Fact, LedgerEntry, Person
from tests.conftest import PG_URL, _pg_admin_url, _pg_exec
from tests.greentally.test_serve import _free_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SECRET = "two-instances-secret-" + "x" * 32
RUNS, PHONES, CAPACITY = 20, 40, 10
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set GREENTALLY_TEST_DATABASE_URL")
    name = f"gt_two_{uuid.uuid4().hex[:10]}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    yield _pg_admin_url(name)
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def servers(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two instances, as an operator starts them: same database, same secret key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTALLY_")}
    env.update(
        PYTHONPATH=str(ROOT),
        GREENTALLY_DATABASE_URL=database,
        GREENTALLY_SECRET_KEY=SECRET,
        GREENTALLY_PUBLIC_URL="http://127.0.0.1",
    )
    procs, urls = [], []
    for i in range(2):
        port = _free_port()
        data = tmp_path_factory.mktemp(f"instance{i}")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "greentally.cli", "serve", "--port", str(port)],
                cwd=data,
                env={**env, "GREENTALLY_DATA_DIR": str(data)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
        _wait_ready(urls[-1], procs[-1])  # the first migrates; then the second starts
    try:
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)


def _wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/healthz?ready=1", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not start (exit {proc.poll()})")


async def _new_phone_checks_in(url: str, code: str, unit_id: int, n: int) -> int:
    """A phone that never saw GreenTally: the page, then name and unit with 签到."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as phone:
        page = await phone.get(f"/e/{code}")
        token = CSRF.search(page.text)
        assert token, page.text[:300]
        form = {
            "csrf": token.group(1),
            "name": f"同事{n}",
            "unit_id": str(unit_id),
            "idem": uuid.uuid4().hex,
        }
        answer = await phone.post(f"/e/{code}", data=form)
        return answer.status_code


async def test_capacity_holds_across_two_serve_processes(servers: list[str], database: str) -> None:
    now = datetime.now(UTC)
    core = await open_core(database, secret=SECRET, migrate=False)
    try:
        unit = await catalog.upsert_unit(
            core,
            actor_id=None,
            code="edu",
            name_zh="县教育局",
            name_en="Education Bureau",
            parent_code=None,
            headcount=200,
            has_canteen=False,
            now=now,
        )
        campaign = (await catalog.list_campaigns(core))[0]
        for run in range(RUNS):
            event = await catalog.create_event(
                core,
                actor_id=None,
                campaign_id=campaign.id,
                title_zh=f"讲座{run}",
                title_en="",
                place="",
                starts_at=now,
                ends_at=now + timedelta(hours=2),
                checkin_opens_at=now - timedelta(hours=1),
                checkin_closes_at=now + timedelta(hours=3),
                capacity=CAPACITY,
                now=now,
            )
            statuses = await asyncio.gather(
                *(
                    _new_phone_checks_in(servers[n % 2], event.code, unit.id, run * PHONES + n)
                    for n in range(PHONES)
                )
            )
            async with core.read() as conn:
                admitted = await conn.scalar(
                    select(func.count()).where(Fact.event_id == event.id, Fact.status == "counted")
                )
            assert admitted == CAPACITY, f"run {run}: {admitted} admitted"
            assert statuses.count(303) == CAPACITY and statuses.count(409) == PHONES - CAPACITY
        report = await totals.reconcile(core, now=now)
        assert report.ok, report.mismatches
    finally:
        await core.close()


async def test_a_balance_is_spent_once_across_two_serve_processes(
    servers: list[str], database: str
) -> None:
    now = datetime.now(UTC)
    core = await open_core(database, secret=SECRET, migrate=False)
    try:
        unit = await catalog.upsert_unit(
            core,
            actor_id=None,
            code="health",
            name_zh="县卫健局",
            name_en="Health Bureau",
            parent_code=None,
            headcount=50,
            has_canteen=False,
            now=now,
        )
        person = await people.register_person(core, name="钱多多", unit_id=unit.id, now=now)
        await people.create_user(
            core,
            login="door",
            password="a long password",
            name="门口志愿者",
            role=Role.VOLUNTEER,
            now=now,
            unit_id=unit.id,
        )
        campaign = (await catalog.list_campaigns(core))[0]
        event = await catalog.create_event(
            core,
            actor_id=None,
            campaign_id=campaign.id,
            title_zh="积分活动",
            title_en="",
            place="",
            starts_at=now,
            ends_at=now + timedelta(hours=2),
            checkin_opens_at=now - timedelta(hours=1),
            checkin_closes_at=now + timedelta(hours=3),
            now=now,
        )
        await checkin.check_in(
            core, code=event.code, person_id=person.id, now=now, channel=Channel.WEB
        )
        balance = (await totals.balance(core, person_id=person.id)).points
        reward = await rewards.save_reward(
            core, actor_id=None, name_zh="帆布袋", price=balance, stock=100, now=now
        )
        async with core.read() as conn:
            token = await conn.scalar(select(Person.qr_token).where(Person.id == person.id))
    finally:
        await core.close()

    async with httpx.AsyncClient(base_url=servers[0], timeout=60) as door:
        csrf = (await door.get("/api/v1/session")).json()["csrf_token"]
        signed = await door.post(
            "/api/v1/session/password",
            json={"login": "door", "password": "a long password"},
            headers={"x-csrf-token": csrf},
        )
        assert signed.status_code == 200, signed.text
        cookies, csrf = dict(door.cookies), signed.json()["csrf_token"]

    async def redeem(i: int) -> int:
        async with httpx.AsyncClient(base_url=servers[i % 2], cookies=cookies, timeout=60) as c:
            answer = await c.post(
                f"/api/v1/rewards/{reward.id}/redemptions",
                json={"token": token, "idempotency_key": f"r-{i}-{uuid.uuid4().hex}"},
                headers={"x-csrf-token": csrf},
            )
            return answer.status_code

    statuses = await asyncio.gather(*(redeem(i) for i in range(20)))
    assert statuses.count(201) == 1 and statuses.count(409) == 19, statuses
    core = await open_core(database, secret=SECRET, migrate=False)
    try:
        assert (await totals.balance(core, person_id=person.id)).points == 0
        async with core.read() as conn:
            spent = await conn.scalar(
                select(func.count()).where(
                    LedgerEntry.person_id == person.id, LedgerEntry.kind == "redeem"
                )
            )
        assert spent == 1
    finally:
        await core.close()
