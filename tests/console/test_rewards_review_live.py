"""Rewards (negative ledger entries, refused when balance or stock is short), the review
queue and voids (audited), and the live hub, in process and through Redis."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import Iterator

import pytest

from campaigns import actions, checkin, review, rewards, totals
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.live import LiveHub
from campaigns.reasons import Reason
from campaigns.results import Channel, Role
from tests import factories
from tests.factories import NOW


async def test_redeem_takes_points_and_stock(core: Core) -> None:
    unit = await factories.unit(core)
    vol = await factories.person(core, unit, role=Role.VOLUNTEER)
    staff = await factories.person(core, unit)
    for _ in range(2):
        event = await factories.event(core)
        await checkin.check_in(core, code=event.code, person_id=staff.id, now=NOW, channel="web")
    earned = (await totals.balance(core, person_id=staff.id)).points
    bag = await rewards.save_reward(
        core, actor_id=None, name_zh="布袋", name_en="Cloth bag", price=earned - 5, stock=1, now=NOW
    )
    pen = await rewards.save_reward(core, actor_id=None, name_zh="笔", price=1, stock=5, now=NOW)
    done = await rewards.redeem(
        core,
        reward_id=bag.id,
        token=staff.qr_token,
        volunteer_id=vol.id,
        now=NOW,
        idempotency_key="redeem:a",
    )
    assert done.balance == 5 and done.reward.stock == 0
    again = await rewards.redeem(
        core,
        reward_id=bag.id,
        token=staff.qr_token,
        volunteer_id=vol.id,
        now=NOW,
        idempotency_key="redeem:a",
    )
    assert again.repeated and again.ledger_id == done.ledger_id
    assert (await totals.balance(core, person_id=staff.id)).points == 5
    with pytest.raises(Refused) as out:
        await rewards.redeem(
            core, reward_id=bag.id, token=staff.qr_token, volunteer_id=vol.id, now=NOW
        )
    assert (
        out.value.reason is Reason.INSUFFICIENT_BALANCE or out.value.reason is Reason.OUT_OF_STOCK
    )
    await rewards.save_reward(
        core, actor_id=None, reward_id=pen.id, name_zh="笔", price=6, stock=5, now=NOW
    )
    with pytest.raises(Refused) as short:
        await rewards.redeem(
            core, reward_id=pen.id, token=staff.qr_token, volunteer_id=vol.id, now=NOW
        )
    assert short.value.reason is Reason.INSUFFICIENT_BALANCE
    assert short.value.detail == {"balance": 5, "price": 6}
    rich = await factories.person(core, unit)
    with pytest.raises(Refused) as empty:
        await rewards.redeem(
            core, reward_id=bag.id, token=rich.qr_token, volunteer_id=vol.id, now=NOW
        )
    assert empty.value.reason in (Reason.OUT_OF_STOCK, Reason.INSUFFICIENT_BALANCE)
    with pytest.raises(Refused) as nope:
        await rewards.redeem(
            core, reward_id=pen.id, token=staff.qr_token, volunteer_id=staff.id, now=NOW
        )
    assert nope.value.reason is Reason.NOT_ALLOWED
    with pytest.raises(Refused) as unknown:
        await rewards.redeem(
            core, reward_id=424242, token=staff.qr_token, volunteer_id=vol.id, now=NOW
        )
    assert unknown.value.reason is Reason.UNKNOWN_REWARD
    assert [r.stock for r in await rewards.list_rewards(core)] == [5, 0]
    assert len(await rewards.recent_redemptions(core)) == 1


async def test_out_of_stock_before_balance_matters(core: Core) -> None:
    unit = await factories.unit(core)
    vol = await factories.person(core, unit, role=Role.VOLUNTEER)
    staff = await factories.person(core, unit)
    event = await factories.event(core)
    await checkin.check_in(core, code=event.code, person_id=staff.id, now=NOW, channel="web")
    gone = await rewards.save_reward(core, actor_id=None, name_zh="水杯", price=1, stock=0, now=NOW)
    with pytest.raises(Refused) as out:
        await rewards.redeem(
            core, reward_id=gone.id, token=staff.qr_token, volunteer_id=vol.id, now=NOW
        )
    assert out.value.reason is Reason.OUT_OF_STOCK


async def test_review_reject_voids_and_audits(core: Core) -> None:
    unit = await factories.unit(core)
    org = await factories.person(core, unit, role=Role.ORGANIZER)
    staff = await factories.person(core, unit)
    sept = factories.SEPT
    trip = await actions.log_trip(
        core,
        person_id=staff.id,
        mode="walk",
        km=1,
        day=sept.date(),
        now=sept,
        channel=Channel.WEB,
        evidence_path="2023/09/a.jpg",
    )
    plate = await actions.log_plate(
        core,
        person_id=staff.id,
        meal="lunch",
        day=sept.date(),
        now=sept,
        channel=Channel.WEB,
        evidence_path="2023/09/b.jpg",
    )
    queue = await review.review_queue(core)
    assert [line.fact.id for line in queue] == [trip.fact.id, plate.fact.id]
    with pytest.raises(Refused) as out:
        await review.judge_evidence(
            core, fact_id=trip.fact.id, actor_id=org.id, accept=False, reason=" ", now=sept
        )
    assert out.value.reason is Reason.REASON_REQUIRED
    with pytest.raises(Refused) as deny:
        await review.judge_evidence(
            core, fact_id=trip.fact.id, actor_id=staff.id, accept=True, reason="", now=sept
        )
    assert deny.value.reason is Reason.NOT_ALLOWED
    await review.judge_evidence(
        core, fact_id=plate.fact.id, actor_id=org.id, accept=True, reason="", now=sept
    )
    voided = await review.judge_evidence(
        core, fact_id=trip.fact.id, actor_id=org.id, accept=False, reason="photo of a car", now=sept
    )
    assert voided.status == "void" and voided.void_reason == "photo of a car"
    assert await review.review_queue(core) == []
    actions_logged = [(e.action, e.actor_id) for e in await review.audit_log(core, limit=5)]
    assert ("evidence_rejected", org.id) in actions_logged and (
        "void_fact",
        org.id,
    ) in actions_logged
    assert ("evidence_ok", org.id) in actions_logged
    assert (await totals.reconcile(core, now=sept)).ok


async def test_undo_only_own_recent_checkin(core: Core) -> None:
    unit = await factories.unit(core)
    vol = await factories.person(core, unit, role=Role.VOLUNTEER)
    other_vol = await factories.person(core, unit, role=Role.VOLUNTEER)
    staff = await factories.person(core, unit)
    event = await factories.event(core)
    await checkin.check_in_by_token(
        core, code=event.code, token=staff.qr_token, volunteer_id=vol.id, now=NOW, channel="scanner"
    )
    with pytest.raises(Refused) as out:
        await review.undo_last_checkin(core, volunteer_id=other_vol.id, code=event.code, now=NOW)
    assert out.value.reason is Reason.UNKNOWN_FACT
    from datetime import timedelta

    with pytest.raises(Refused):
        await review.undo_last_checkin(
            core, volunteer_id=vol.id, code=event.code, now=NOW + timedelta(hours=1)
        )
    fact = await review.undo_last_checkin(core, volunteer_id=vol.id, code=event.code, now=NOW)
    assert fact.status == "void"
    # the person may now be checked in again
    await checkin.check_in_by_token(
        core, code=event.code, token=staff.qr_token, volunteer_id=vol.id, now=NOW, channel="scanner"
    )


async def _next(queue: asyncio.Queue[dict[str, int]]) -> dict[str, int]:
    return await asyncio.wait_for(queue.get(), timeout=5)


async def test_live_hub_in_process(core: Core) -> None:
    unit = await factories.unit(core)
    staff = await factories.person(core, unit)
    event = await factories.event(core)
    hub = LiveHub(core, year=lambda: 2023, interval=0.1)
    async with hub.subscribe() as queue:
        first = await _next(queue)
        await checkin.check_in(core, code=event.code, person_id=staff.id, now=NOW, channel="bot")
        hub.poke()
        moved = await _next(queue)
    assert moved["person_times"] == first["person_times"] + 1
    assert not hub._tasks  # the watcher stops with its last viewer


@pytest.fixture
def redis_url(tmp_path: object) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    try:
        for _ in range(50):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            import time

            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(5)


async def test_live_fan_out_through_redis(core: Core, redis_url: str) -> None:
    """Two instances: only one watches the database; both viewers see the change."""
    unit = await factories.unit(core)
    staff = await factories.person(core, unit)
    event = await factories.event(core)
    a = LiveHub(core, year=lambda: 2023, redis_url=redis_url, interval=0.1)
    b = LiveHub(core, year=lambda: 2023, redis_url=redis_url, interval=0.1)
    async with a.subscribe() as qa, b.subscribe() as qb:
        await asyncio.sleep(0.5)
        leaders = [await a._leader(), await b._leader()]
        assert sorted(leaders) == [False, True]
        for q in (qa, qb):  # the first publish after start
            while not q.empty():
                q.get_nowait()
        await checkin.check_in(core, code=event.code, person_id=staff.id, now=NOW, channel="bot")
        got_a, got_b = await _until_one(qa), await _until_one(qb)
    assert got_a["person_times"] == got_b["person_times"] == 1


async def _until_one(queue: asyncio.Queue[dict[str, int]]) -> dict[str, int]:
    """The first message showing the check-in (a start-up snapshot may come before it)."""
    while True:
        message = await _next(queue)
        if message["person_times"] == 1:
            return message
