"""A WeCom member is recognised without registering: matched once against the roster of
the unit their department maps to, then known by their account."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campaigns import checkin, joining, merging, people, rosters
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Channel, UnitView
from storage.models import Fact
from tests import factories as f
from tests.wecom.conftest import drain, poster_url, scan_event, sealed
from tests.wecom.fake_wecom import FakeWeCom
from wecom.door import WeComDoor


async def roster(core: Core, unit: UnitView, *names: str) -> None:
    """Rows of the unit's staff list; a name given twice gets staff numbers to tell apart."""
    listing = "unit_code,name,staff_no\n" + "".join(
        f"{unit.code},{n},{i:04d}\n" if names.count(n) > 1 else f"{unit.code},{n},\n"
        for i, n in enumerate(names)
    )
    report = await rosters.import_roster(core, actor_id=None, data=listing.encode(), now=f.NOW)
    assert report.ok, report.errors


async def test_one_roster_match_is_the_same_person_as_their_web_and_telegram_identities(
    core: Core, door: WeComDoor, fake: FakeWeCom, unit: UnitView
) -> None:
    await roster(core, unit, "张三", "李四")
    web = await joining.join(core, name="张三", unit_id=unit.id, now=f.NOW)  # the web form
    link = await joining.issue_link_code(core, person_id=web.person.id, now=f.NOW)
    await joining.redeem_link_code(core, code=link.code, now=f.NOW, telegram_id=4242)
    event = await f.event(core)
    fake.add_user("ZhangSan", "张三", 7)

    await door.receive(*sealed(scan_event("ZhangSan", poster_url(event.code))))
    await drain(door)
    wecom = await door.person("zhangsan")  # WeCom compares user ids without case
    assert wecom is not None and wecom.person.id == web.person.id
    telegram = await people.find_by_telegram(core, 4242)
    assert telegram is not None and telegram.id == web.person.id

    with pytest.raises(Refused) as exc:  # the same person on the Telegram door
        await checkin.check_in(
            core, code=event.code, person_id=telegram.id, now=f.NOW, channel=Channel.BOT
        )
    assert exc.value.reason is Reason.ALREADY_CHECKED_IN
    async with core.read() as conn:
        counted = await conn.scalar(select(func.sum(Fact.counted)).where(Fact.event_id == event.id))
    assert counted == 1  # one person, one person-time


async def test_a_namesake_on_the_roster_goes_to_the_duplicates_list(
    core: Core, door: WeComDoor, fake: FakeWeCom, unit: UnitView
) -> None:
    await roster(core, unit, "王芳", "王芳")  # 同名: two rows of one name
    fake.add_user("wangfang2", "王芳", 7)
    joined = await door.person("wangfang2")
    assert joined is not None and joined.flagged and not joined.bound
    flagged = [p.id for g in await merging.duplicates(core) for p in g.people]
    assert joined.person.id in flagged


async def test_no_match_registers_the_person_in_the_mapped_unit(
    core: Core, door: WeComDoor, fake: FakeWeCom, unit: UnitView
) -> None:
    await roster(core, unit, "张三")
    fake.add_user("zhaoliu", "赵六", 7)
    joined = await door.person("zhaoliu")
    assert joined is not None and not joined.flagged
    assert joined.person.unit_id == unit.id and joined.person.display_name == "赵六"
    again = await door.person("ZHAOLIU")
    assert again is not None and again.person.id == joined.person.id


async def test_a_department_matched_by_name_and_one_matched_by_nothing(
    core: Core, door: WeComDoor, fake: FakeWeCom
) -> None:
    school = await f.unit(core, name="县第一中学")
    fake.departments[12] = "县第一中学"
    fake.add_user("teacher", "孙老师", 12)
    joined = await door.person("teacher")
    assert joined is not None and joined.person.unit_id == school.id
    fake.add_user("stranger", "周某", 99)
    assert await door.person("stranger") is None
