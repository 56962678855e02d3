"""What an organizer relies on in the console: the way in and each role's navigation, the
records list's filters (and the export under them), an event's attendee list, the charts'
numbers, dates and numbers as each language writes them, the sources of the CO₂ figures,
and a county of 300 units still under 60 KB."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import httpx
import pytest
from fastapi import FastAPI

from campaigns import catalog, figures, sources, totals
from campaigns.core import DEFAULT_TZ, Core
from campaigns.results import DayTotals, Role, Totals, UnitView
from tests import factories
from tests.console.county import county
from tests.console.helpers import signed_in
from tests.web.conftest import BASE, post_form
from web.i18n import Lang
from web.routes.console.words import Words


async def _sign_in(app: FastAPI, core: Core, unit: UnitView, role: Role) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        from campaigns import people

        login = f"landing-{role.value}"
        await people.create_user(
            core,
            login=login,
            password="correct horse battery",
            name="落地",
            role=role,
            unit_id=unit.id,
            now=factories.NOW,
        )
        signed = await post_form(
            client, "/signin", {"login": login, "password": "correct horse battery"}, follow=False
        )
        home = await client.get("/me", headers={"accept-language": "en"})
        signed.extensions["home"] = home.text
        return signed


@pytest.mark.parametrize(
    ("role", "lands", "links", "not_links"),
    [
        (Role.ADMIN, "/console", ["/console", "/scanner"], []),
        (Role.ORGANIZER, "/console", ["/console", "/scanner"], []),
        (Role.VOLUNTEER, "/me", ["/scanner"], ["/console"]),
    ],
)
async def test_sign_in_lands_by_role_with_the_roles_navigation(
    app: FastAPI,
    core: Core,
    unit: UnitView,
    *,
    role: Role,
    lands: str,
    links: list[str],
    not_links: list[str],
) -> None:
    signed = await _sign_in(app, core, unit, role)
    assert signed.status_code == 303 and signed.headers["location"] == lands
    footer = signed.extensions["home"].split("<footer>", 1)[1]
    for link in links:
        assert f'href="{link}"' in footer, (role, link)
    for link in not_links:
        assert f'href="{link}"' not in footer, (role, link)
    assert 'href="/sources"' in footer


async def test_records_filter_by_event_unit_dates_kind_status(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, boss):
        c = await county(core, organizer=boss)

        async def ids(query: str) -> set[int]:
            page = await client.get(f"/console/facts?{query}")
            assert page.status_code == 200, page.text[:300]
            return {int(i) for i in re.findall(r'<a href="/console/facts/(\d+)">#', page.text)}

        everything = await ids("")
        checkins = await ids(f"event={c.event.id}&kind=checkin")
        assert len(checkins) == 8 and checkins < everything
        assert await ids(f"event={c.event.id}&kind=checkin&status=void") == {c.voided_id}
        school = await ids(f"unit={c.school.id}&kind=checkin")
        bureau = await ids(f"unit={c.bureau.id}&kind=checkin")  # with its school under it
        assert school and school < bureau
        september = await ids("start=2023-09-01&end=2023-09-30")
        assert september and september.isdisjoint(checkins)
        waiting = await ids("status=pending")  # self-logged service hours wait (issue 9)
        assert len(waiting) == 1 and waiting == await ids("kind=service")
        assert waiting.isdisjoint(await ids("status=counted"))
        assert await ids("q=王芳&kind=trip") and len(await ids("q=王芳&kind=trip")) == 1
        bad = await client.get("/console/facts?status=deleted", headers={"accept-language": "en"})
        assert bad.status_code == 422 and "Please check what you entered." in bad.text
        backwards = await client.get("/console/facts?start=2023-09-30&end=2023-09-01")
        assert backwards.status_code == 422
        export = await client.get(f"/console/facts.csv?event={c.event.id}&status=void")
        rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
        assert [int(r[0]) for r in rows[1:]] == [c.voided_id]  # the same filters drive it


async def test_records_pages_do_not_repeat_or_skip(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    event = await factories.event(core)
    from campaigns import checkin
    from campaigns.results import Channel

    for i in range(230):
        p = await factories.person(core, unit, name=f"员工{i}")
        await checkin.check_in(
            core, code=event.code, person_id=p.id, now=factories.NOW, channel=Channel.WEB
        )
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        seen: list[int] = []
        url = "/console/facts?kind=checkin"
        while url:
            page = (await client.get(url)).text
            seen += [int(i) for i in re.findall(r'<a href="/console/facts/(\d+)">#', page)]
            older = re.search(r'<a href="(/console/facts\?[^"]*before=\d+[^"]*)">', page)
            url = older.group(1).replace("&amp;", "&") if older else ""
    assert len(seen) == len(set(seen)) == 230
    assert seen == sorted(seen, reverse=True)


async def test_attendee_list_search_and_export(app: FastAPI, core: Core, unit: UnitView) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, boss):
        c = await county(core, organizer=boss)
        page = await client.get(f"/console/events/{c.event.id}")
        found = await client.get(f"/console/events/{c.event.id}?q=张伟")
        export = await client.get(f"/console/events/{c.event.id}/attendees.csv")
    for person in c.staff:
        assert person.display_name in page.text
    assert "Door scanner · 钱志愿" not in page.text  # channel and scanner are two columns
    assert "<td>Door scanner</td><td>钱志愿</td>" in page.text
    assert "张伟" in found.text and "王芳" not in found.text.split("Who checked in", 1)[1]
    assert 'role="img"' in page.text and "Arrivals by quarter-hour" in page.text
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["Name", "Unit", "Checked in at", "Channel", "Scanned by"]
    assert len(rows) == 1 + 8
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["张伟"][3:5] == ["Door scanner", "钱志愿"]
    assert by_name["王芳"][2] == "2023-07-12 10:00:00"  # local time


def test_pace_series_and_months() -> None:
    days = [
        DayTotals(date(2023, 1, 2), Totals(person_times=10)),
        DayTotals(date(2023, 3, 1), Totals(person_times=5, headcount=20)),
    ]
    s = figures.pace_series(days, year=2023, goal=2000, today=date(2023, 3, 31))
    assert s.shown == 90 and s.total == 35 and len(s.cumulative) == 90
    assert [(m.month, m.added, m.cumulative) for m in s.months] == [
        (1, 10, 10),
        (2, 0, 10),
        (3, 25, 35),
    ]
    assert s.months[-1].pace == round(2000 * 90 / 365)
    over = figures.pace_series(days, year=2023, goal=2000, today=date(2024, 5, 1))
    assert over.shown == 365 and len(over.months) == 12
    assert figures.pace_series(days, year=2024, goal=2000, today=date(2023, 5, 1)).months == []


async def test_leaderboard_compares_rolled_up_units(core: Core) -> None:
    c = await county(core)
    board = await totals.by_unit(core, year=2023)
    leaders = figures.leaderboard(board)
    names = [u.unit.name_zh for u in leaders]
    assert "县第一中学" not in names  # a school is inside its bureau, not ranked beside it
    assert "县档案馆" not in names  # no staff headcount: no share
    assert [u.share for u in leaders] == sorted((u.share for u in leaders), reverse=True)
    bureau = next(u for u in leaders if u.unit.id == c.bureau.id)
    assert bureau.rolled_headcount == 160


def test_arrivals_by_quarter_hour() -> None:
    t0 = datetime(2023, 7, 12, 1, 52, tzinfo=UTC)  # 09:52 local
    times = [t0, t0 + timedelta(minutes=5), t0 + timedelta(minutes=40)]
    slots = figures.arrivals_by_quarter(times, DEFAULT_TZ)
    assert [(s.start.strftime("%H:%M"), s.arrivals) for s in slots] == [
        ("09:45", 2),
        ("10:00", 0),
        ("10:15", 0),
        ("10:30", 1),
    ]
    assert figures.arrivals_by_quarter([], DEFAULT_TZ) == []


@pytest.mark.parametrize(
    ("lang", "day", "when", "number", "ratio", "needed"),
    [
        ("zh", "12月2日（周三）", "12月2日（周三） 14:05", "12,345", "12.5%", "69"),
        ("en", "Wed 2 Dec", "Wed 2 Dec, 14:05", "12,345", "12.5%", "69"),
    ],
)
def test_values_as_each_language_writes_them(
    *, lang: str, day: str, when: str, number: str, ratio: str, needed: str
) -> None:
    w = Words(Lang(lang, DEFAULT_TZ), 2026)
    assert w.day(date(2026, 12, 2)) == day
    assert w.when(datetime(2026, 12, 2, 6, 5, tzinfo=UTC)) == when
    assert w.n(12345) == number and w.pct(0.125) == ratio and w.one(3) == "3.0"
    assert w.up(68.2) == needed  # "needed per day" is rounded up
    assert w.day(date(2025, 12, 2)) != day  # another year says its year


async def test_dashboard_asks_for_whole_person_times_a_day(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        html = (await client.get("/console?year=2023")).text
    needed = (2000 - 0) / (365 - 193 + 0)  # NOW is 12 July: 172 days left, nothing yet
    assert f"{-(-2000 // 172)} person-times a day are needed from now on." in html
    assert needed % 1  # the unrounded figure had decimals


async def test_sources_page_lists_every_factor(client: httpx.AsyncClient) -> None:
    en = await client.get("/sources", headers={"accept-language": "en"})
    zh = await client.get("/sources", headers={"accept-language": "zh-CN"})
    assert en.status_code == zh.status_code == 200  # public, no sign-in
    for factor in sources.factors():
        assert factor.source_en in unescape(en.text)
        assert factor.source_zh in unescape(zh.text) and factor.source_zh != factor.source_en
    assert "46.7 g CO₂ per person-km" in en.text and "192 g CO₂ per meal" in en.text


async def test_every_co2_figure_in_the_console_links_to_the_sources(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, boss):
        c = await county(core, organizer=boss)
        for path in (
            "/console?year=2023",
            "/console/report?year=2023",
            f"/console/facts/{c.voided_id}",
            f"/console/people/{c.staff[0].id}",
            "/console/exports?start=2023-01-01&end=2023-12-31",
        ):
            html = (await client.get(path)).text
            main = html.split("<main", 1)[1].split("</main>", 1)[0]
            labels = re.findall(r"<(?:dt|th)[^>]*>(.*?)</(?:dt|th)>", main)
            co2 = [label for label in labels if "CO₂" in label or "CO2" in label]
            assert co2, path
            assert all('href="/sources"' in label for label in co2), (path, co2)


async def test_a_county_of_300_units_stays_under_60_kb(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    parents: list[UnitView] = []
    for i in range(300):
        parent = parents[i % 20] if i >= 20 else None
        made = await factories.unit(
            core, parent=parent, name=f"第{i}单位（县直机关）", headcount=40 + i
        )
        parents.append(made)
    events = [await factories.event(core) for _ in range(30)]
    assert len(await catalog.list_units(core)) > 300 and events
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        for path in (
            "/console?year=2023",
            "/console/facts",
            "/console/events",
            f"/console/events/{events[0].id}",
            "/console/people",
        ):
            response = await client.get(path)
            assert response.status_code == 200
            assert len(response.content) < 60 * 1024, (path, len(response.content))
