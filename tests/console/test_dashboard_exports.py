"""The dashboard shows exactly the service totals; the exports sum to them; the forecast."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from campaigns import actions, checkin, review, totals
from campaigns.core import Core
from campaigns.forecast import pace
from campaigns.results import Channel, Role, UnitView
from tests import factories
from tests.console.helpers import signed_in
from tests.factories import NOW


async def _activity(core: Core, unit: UnitView) -> None:
    """A mix: web and bot check-ins, a repeat, trips, a booth headcount, a void."""
    child = await factories.unit(core, parent=unit, headcount=20)
    event = await factories.event(core)
    vol = await factories.person(core, unit, role=Role.VOLUNTEER)
    people = [await factories.person(core, unit if i % 2 else child) for i in range(6)]
    for i, p in enumerate(people):
        channel = Channel.WEB if i % 2 else Channel.BOT
        await checkin.check_in(core, code=event.code, person_id=p.id, now=NOW, channel=channel)
    with pytest.raises(Exception):  # noqa: B017 - a second scan changes nothing
        await checkin.check_in(
            core, code=event.code, person_id=people[0].id, now=NOW, channel=Channel.WEB
        )
    sept = factories.SEPT
    for p in people[:3]:
        await actions.log_trip(
            core,
            person_id=p.id,
            mode="bike",
            km=2.5,
            day=sept.date(),
            now=sept,
            channel=Channel.WEB,
        )
    await actions.log_headcount(
        core, volunteer_id=vol.id, code=event.code, heads=17, now=NOW, channel=Channel.WEB
    )
    extra = await checkin.check_in(
        core, code=event.code, person_id=vol.id, now=NOW, channel=Channel.WEB
    )
    await review.void_fact(core, fact_id=extra.fact.id, actor_id=None, reason="test", now=NOW)
    await totals.reconcile(core, now=NOW)


def _live(html: str, key: str) -> str:
    match = re.search(rf'data-live="{key}">([^<]*)<', html)
    assert match, key
    return match.group(1).replace(",", "")


async def test_dashboard_shows_service_totals(app: FastAPI, core: Core, unit: UnitView) -> None:
    await _activity(core, unit)
    progress = await totals.progress(core, year=2023)
    t = progress.totals
    assert (t.person_times, t.headcount) == (9, 17)
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        response = await client.get("/console?year=2023", headers={"accept-language": "en"})
    html = response.text
    assert response.status_code == 200
    assert len(response.content) < 60 * 1024
    assert _live(html, "toward_goal") == str(t.toward_goal)
    assert _live(html, "person_times") == str(t.person_times)
    assert _live(html, "headcount") == str(t.headcount)
    assert _live(html, "people") == str(t.people)
    assert "<svg" in html and 'class="run"' in html and 'class="pace"' in html
    assert "Totals reconciled against the records on" in html and "all equal" in html
    assert "At this pace:" in html
    assert "at most 1 per person per day" in html  # the counting rule beside the campaign
    # per unit, rolled up: the parent includes its child's people
    units = {u.unit.id: u for u in await totals.by_unit(core, year=2023)}
    assert units[unit.id].rolled.people > units[unit.id].own.people
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        report = await client.get("/console/report?year=2023", headers={"accept-language": "en"})
    assert f"{100 * units[unit.id].share:.1f}%" in report.text


async def test_xlsx_export_sums_to_the_dashboard(app: FastAPI, core: Core, unit: UnitView) -> None:
    await _activity(core, unit)
    t = (await totals.progress(core, year=2023)).totals
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        response = await client.get(
            "/console/exports/greentally.xlsx?start=2023-01-01&end=2023-12-31"
        )
        csv_response = await client.get(
            "/console/exports/facts.csv?start=2023-01-01&end=2023-12-31"
        )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["About", "By campaign", "By unit", "By month", "Records"]
    month = list(book["By month"].iter_rows(values_only=True))
    header, body, total = month[0], month[1:-1], month[-1]
    pt, hc = header.index("Person-times"), header.index("Headcount")
    assert sum(r[pt] for r in body) == t.person_times == total[pt]
    assert sum(r[hc] for r in body) == t.headcount == total[hc]
    units = list(book["By unit"].iter_rows(values_only=True))
    roots = [r for r in units[1:] if r[1] == unit.code]
    assert roots[0][units[0].index("Person-times")] == t.person_times  # rolled up the tree
    facts = list(book["Records"].iter_rows(values_only=True))
    pt = facts[0].index("Person-times")
    assert sum(r[pt] for r in facts[1:]) == t.person_times  # every campaign here counts
    assert any(r[facts[0].index("Status")] == "Voided" for r in facts[1:])  # voids listed, at 0
    assert csv_response.text.startswith("\ufeffRecord,")
    assert len(csv_response.text.strip().splitlines()) == len(facts)


async def test_exports_narrow_to_units_and_their_subtree(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    await _activity(core, unit)
    by_unit = {u.unit.id: u for u in await totals.by_unit(core, year=2023)}
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        page = await client.get(
            f"/console/exports?start=2023-01-01&end=2023-12-31&unit={unit.id}",
            headers={"accept-language": "en"},
        )
    rolled = by_unit[unit.id].rolled
    assert f"In this range: {rolled.person_times} person-times, 0 booth heads" in page.text


@pytest.mark.parametrize(
    ("so_far", "today", "projected", "needed"),
    [
        (100, date(2023, 1, 1), 100 + 100 * 364, 1900 / 364),
        (0, date(2023, 7, 1), 0, 2000 / 183),
        (500, date(2023, 7, 2), 500 + int(500 / 183 * 182), 1500 / 182),
        (2100, date(2023, 12, 31), 2100, None),
        (800, date(2024, 2, 1), 800, None),  # the year is over: final
    ],
)
def test_pace(so_far: int, today: date, projected: int, needed: float | None) -> None:
    f = pace(so_far=so_far, goal=2000, year=2023, today=today)
    assert f.projected == projected
    assert f.needed_per_day == pytest.approx(needed) if needed else f.needed_per_day is None
    assert f.days_elapsed + f.days_left == 365 or f.final


def test_pace_before_the_year() -> None:
    f = pace(so_far=0, goal=2000, year=2024, today=date(2023, 12, 1))
    assert f.projected == 0 and f.days_left == 366 and f.needed_per_day == pytest.approx(2000 / 366)


async def test_dashboard_data_equals_the_totals_services(core: Core) -> None:
    """The one-connection dashboard read agrees with campaigns.totals, and a new fact or an
    audited change is seen at once (the cache is keyed by what changed)."""
    from campaigns import reports

    unit = await factories.unit(core)
    await _activity(core, unit)
    board = await reports.dashboard(core, year=2023, now=NOW)
    assert await reports.dashboard(core, year=2023, now=NOW) is board  # nothing changed
    overview = await totals.overview(core, year=2023)
    assert board.overview == overview
    assert board.units == await totals.by_unit(core, year=2023)
    assert board.days == await totals.by_day(core, year=2023)
    event = await factories.event(core)
    late = await factories.person(core, unit)
    await checkin.check_in(core, code=event.code, person_id=late.id, now=NOW, channel=Channel.BOT)
    again = await reports.dashboard(core, year=2023, now=NOW)
    assert (
        again.overview.progress.totals.person_times
        == board.overview.progress.totals.person_times + 1
    )
    await totals.reconcile(core, now=NOW + timedelta(minutes=5))
    assert (
        await reports.dashboard(core, year=2023, now=NOW)
    ).overview.reconciled_at == NOW + timedelta(minutes=5)
