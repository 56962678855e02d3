"""A small county with a year of everything the console shows: a unit tree with staff
headcounts, check-ins through every channel spread over an hour, trips by every mode,
clean plates, service hours, a booth headcount, a voided record, a photo waiting for
review, a reward handed out, role changes and a reconcile — so every page and every label
has something real to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from PIL import Image

from campaigns import actions, checkin, joining, people, review, rewards, rosters, totals
from campaigns.core import Core
from campaigns.results import Channel, EventView, PersonView, Role, UnitView
from tests import factories
from tests.factories import NOW, SEPT


@dataclass
class County:
    bureau: UnitView
    school: UnitView
    township: UnitView
    event: EventView
    organizer: PersonView
    volunteer: PersonView
    staff: list[PersonView]
    voided_id: int
    photo_id: int


async def county(
    core: Core, *, organizer: PersonView | None = None, evidence: Path | None = None
) -> County:
    bureau = await factories.unit(core, name="县教育局", headcount=40)
    school = await factories.unit(core, parent=bureau, name="县第一中学", headcount=120)
    township = await factories.unit(core, name="城关镇", headcount=60, canteen=False)
    await factories.unit(core, name="县档案馆", headcount=0, canteen=False)
    event = await factories.event(core)
    boss = organizer or await factories.person(core, bureau, role=Role.ORGANIZER, name="赵主任")
    volunteer = await factories.person(core, township, role=Role.VOLUNTEER, name="钱志愿")
    names = ["王芳", "李强", "张伟", "刘洋", "陈静", "杨帆", "黄磊", "周敏"]
    homes = [bureau, school, school, township, school, bureau, township, school]
    staff = [await factories.person(core, u, name=n) for n, u in zip(names, homes, strict=True)]
    channels = [Channel.WEB, Channel.BOT, Channel.SCANNER, Channel.API]
    for i, p in enumerate(staff[:7]):
        at = NOW + timedelta(minutes=7 * i)
        if channels[i % 4] is Channel.SCANNER:
            await checkin.check_in_by_token(
                core,
                code=event.code,
                token=p.qr_token,
                volunteer_id=volunteer.id,
                now=at,
                channel=Channel.SCANNER,
            )
        else:
            await checkin.check_in(
                core, code=event.code, person_id=p.id, now=at, channel=channels[i % 4]
            )
    for p, mode in zip(staff, ["walk", "bike", "bus", "metro"], strict=False):
        await actions.log_trip(
            core,
            person_id=p.id,
            mode=mode,
            km=2.5 if mode != "walk" else 0.8,
            day=SEPT.date(),
            now=SEPT,
            channel=Channel.WEB,
        )
    for p, meal in zip(staff[4:], ["breakfast", "lunch", "dinner"], strict=False):
        await actions.log_plate(
            core, person_id=p.id, meal=meal, day=NOW.date(), now=NOW, channel=Channel.BOT
        )
    await actions.log_service(
        core, volunteer_id=volunteer.id, hours=3, day=NOW.date(), now=NOW, channel=Channel.WEB
    )
    await actions.log_headcount(
        core, volunteer_id=volunteer.id, code=event.code, heads=17, now=NOW, channel=Channel.SCANNER
    )
    photo_path = None
    if evidence is not None:
        evidence.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (64, 48), (20, 120, 60)).save(evidence / "p.jpg", "JPEG")
        photo_path = "p.jpg"
    photo = await actions.log_trip(
        core,
        person_id=staff[5].id,
        mode="bus",
        km=4,
        day=SEPT.date(),
        now=SEPT,
        channel=Channel.WEB,
        evidence_path=photo_path or "missing.jpg",
    )
    extra = await checkin.check_in(
        core,
        code=event.code,
        person_id=staff[7].id,
        now=NOW + timedelta(minutes=50),
        channel=Channel.WEB,
    )
    await review.void_fact(
        core,
        fact_id=extra.fact.id,
        actor_id=boss.id,
        reason="签到错误，重复登记",
        now=NOW + timedelta(hours=1),
    )
    await people.set_role(
        core, actor_id=boss.id, person_id=staff[0].id, role=Role.VOLUNTEER, now=NOW
    )
    reward = await rewards.save_reward(
        core, actor_id=boss.id, name_zh="环保袋", name_en="Tote bag", price=10, stock=20, now=NOW
    )
    await rewards.redeem(
        core,
        reward_id=reward.id,
        token=staff[1].qr_token,
        volunteer_id=volunteer.id,
        now=NOW + timedelta(hours=2),
    )
    listing = "单位代码,姓名,工号,手机尾号\n" + "".join(
        f"{school.code},{n},T{i},{1000 + i}\n" for i, n in enumerate(["张伟", "陈静", "周敏"])
    )
    await rosters.import_roster(core, actor_id=boss.id, data=listing.encode(), now=NOW)
    await joining.join(core, name="刘洋", unit_id=township.id, now=NOW)  # a namesake: flagged
    await totals.reconcile(core, now=NOW + timedelta(hours=3))
    return County(
        bureau, school, township, event, boss, volunteer, staff, extra.fact.id, photo.fact.id
    )
