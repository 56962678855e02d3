"""Canteen self-evaluations are for one's own unit (both doors get the rule); leaving
takes the canteen notes and photo links with it, keeps the unit and every total."""

from __future__ import annotations

import pytest

from campaigns import actions, people, totals
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Role
from tests import factories as f
from tests.factories import NOW


async def _check(core: Core, person_id: int, unit_id: int, kind: str, **extra: object) -> object:
    return await actions.log_canteen_check(
        core,
        person_id=person_id,
        unit_id=unit_id,
        kind=kind,
        passed=True,
        day=NOW.date(),
        now=NOW,
        channel="web",
        **extra,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.VOLUNTEER, Role.ORGANIZER])
async def test_a_self_evaluation_is_for_ones_own_canteen(core: Core, role: Role) -> None:
    mine = await f.unit(core, canteen=True)
    theirs = await f.unit(core, canteen=True)
    person = await f.person(core, mine, role=role)
    with pytest.raises(Refused) as exc:
        await _check(core, person.id, theirs.id, "self")
    assert exc.value.reason is Reason.NOT_OWN_CANTEEN
    assert (await totals.canteen_rates(core, year=2023)).self_evaluated == 0
    await _check(core, person.id, mine.id, "self")
    assert (await totals.canteen_rates(core, year=2023)).self_evaluated == 1


async def test_a_volunteer_spot_checks_any_canteen(core: Core) -> None:
    mine = await f.unit(core, canteen=True)
    theirs = await f.unit(core, canteen=True)
    volunteer = await f.person(core, mine, role=Role.VOLUNTEER)
    await _check(core, volunteer.id, theirs.id, "spot")
    assert (await totals.canteen_rates(core, year=2023)).spot_checked == 1


async def test_export_has_canteen_checks_and_leaving_blanks_notes_and_photos(core: Core) -> None:
    unit = await f.unit(core, canteen=True)
    person = await f.person(core, unit, name="自评人")
    await _check(core, person.id, unit.id, "self", notes="私人备注", evidence_path="2023/07/a.jpg")
    await actions.log_trip(
        core,
        person_id=person.id,
        mode="bike",
        km=2,
        day=NOW.date(),
        now=NOW,
        channel="web",
        evidence_path="2023/07/b.jpg",
    )
    exported = await people.export_person(core, person_id=person.id)
    (check,) = exported["canteen_checks"]
    assert check["notes"] == "私人备注" and check["evidence_path"] == "2023/07/a.jpg"
    assert check["unit_name_zh"] == unit.name_zh and check["kind"] == "self"
    before = await totals.progress(core, year=2023)
    rates = await totals.canteen_rates(core, year=2023)

    photos = await people.delete_person(core, person_id=person.id, now=NOW)

    assert sorted(photos) == ["2023/07/a.jpg", "2023/07/b.jpg"]
    after = await people.export_person(core, person_id=person.id)
    assert after["canteen_checks"][0]["notes"] == ""
    assert after["canteen_checks"][0]["evidence_path"] is None
    assert all(fact["evidence_path"] is None for fact in after["facts"])
    assert (await people.get_person(core, person.id)).unit_id == unit.id  # totals per unit
    assert await totals.progress(core, year=2023) == before
    assert await totals.canteen_rates(core, year=2023) == rates
    assert (await totals.reconcile(core, now=NOW)).ok
