"""An announcement to a unit of 300 WeCom members: sent in batches within WeCom's limits,
through a restart midway, nobody getting a second copy, and a record of who was reached."""

from __future__ import annotations

import pytest

from campaigns import announcements, outbox
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.external import Account, join_external
from campaigns.reasons import Reason
from campaigns.results import Role, UnitView
from tests import factories as f
from tests.wecom.conftest import AGENT_ID, config_for
from tests.wecom.fake_wecom import CORP_ID, SECRET, FakeWeCom
from wecom.client import WeComClient
from wecom.door import WeComDoor

BODY = "7月12日全国低碳日：上午九点人民广场启动仪式，请扫码签到。"


async def members(core: Core, fake: FakeWeCom, unit: UnitView, n: int) -> list[str]:
    ids = []
    for i in range(n):
        user = f"staff{i:03d}"
        fake.add_user(user, f"职工{i:03d}", 7)
        await join_external(
            core, Account("wecom", CORP_ID, user), name=f"职工{i:03d}", unit_id=unit.id, now=f.NOW
        )
        ids.append(user)
    return ids


def fresh_door(core: Core, fake: FakeWeCom, unit: UnitView) -> WeComDoor:
    """A new process: a new client (its own token), the same database."""
    client = WeComClient(base_url=fake.base_url, corp_id=CORP_ID, secret=SECRET, agent_id=AGENT_ID)
    made = WeComDoor(core, config_for(fake, unit), client=client, clock=lambda: f.NOW)
    made.send_limit = 100
    return made


async def test_300_members_in_batches_through_a_restart_each_once(
    core: Core, fake: FakeWeCom, unit: UnitView
) -> None:
    staff = await members(core, fake, unit, 300)
    organizer = await f.person(core, unit, role=Role.ORGANIZER, name="组织者")
    sent = await announcements.announce(
        core, actor_id=organizer.id, body=BODY, unit_ids=[unit.id], now=f.NOW, corp_id=CORP_ID
    )
    assert sent.recipients == 300 and sent.waiting == 300

    first = fresh_door(core, fake, unit)
    assert await first.send_once() == 100  # one round, then the process stops
    await first.client.close()
    midway = await announcements.progress(core, sent.id)
    assert (midway.sent, midway.waiting) == (100, 200)

    # a crash between claiming and sending: those rows are never sent twice
    lost = await outbox.claim_batch(core, platform="wecom", now=f.NOW, limit=10)
    assert sum(len(b) for b in lost) == 10

    second = fresh_door(core, fake, unit)
    while await second.send_once():
        pass
    await second.client.close()

    assert all(len(call["touser"].split("|")) <= 1000 for call in fake.sends)
    assert len(fake.sends) == 3  # 100, then 100 and 90 after the restart
    for user in staff:
        assert fake.messages_to(user).count(BODY) <= 1
    assert not fake.dropped  # nobody over WeCom's 30 a minute
    done = await announcements.progress(core, sent.id)
    assert (done.sent, done.waiting, done.unconfirmed) == (290, 0, 10)
    record = await announcements.reached(core, sent.id)
    assert len(record) == 300
    assert {r.state for r in record} == {"sent", "unconfirmed"}


async def test_a_member_past_30_messages_a_minute_waits_instead_of_being_dropped(
    core: Core, fake: FakeWeCom, unit: UnitView
) -> None:
    await members(core, fake, unit, 1)
    door = fresh_door(core, fake, unit)
    for n in range(35):
        await announcements.announce(
            core, actor_id=None, body=f"通知 {n}", unit_ids=[unit.id], now=f.NOW, corp_id=CORP_ID
        )
    while await door.send_once():
        pass
    await door.client.close()
    assert len(fake.messages_to("staff000")) == 30
    assert not fake.dropped
    waiting = [a for a in await announcements.recent(core, limit=50) if a.waiting]
    assert len(waiting) == 5  # sent next minute


async def test_only_organizers_announce_and_words_are_checked(core: Core, unit: UnitView) -> None:
    someone = await f.person(core, unit)
    with pytest.raises(Refused) as exc:
        await announcements.announce(
            core, actor_id=someone.id, body=BODY, unit_ids=[unit.id], now=f.NOW, corp_id=None
        )
    assert exc.value.reason is Reason.NOT_ALLOWED
    with pytest.raises(Refused) as exc:
        await announcements.announce(
            core, actor_id=None, body="  ", unit_ids=[unit.id], now=f.NOW, corp_id=None
        )
    assert exc.value.reason is Reason.INVALID_INPUT
    with pytest.raises(Refused) as exc:
        await announcements.announce(
            core, actor_id=None, body=BODY, unit_ids=[99999], now=f.NOW, corp_id=None
        )
    assert exc.value.reason is Reason.UNKNOWN_UNIT
    assert await announcements.recent(core) == []


async def test_telegram_members_are_queued_for_the_bot(core: Core, unit: UnitView) -> None:
    await f.person(core, unit, telegram_id=777001)
    sent = await announcements.announce(
        core, actor_id=None, body=BODY, unit_ids=[unit.id], now=f.NOW, corp_id=CORP_ID
    )
    (reach,) = await announcements.reached(core, sent.id)
    assert reach.platform == "telegram" and reach.state == "waiting"
