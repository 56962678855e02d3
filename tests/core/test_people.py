"""People: registration refusals, sign-in secrets, deletion keeps totals true."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns import checkin, people, totals
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Role
from storage.models import Person
from tests import factories as f
from tests.factories import NOW


@pytest.mark.parametrize(
    ("name", "unit_ok", "reason"),
    [
        ("", True, Reason.NAME_REQUIRED),
        ("   ", True, Reason.NAME_REQUIRED),
        ("名" * 41, True, Reason.NAME_TOO_LONG),
        ("李四", False, Reason.UNKNOWN_UNIT),
    ],
)
async def test_registration_refusals_write_nothing(core, name, unit_ok, reason) -> None:
    u = await f.unit(core)
    with pytest.raises(Refused) as exc:
        await people.register_person(core, name=name, unit_id=u.id if unit_ok else 4242, now=NOW)
    assert exc.value.reason is reason
    async with core.read() as conn:
        assert await conn.scalar(select(func.count()).select_from(Person)) == 0


async def test_telegram_registration_finds_the_same_person(core) -> None:
    u = await f.unit(core)
    a = await people.register_person(core, name="王五", unit_id=u.id, telegram_id=77, now=NOW)
    b = await people.register_person(core, name="王五", unit_id=u.id, telegram_id=77, now=NOW)
    assert a.id == b.id and (await people.find_by_telegram(core, 77)) == a


async def test_password_and_one_time_link(core) -> None:
    org = await people.create_user(
        core,
        login="Organizer",
        password="correct horse battery",
        name="组织者",
        role=Role.ORGANIZER,
        now=NOW,
    )
    assert await people.verify_password(core, login="organizer", password="correct horse battery")
    assert await people.verify_password(core, login="organizer", password="wrong") is None
    assert await people.verify_password(core, login="nobody", password="x") is None
    with pytest.raises(Refused) as taken:
        await people.create_user(
            core, login="organizer", password="another long one", name="x", role=Role.ADMIN, now=NOW
        )
    assert taken.value.reason is Reason.LOGIN_TAKEN
    assert await people.verify_password(core, login="organizer", password="correct horse battery")
    token = await people.issue_login_token(core, person_id=org.id, now=NOW)
    assert (await people.redeem_login_token(core, token=token, now=NOW)).id == org.id
    with pytest.raises(Refused) as exc:
        await people.redeem_login_token(core, token=token, now=NOW)
    assert exc.value.reason is Reason.UNKNOWN_TOKEN
    late = await people.issue_login_token(core, person_id=org.id, now=NOW)
    with pytest.raises(Refused):
        await people.redeem_login_token(core, token=late, now=NOW + timedelta(hours=1))


async def test_roles_only_granted_by_organizers(core) -> None:
    u = await f.unit(core)
    org = await f.person(core, u, role=Role.ORGANIZER)
    p = await f.person(core, u)
    with pytest.raises(Refused) as exc:
        await people.set_role(core, actor_id=p.id, person_id=p.id, role=Role.ADMIN, now=NOW)
    assert exc.value.reason is Reason.NOT_ALLOWED
    with pytest.raises(Refused):
        await people.set_role(core, actor_id=org.id, person_id=p.id, role=Role.ADMIN, now=NOW)
    changed = await people.set_role(
        core, actor_id=org.id, person_id=p.id, role=Role.VOLUNTEER, now=NOW
    )
    assert changed.role is Role.VOLUNTEER


async def test_deletion_anonymises_but_totals_stay(core) -> None:
    u = await f.unit(core)
    p = await f.person(core, u, name="赵六")
    ev = await f.event(core)
    await checkin.check_in(core, code=ev.code, person_id=p.id, now=NOW, channel="web")
    exported = await people.export_person(core, person_id=p.id)
    assert exported["person"]["display_name"] == "赵六" and len(exported["facts"]) == 1
    await people.delete_person(core, person_id=p.id, now=NOW)
    gone = await people.get_person(core, p.id)
    assert gone.deleted and gone.display_name != "赵六"
    with pytest.raises(Refused):
        await people.find_by_token(core, p.qr_token)
    assert (await totals.progress(core, year=2023)).totals.person_times == 1
    assert (await totals.reconcile(core, now=NOW)).ok


async def test_a_repeated_registration_form_makes_one_person(core) -> None:
    import asyncio

    u = await f.unit(core)
    made = await asyncio.gather(
        *(
            people.register_person(
                core, name="钱七", unit_id=u.id, now=NOW, idempotency_key="join-1"
            )
            for _ in range(5)
        )
    )
    assert len({p.id for p in made}) == 1
    async with core.read() as conn:
        assert await conn.scalar(select(func.count()).select_from(Person)) == 1


async def test_telegram_lookup_sees_every_change_made_here(core) -> None:
    u = await f.unit(core)
    p = await people.register_person(core, name="孙八", unit_id=u.id, telegram_id=88, now=NOW)
    found = await people.find_by_telegram(core, 88)
    assert found is not None and found.language == "zh"  # now cached
    await people.set_language(core, person_id=p.id, language="en")
    found = await people.find_by_telegram(core, 88)
    assert found is not None and found.language == "en"
    await people.delete_person(core, person_id=p.id, now=NOW)
    assert await people.find_by_telegram(core, 88) is None


async def test_senders_looked_up_together_take_one_query(core) -> None:
    """The bot looks up the sender of every update; updates handled at once (polling hands
    over up to a hundred) share one query, and each still gets its own person."""
    from sqlalchemy import event

    u = await f.unit(core)
    for tid in range(1000, 1040):
        await people.register_person(core, name=f"P{tid}", unit_id=u.id, telegram_id=tid, now=NOW)
    engine = core.inline._engine if core.inline is not None else core.engine.sync_engine
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        if "FROM people" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        found = await asyncio.gather(
            *(people.find_by_telegram(core, tid, cached=False) for tid in range(1000, 1050))
        )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [p.display_name if p else None for p in found] == [
        f"P{tid}" if tid < 1040 else None for tid in range(1000, 1050)
    ]
    assert len(statements) == 1
