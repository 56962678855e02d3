"""Event check-in through the service layer, every refusal with its effect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns import checkin, totals
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Role
from storage.models import Fact, LedgerEntry
from tests import factories as f
from tests.factories import NOW


async def count(core, model=Fact) -> int:
    async with core.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)))


async def test_check_in_counts_once_and_earns_points(core) -> None:
    u = await f.unit(core)
    p = await f.person(core, u)
    ev = await f.event(core)
    rec = await checkin.check_in(core, code=ev.code, person_id=p.id, now=NOW, channel="web")
    assert rec.fact.counted == 1 and rec.fact.points == core.rules.points["checkin"]
    assert rec.event and rec.event.checked_in == 1
    assert rec.campaign.slug == "2023-low-carbon-day"
    prog = await totals.progress(core, year=2023)
    assert prog.totals.person_times == 1 and prog.totals.people == 1


async def test_second_check_in_is_refused_with_the_first_time(core) -> None:
    u = await f.unit(core)
    p = await f.person(core, u)
    ev = await f.event(core)
    await checkin.check_in(core, code=ev.code, person_id=p.id, now=NOW, channel="web")
    with pytest.raises(Refused) as exc:
        await checkin.check_in(
            core, code=ev.code, person_id=p.id, now=NOW + timedelta(minutes=5), channel="bot"
        )
    assert exc.value.reason is Reason.ALREADY_CHECKED_IN
    assert exc.value.detail["at"] == NOW
    assert await count(core) == 1 and await count(core, LedgerEntry) == 1


async def test_same_idempotency_key_replays_the_first_answer(core) -> None:
    u = await f.unit(core)
    p = await f.person(core, u)
    ev = await f.event(core)
    first = await checkin.check_in(
        core, code=ev.code, person_id=p.id, now=NOW, channel="web", idempotency_key="form-1"
    )
    again = await checkin.check_in(
        core, code=ev.code, person_id=p.id, now=NOW, channel="web", idempotency_key="form-1"
    )
    assert again.repeated and again.fact.id == first.fact.id
    assert await count(core) == 1


@pytest.mark.parametrize(
    ("opens", "closes", "reason"),
    [
        (NOW + timedelta(minutes=1), NOW + timedelta(hours=1), Reason.WINDOW_NOT_OPEN),
        (NOW - timedelta(hours=2), NOW - timedelta(minutes=1), Reason.WINDOW_CLOSED),
    ],
)
async def test_window_is_checked(core, opens, closes, reason) -> None:
    p = await f.person(core, await f.unit(core))
    ev = await f.event(core, opens=opens, closes=closes)
    with pytest.raises(Refused) as exc:
        await checkin.check_in(core, code=ev.code, person_id=p.id, now=NOW, channel="web")
    assert exc.value.reason is reason
    assert await count(core) == 0


async def test_unknown_code_and_unknown_person(core) -> None:
    p = await f.person(core, await f.unit(core))
    ev = await f.event(core)
    with pytest.raises(Refused) as exc:
        await checkin.check_in(core, code="nosuchcode", person_id=p.id, now=NOW, channel="web")
    assert exc.value.reason is Reason.UNKNOWN_CODE
    with pytest.raises(Refused) as exc:
        await checkin.check_in(core, code=ev.code, person_id=99999, now=NOW, channel="web")
    assert exc.value.reason is Reason.UNKNOWN_PERSON
    assert await count(core) == 0


async def test_capacity_is_enforced(core) -> None:
    u = await f.unit(core)
    ev = await f.event(core, capacity=2)
    ps = [await f.person(core, u) for _ in range(3)]
    for p in ps[:2]:
        await checkin.check_in(core, code=ev.code, person_id=p.id, now=NOW, channel="web")
    with pytest.raises(Refused) as exc:
        await checkin.check_in(core, code=ev.code, person_id=ps[2].id, now=NOW, channel="web")
    assert exc.value.reason is Reason.OVER_CAPACITY and exc.value.detail["capacity"] == 2
    assert await count(core) == 2


async def test_rotating_event_refuses_an_old_photo(core) -> None:
    u = await f.unit(core)
    ev = await f.event(core, rotating=True)
    p1, p2, p3 = [await f.person(core, u) for _ in range(3)]
    fresh = checkin.screen_token(core, code=ev.code, now=NOW)
    assert checkin.scan_is_fresh(core, code=ev.code, token=fresh, now=NOW + timedelta(seconds=30))
    assert not checkin.scan_is_fresh(
        core, code=ev.code, token=fresh, now=NOW + timedelta(minutes=2)
    )
    await checkin.check_in(
        core, code=ev.code, person_id=p1.id, now=NOW, channel="web", rotation_token=fresh
    )
    later = NOW + timedelta(seconds=95)
    with pytest.raises(Refused) as exc:
        await checkin.check_in(
            core, code=ev.code, person_id=p2.id, now=later, channel="web", rotation_token=fresh
        )
    assert exc.value.reason is Reason.CODE_EXPIRED
    with pytest.raises(Refused) as exc:
        await checkin.check_in(core, code=ev.code, person_id=p3.id, now=NOW, channel="web")
    assert exc.value.reason is Reason.CODE_EXPIRED
    assert await count(core) == 1


async def test_rotating_event_takes_the_edges_word_for_a_fresh_scan(core) -> None:
    """The web's signed scan pass: the edge checked the screen's token when the phone scanned
    it and vouches for that scan minutes later, without minting a token of its own."""
    u = await f.unit(core)
    ev = await f.event(core, rotating=True)
    p1, p2 = [await f.person(core, u) for _ in range(2)]
    later = NOW + timedelta(minutes=8)
    done = await checkin.check_in(
        core, code=ev.code, person_id=p1.id, now=later, channel="web", fresh_scan=True
    )
    assert done.fact.person_id == p1.id
    with pytest.raises(Refused) as exc:
        await checkin.check_in(
            core, code=ev.code, person_id=p2.id, now=later, channel="web", fresh_scan=False
        )
    assert exc.value.reason is Reason.CODE_EXPIRED
    assert await count(core) == 1


async def test_volunteer_scans_a_personal_qr(core) -> None:
    u = await f.unit(core)
    staff = await f.person(core, u)
    vol = await f.person(core, u, role=Role.VOLUNTEER)
    ev = await f.event(core)
    rec = await checkin.check_in_by_token(
        core, code=ev.code, token=staff.qr_token, volunteer_id=vol.id, now=NOW, channel="scanner"
    )
    assert rec.fact.person_id == staff.id and rec.fact.logged_by_id == vol.id
    with pytest.raises(Refused) as exc:
        await checkin.check_in_by_token(
            core,
            code=ev.code,
            token=vol.qr_token,
            volunteer_id=staff.id,
            now=NOW,
            channel="scanner",
        )
    assert exc.value.reason is Reason.NOT_ALLOWED
    with pytest.raises(Refused) as exc:
        await checkin.check_in_by_token(
            core, code=ev.code, token="forged", volunteer_id=vol.id, now=NOW, channel="scanner"
        )
    assert exc.value.reason is Reason.UNKNOWN_TOKEN
    assert await count(core) == 1


async def test_one_batch_answers_each_caller_exactly(core) -> None:
    """Mixed commands in one writer batch: each gets its own answer."""
    import asyncio

    u = await f.unit(core)
    ev = await f.event(core, capacity=3)
    ps = [await f.person(core, u) for _ in range(4)]
    calls = [
        checkin.check_in(core, code=ev.code, person_id=ps[0].id, now=NOW, channel="web"),
        checkin.check_in(core, code=ev.code, person_id=ps[0].id, now=NOW, channel="web"),
        checkin.check_in(core, code="bogus", person_id=ps[1].id, now=NOW, channel="web"),
        checkin.check_in(core, code=ev.code, person_id=ps[1].id, now=NOW, channel="web"),
        checkin.check_in(core, code=ev.code, person_id=ps[2].id, now=NOW, channel="web"),
        checkin.check_in(core, code=ev.code, person_id=ps[3].id, now=NOW, channel="web"),
    ]
    results = await asyncio.gather(*calls, return_exceptions=True)
    kinds = [r.reason if isinstance(r, Refused) else "ok" for r in results]
    assert kinds == [
        "ok",
        Reason.ALREADY_CHECKED_IN,
        Reason.UNKNOWN_CODE,
        "ok",
        "ok",
        Reason.OVER_CAPACITY,
    ]
    assert await count(core) == 3


async def test_volunteer_checks_in_a_person_found_by_name(core) -> None:
    u = await f.unit(core)
    staff = await f.person(core, u)
    other = await f.person(core, u)
    vol = await f.person(core, u, role=Role.VOLUNTEER)
    ev = await f.event(core, rotating=True)  # the door needs no screen code
    rec = await checkin.check_in(
        core, code=ev.code, person_id=staff.id, now=NOW, channel="scanner", logged_by_id=vol.id
    )
    assert rec.fact.logged_by_id == vol.id and rec.fact.person_id == staff.id
    with pytest.raises(Refused) as exc:
        await checkin.check_in(
            core,
            code=ev.code,
            person_id=other.id,
            now=NOW,
            channel="scanner",
            logged_by_id=staff.id,
        )
    assert exc.value.reason is Reason.NOT_ALLOWED
    assert await count(core) == 1
