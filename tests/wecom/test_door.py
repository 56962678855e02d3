"""The WeCom door end to end below HTTP: callbacks recorded once, the worker checking in,
replies sent once through the fake's message/send, the token refreshed when it expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns import codes, outbox
from campaigns.core import Core
from campaigns.results import UnitView
from storage import wecom as wecom_store
from storage.models import Fact
from tests import factories as f
from tests.wecom.conftest import (
    AGENT_ID,
    config_for,
    drain,
    poster_url,
    scan_event,
    sealed,
    text_message,
)
from tests.wecom.fake_wecom import CORP_ID, SECRET, FakeWeCom
from wecom.client import WeComClient
from wecom.door import WeComDoor


async def facts(core: Core) -> int:
    async with core.read() as conn:
        return int(await conn.scalar(select(func.count(Fact.id))) or 0)


async def test_the_same_msgid_three_times_is_one_checkin_and_one_reply(
    core: Core, door: WeComDoor, fake: FakeWeCom, unit: UnitView
) -> None:
    event = await f.event(core)
    fake.add_user("ZhangSan", "张三", 7)
    message = text_message("ZhangSan", poster_url(event.code), msg_id="6431000000000000001")
    for _ in range(3):  # WeCom retries a callback it thinks was lost
        await door.receive(*sealed(message))
    await drain(door)
    assert await facts(core) == 1
    replies = fake.messages_to("ZhangSan")
    assert len(replies) == 1
    assert "✅ 已签到：低碳日宣传活动" in replies[0]  # the bot's words for a check-in


async def test_a_scan_from_the_menu_is_one_fact_and_one_reply(
    core: Core, door: WeComDoor, fake: FakeWeCom
) -> None:
    event = await f.event(core)
    fake.add_user("lisi", "李四", 7)
    scan = scan_event("lisi", poster_url(event.code))
    await door.receive(*sealed(scan))
    await door.receive(*sealed(scan))  # the same event again: user, CreateTime, event
    await drain(door)
    assert await facts(core) == 1
    (reply,) = fake.messages_to("lisi")
    assert "低碳日宣传活动" in reply
    assert (
        "年目标" in reply and "1/2000 人次" in reply
    )  # the year's progress, as under the bot's check-in


async def test_a_second_scan_is_answered_as_the_other_doors_answer_it(
    core: Core, door: WeComDoor, fake: FakeWeCom
) -> None:
    event = await f.event(core)
    fake.add_user("lisi", "李四", 7)
    await door.receive(*sealed(scan_event("lisi", poster_url(event.code), created=1)))
    await door.receive(*sealed(scan_event("lisi", poster_url(event.code), created=2)))
    await drain(door)
    first, second = fake.messages_to("lisi")
    assert await facts(core) == 1
    assert second.startswith("✅ ")  # "already checked in", calmly, as the bot says it
    assert "已" in second


async def test_an_unknown_code_is_refused_in_words(
    core: Core, door: WeComDoor, fake: FakeWeCom
) -> None:
    fake.add_user("lisi", "李四", 7)
    await door.receive(*sealed(text_message("lisi", "hello there", msg_id="1")))
    await door.receive(*sealed(scan_event("lisi", poster_url("nosuchcode"))))
    await drain(door)
    assert await facts(core) == 0
    not_code, unknown = fake.messages_to("lisi")
    assert "活动码" in not_code or "二维码" in not_code
    assert unknown  # the core's refusal, in the bot's words


async def test_an_expired_token_is_refreshed_and_the_send_retried_once(
    core: Core, door: WeComDoor, fake: FakeWeCom
) -> None:
    event = await f.event(core)
    fake.add_user("lisi", "李四", 7)
    await door.receive(*sealed(scan_event("lisi", poster_url(event.code), created=1)))
    await drain(door)
    assert fake.token_calls == 1
    fake.expire_tokens()
    await door.receive(*sealed(scan_event("lisi", poster_url(event.code), created=2)))
    await drain(door)
    assert fake.token_calls == 2
    assert len(fake.messages_to("lisi")) == 2
    assert len(fake.sends) == 2  # the refused call is not recorded as a send


async def test_a_menu_click_shows_progress_and_points(
    core: Core, door: WeComDoor, fake: FakeWeCom
) -> None:
    fake.add_user("lisi", "李四", 7)
    click = {"FromUserName": "lisi", "CreateTime": "5", "MsgType": "event", "Event": "click"}
    await door.receive(*sealed({**click, "EventKey": "progress"}))
    await door.receive(*sealed({**click, "EventKey": "me", "CreateTime": "6"}))
    await drain(door)
    progress, points = fake.messages_to("lisi")
    assert "2023" in progress and "2000" in progress
    assert "积分" in points


async def test_a_rotating_screen_scanned_from_the_menu(
    core: Core, door: WeComDoor, fake: FakeWeCom
) -> None:
    event = await f.event(core, rotating=True)
    fake.add_user("lisi", "李四", 7)
    token = codes.rotating_token(core.secret, event.code, codes.current_slot(f.NOW))
    await door.receive(*sealed(scan_event("lisi", poster_url(event.code), created=1)))
    await door.receive(
        *sealed(scan_event("lisi", f"{poster_url(event.code)}?t={token}", created=2))
    )
    await drain(door)
    refused, checked_in = fake.messages_to("lisi")
    assert await facts(core) == 1  # the bare link (a forwarded photo) is refused
    assert "低碳日宣传活动" in checked_in and checked_in.startswith("✅ 已签到")
    assert refused and not refused.startswith("✅")


async def test_a_callback_that_always_fails_is_given_up_after_its_attempts(
    core: Core, fake: FakeWeCom, unit: UnitView, caplog: pytest.LogCaptureFixture
) -> None:
    """A message whose handling fails every time is taken up again after each lease, five
    times in all, then left in the inbox (not done) with an error in the log; the others
    are still answered."""
    now = [f.NOW]
    api = WeComClient(base_url=fake.base_url, corp_id=CORP_ID, secret=SECRET, agent_id=AGENT_ID)
    door = WeComDoor(core, config_for(fake, unit), client=api, clock=lambda: now[0])
    handle = door.handle

    async def failing(fields: dict[str, str]) -> list[tuple[str, int | None]]:
        if fields.get("MsgId") == "1":
            raise RuntimeError("a bug on this message")
        return await handle(fields)

    door.handle = failing  # type: ignore[method-assign]
    fake.add_user("ZhangSan", "张三", 7)
    event = await f.event(core)
    try:
        await door.receive(*sealed(text_message("ZhangSan", "你好", msg_id="1")))
        await door.settled()
        taken = []
        for _ in range(outbox.MAX_ATTEMPTS + 2):
            taken.append(await door.work_once())
            now[0] += outbox.LEASE + timedelta(seconds=1)
        assert taken == [1] * outbox.MAX_ATTEMPTS + [0, 0]
        assert "failed 5 times: given up" in caplog.text
        async with core.read() as conn:
            assert await wecom_store.inbox_count(conn, done=False) == 1
        await door.receive(*sealed(text_message("ZhangSan", poster_url(event.code), msg_id="2")))
        await drain(door)
        assert await facts(core) == 1 and len(fake.messages_to("ZhangSan")) == 1
    finally:
        await door.stop()
