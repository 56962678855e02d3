"""One human, one person: a new device finds its person on the roster (with a verifier),
never by name alone; link codes carry an identity to another device; walk-ins search the
roster first; duplicates are listed and merged without counting anything twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from campaigns import checkin, joining, merging, people, rosters, totals
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Role, UnitView
from storage.models import AuditEntry, Fact, Person
from tests import factories as f
from tests.factories import NOW


async def count(core: Core, model: Any, *where: Any) -> int:
    async with core.read() as conn:
        stmt = select(func.count()).select_from(model)
        return int(await conn.scalar(stmt.where(*where) if where else stmt) or 0)


async def roster(core: Core, unit: UnitView, *rows: str) -> None:
    text = "unit_code,name,staff_no,phone_last4\n" + "".join(f"{unit.code},{r}\n" for r in rows)
    report = await rosters.import_roster(core, actor_id=None, data=text.encode(), now=NOW)
    assert report.ok, report.errors


async def reconciled(core: Core) -> None:
    report = await totals.reconcile(core, now=NOW)
    assert report.ok, report.mismatches


async def test_a_second_phone_with_the_verifier_is_the_same_person(core: Core) -> None:
    unit = await f.unit(core)
    await roster(core, unit, "张三,A1001,1234")
    ev = await f.event(core)
    first = await joining.join(core, name="张三", unit_id=unit.id, now=NOW, verifier="1234")
    await checkin.check_in(core, code=ev.code, person_id=first.person.id, now=NOW, channel="web")
    # Another phone (or WeChat after the camera's browser): full-width, spaced, the staff no.
    with pytest.raises(Refused) as exc:
        await joining.join(core, name="张 三", unit_id=unit.id, now=NOW)
    assert exc.value.reason is Reason.VERIFIER_REQUIRED
    second = await joining.join(core, name="张 三", unit_id=unit.id, now=NOW, verifier="ａ1001")
    assert second.person.id == first.person.id and second.bound
    with pytest.raises(Refused) as exc:
        await checkin.check_in(
            core, code=ev.code, person_id=second.person.id, now=NOW, channel="web"
        )
    assert exc.value.reason is Reason.ALREADY_CHECKED_IN
    assert await count(core, Person) == 1 and await count(core, Fact) == 1
    assert (await totals.progress(core, year=2023)).totals.person_times == 1
    await reconciled(core)


async def test_wrong_answers_are_limited_in_the_database(core: Core, db_url: str) -> None:
    unit = await f.unit(core)
    await roster(core, unit, "张三,A1001,1234")
    await joining.join(core, name="张三", unit_id=unit.id, now=NOW, verifier="1234")
    for _ in range(joining.VERIFY_LIMIT):
        with pytest.raises(Refused) as exc:
            await joining.join(core, name="张三", unit_id=unit.id, now=NOW, verifier="9999")
        assert exc.value.reason is Reason.VERIFIER_WRONG
    # Another instance sees the same count: even the right answer waits now.
    from campaigns.core import open_core

    other = await open_core(db_url, secret=core.secret, migrate=False)
    try:
        with pytest.raises(Refused) as exc:
            await joining.join(core=other, name="张三", unit_id=unit.id, now=NOW, verifier="1234")
        assert exc.value.reason is Reason.VERIFIER_LOCKED
        assert exc.value.detail["minutes"] == 15
    finally:
        await other.close()
    later = NOW + joining.VERIFY_WINDOW + timedelta(seconds=1)
    again = await joining.join(core, name="张三", unit_id=unit.id, now=later, verifier="1234")
    assert again.bound and await count(core, Person) == 1


async def test_no_one_is_bound_by_name_alone(core: Core) -> None:
    unit = await f.unit(core)
    await roster(core, unit, "李四,,")  # on the roster, but no verifier on file
    first = await joining.join(core, name="李四", unit_id=unit.id, now=NOW)
    assert not first.flagged  # the row's first person: nobody's history to hand over
    second = await joining.join(core, name="李四", unit_id=unit.id, now=NOW)
    assert second.person.id != first.person.id and second.flagged
    assert second.person.possible_duplicate
    (group,) = await merging.duplicates(core)
    assert group.why == merging.Why.SAME_NAME
    assert {c.id for c in group.people} == {first.person.id, second.person.id}
    # Not on any roster: a namesake in the unit is flagged too, never bound.
    third = await joining.join(core, name="王五", unit_id=unit.id, now=NOW)
    fourth = await joining.join(core, name="王五", unit_id=unit.id, now=NOW)
    assert fourth.flagged and not third.flagged and fourth.person.id != third.person.id


async def test_a_bound_device_is_never_silently_someone_else(core: Core) -> None:
    unit = await f.unit(core)
    await roster(core, unit, "张三,1001,", "李四,1002,")
    zhang = await joining.join(core, name="张三", unit_id=unit.id, now=NOW, verifier="1001")
    same = await joining.join(
        core, name="张三", unit_id=unit.id, now=NOW, device_person_id=zhang.person.id
    )
    assert same.person.id == zhang.person.id
    with pytest.raises(Refused) as exc:
        await joining.join(
            core, name="李四", unit_id=unit.id, now=NOW, device_person_id=zhang.person.id
        )
    assert exc.value.reason is Reason.VERIFIER_REQUIRED and exc.value.detail["name"] == "张三"
    with pytest.raises(Refused) as exc:
        await joining.join(
            core, name="王五", unit_id=unit.id, now=NOW, device_person_id=zhang.person.id
        )
    assert exc.value.reason is Reason.DEVICE_BOUND
    li = await joining.join(
        core,
        name="李四",
        unit_id=unit.id,
        now=NOW,
        device_person_id=zhang.person.id,
        verifier="1002",
    )
    assert li.person.id != zhang.person.id and li.person.display_name == "李四"
    assert await count(core, Person) == 2


async def test_a_link_code_binds_another_browser_and_a_telegram_account(core: Core) -> None:
    unit = await f.unit(core)
    person = await f.person(core, unit, name="赵六")
    code = await joining.issue_link_code(core, person_id=person.id, now=NOW)
    assert code.expires_at == NOW + timedelta(minutes=10) and len(code.code) == 8
    typed = code.code.lower()[:4] + "-" + code.code[4:]  # as people type it
    found = await joining.redeem_link_code(core, code=typed, now=NOW + timedelta(minutes=1))
    assert found.id == person.id
    with pytest.raises(Refused) as exc:  # once
        await joining.redeem_link_code(core, code=code.code, now=NOW)
    assert exc.value.reason is Reason.LINK_CODE_INVALID
    late = await joining.issue_link_code(core, person_id=person.id, now=NOW)
    with pytest.raises(Refused) as exc:  # ten minutes
        await joining.redeem_link_code(core, code=late.code, now=NOW + timedelta(minutes=11))
    assert exc.value.reason is Reason.LINK_CODE_INVALID
    # A Telegram account that had joined as someone else becomes this person's.
    other = await f.person(core, unit, name="赵六的号", telegram_id=4242)
    tg = await joining.issue_link_code(core, person_id=person.id, now=NOW)
    bound = await joining.redeem_link_code(core, code=tg.code, now=NOW, telegram_id=4242)
    assert bound.id == person.id and bound.telegram_id == 4242
    # Redeemed again by the account it bound (a redelivered /link): the same person; by
    # any other account, or with no account, still used.
    again = await joining.redeem_link_code(core, code=tg.code, now=NOW, telegram_id=4242)
    assert again.id == person.id
    for telegram_id in (4343, None):
        with pytest.raises(Refused) as exc:
            await joining.redeem_link_code(core, code=tg.code, now=NOW, telegram_id=telegram_id)
        assert exc.value.reason is Reason.LINK_CODE_INVALID
    assert (await people.find_by_telegram(core, 4242, cached=False)).id == person.id  # type: ignore[union-attr]
    assert (await people.get_person(core, other.id)).possible_duplicate


async def test_walk_ins_search_the_roster_first(core: Core) -> None:
    unit = await f.unit(core)
    await roster(core, unit, "张三,1001,", "王五,2001,", "王五,2002,")
    volunteer = await f.person(core, unit, role=Role.VOLUNTEER)
    registered = await joining.join(core, name="张三", unit_id=unit.id, now=NOW, verifier="1001")
    walk = await joining.walk_in(
        core, volunteer_id=volunteer.id, name="张三", unit_id=unit.id, now=NOW
    )
    assert walk.person.id == registered.person.id  # no second 张三
    with pytest.raises(Refused) as exc:
        await joining.walk_in(
            core, volunteer_id=volunteer.id, name="王五", unit_id=unit.id, now=NOW
        )
    assert exc.value.reason is Reason.AMBIGUOUS_NAME
    wang = await joining.walk_in(
        core, volunteer_id=volunteer.id, name="王五", unit_id=unit.id, now=NOW, verifier="2002"
    )
    again = await joining.join(core, name="王五", unit_id=unit.id, now=NOW, verifier="2002")
    assert again.person.id == wang.person.id
    with pytest.raises(Refused) as exc:
        await joining.walk_in(
            core, volunteer_id=registered.person.id, name="x", unit_id=unit.id, now=NOW
        )
    assert exc.value.reason is Reason.NOT_ALLOWED


async def test_a_merge_counts_nothing_twice(core: Core) -> None:
    unit = await f.unit(core)
    org = await f.person(core, unit, role=Role.ORGANIZER)
    a = await f.person(core, unit, name="孙八")
    b = await f.person(core, unit, name="孙八", telegram_id=808)
    ev, other_ev = await f.event(core), await f.event(core)
    for who, at in ((a, NOW), (b, NOW + timedelta(minutes=5))):
        await checkin.check_in(core, code=ev.code, person_id=who.id, now=at, channel="web")
    await checkin.check_in(core, code=other_ev.code, person_id=b.id, now=NOW, channel="web")
    from campaigns import actions

    day = f.SEPT_DAY
    trip: dict[str, Any] = {"mode": "bike", "km": 2, "day": day, "now": f.SEPT, "channel": "web"}
    await actions.log_trip(core, person_id=b.id, **trip)  # b first that day
    await actions.log_trip(core, person_id=a.id, **{**trip, "now": f.SEPT + timedelta(hours=1)})
    await actions.log_trip(core, person_id=a.id, **{**trip, "now": f.SEPT + timedelta(hours=2)})
    before = await totals.progress(core, year=2023)
    assert before.totals.person_times == 5 and before.totals.people == 2

    report = await merging.merge_people(core, actor_id=org.id, keep_id=a.id, drop_id=b.id, now=NOW)
    assert report.moved == 3 and len(report.voided) == 3  # b's later check-in; a's trip day
    after = await totals.progress(core, year=2023)
    # event 1 once, event 2 once, the trip day once — and one person.
    assert after.totals.person_times == 3 and after.totals.people == 1
    balance = await totals.balance(core, person_id=a.id)
    assert balance.points == 10 + 10 + 5  # two check-ins, one trip: no double award
    merged = await people.get_person(core, b.id)  # b's devices are a's now
    assert merged.id == a.id and merged.telegram_id == 808
    assert (await people.find_by_token(core, (await _token(core, b.id)))).id == a.id
    async with core.read() as conn:
        detail = (
            await conn.execute(select(AuditEntry.detail).where(AuditEntry.action == "merge_people"))
        ).scalar_one()
    assert f'"dropped": {b.id}' in detail and f'"kept": {a.id}' in detail
    assert await merging.duplicates(core) == []
    await reconciled(core)
    with pytest.raises(Refused) as exc:
        await merging.merge_people(core, actor_id=org.id, keep_id=a.id, drop_id=b.id, now=NOW)
    assert exc.value.reason is Reason.CANNOT_MERGE
    with pytest.raises(Refused) as exc:
        await merging.merge_people(core, actor_id=a.id, keep_id=a.id, drop_id=org.id, now=NOW)
    assert exc.value.reason is Reason.NOT_ALLOWED


async def _token(core: Core, person_id: int) -> str:
    async with core.read() as conn:
        value = await conn.scalar(select(Person.qr_token).where(Person.id == person_id))
    return str(value)


async def test_same_staff_number_in_two_units_is_listed(core: Core) -> None:
    a, b = await f.unit(core), await f.unit(core)
    await roster(core, a, "周九,S77,")
    await roster(core, b, "周九,S77,")  # moved units, on both lists
    first = await joining.join(core, name="周九", unit_id=a.id, now=NOW, verifier="S77")
    second = await joining.join(core, name="周九", unit_id=b.id, now=NOW, verifier="S77")
    groups = await merging.duplicates(core)
    assert [(g.why, {c.id for c in g.people}) for g in groups] == [
        (merging.Why.SAME_STAFF_NO, {first.person.id, second.person.id})
    ]
