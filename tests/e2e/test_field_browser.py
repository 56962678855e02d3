"""Browser (issue 14): the room labels print on one A4 sheet whose QR codes zxing-cpp reads;
a volunteer's phone, JavaScript off at 390×844, opens a decoded label, records a finding,
and the unit's patrol page shows it; a paper sign-in sheet prints one A4 page per 25 rows,
each with the event's QR. axe-core finds nothing on each page; screenshots land in
build/screenshots/field/."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import zxingcpp

from campaigns import meters, paper, patrols
from campaigns.core import Core
from campaigns.meters import Reading
from campaigns.results import Role
from campaigns.settings import Settings
from tests import factories
from tests.console.browser import browser_sign_in, chromium, live_server
from tests.e2e.conftest import AXE, CHROMIUM, PHONE
from tests.factories import NOW

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots" / "field"
DESKTOP = {"width": 1366, "height": 768}


def _need_browser() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    if not AXE.exists():
        pytest.fail("axe-core is missing: (cd tests/e2e && npm ci)")


async def _axe(page: Any) -> list[dict[str, Any]]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html).slice(0, 3)}))"
    )
    return list(result)


async def _print(page: Any, url: str) -> pypdfium2.PdfDocument:
    await page.goto(url)
    await page.emulate_media(media="print")
    pdf = await page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    return pypdfium2.PdfDocument(pdf)


def _codes(document: pypdfium2.PdfDocument, index: int, name: str) -> set[str]:
    image = document[index].render(scale=3).to_pil().convert("L")
    image.save(SHOTS / name)
    return {r.text for r in zxingcpp.read_barcodes(image)}


async def _look(page: Any, name: str, *, axe: bool = True) -> None:
    """A screenshot at both widths, nothing wider than the phone, axe at 0 (axe needs
    JavaScript: a page seen with it off is checked again in a context that has it)."""
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(viewport)
        await page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
        if size == "phone":
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width}px wide on a phone"
    if axe:
        assert await _axe(page) == [], name


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_a_patrol_from_the_printed_label_to_the_unit_page(
    core: Core, settings: Settings, lang: str
) -> None:
    _need_browser()
    SHOTS.mkdir(parents=True, exist_ok=True)
    unit = await factories.unit(core, name="县机关事务局")
    rooms = [(f"{100 * floor + n} 办公室", floor) for floor in (1, 2, 3) for n in range(1, 6)]
    building = await patrols.save_building(
        core,
        actor_id=None,
        unit_id=unit.id,
        name="行政楼",
        floor_area_m2=2400,
        rooms=rooms,
        now=NOW,
    )
    async with live_server(core, settings) as base, chromium() as browser:
        desk_context = await browser.new_context(viewport=DESKTOP, bypass_csp=True)
        desk = await desk_context.new_page()
        await browser_sign_in(desk, base, core=core, unit=unit, role=Role.ORGANIZER, login="org")
        document = await _print(desk, f"{base}/console/field/buildings/{building.id}/labels")
        assert len(document) == 1  # one A4 sheet of labels for the building's 15 rooms
        decoded = _codes(document, 0, f"labels-{lang}.png")
        assert decoded == {f"{base}/r/{r.code}" for r in building.rooms}
        document.close()
        link = f"{base}/r/{building.rooms[0].code}"

        # The volunteer's phone: JavaScript off, the CSP lifted only so axe can run.
        context = await browser.new_context(
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            java_script_enabled=False,
            bypass_csp=True,
        )
        phone = await context.new_page()
        await browser_sign_in(phone, base, core=core, unit=unit, role=Role.VOLUNTEER, login="vol")
        await phone.goto(f"{base}/lang/{lang}?next=/patrol")
        await phone.goto(link)
        await _look(phone, f"room-{lang}", axe=False)
        await phone.check("input[name=finding][value=lights]")
        await phone.check("input[name=finding][value=ac]")
        await phone.click("form.card button[type=submit]:not(.primary)")
        await phone.wait_for_load_state()
        text = await phone.inner_text("main")
        assert ("灯未关" if lang == "zh" else "Lights on") in text
        assert "101 办公室" in text
        await _look(phone, f"room-done-{lang}", axe=False)
        done = phone.url

        await desk.goto(f"{base}/lang/{lang}?next=/console")
        for url, name in ((link, "room"), (done, "room-done")):
            await desk.goto(url)
            await _look(desk, f"{name}-{lang}-axe")
        await desk.goto(f"{base}/console/units/{unit.id}/patrols")
        first_row = await desk.inner_text("table tbody tr")
        assert "101 办公室" in first_row
        assert ("灯未关 ×1" if lang == "zh" else "Lights on ×1") in first_row
        assert await desk.locator("svg.rooms-grid rect").count() == 15
        await _look(desk, f"patrols-{lang}")


async def test_a_paper_sheet_prints_one_a4_page_per_25_rows(core: Core, settings: Settings) -> None:
    _need_browser()
    SHOTS.mkdir(parents=True, exist_ok=True)
    unit = await factories.unit(core)
    event = await factories.event(core)
    sheet = await paper.create_sheet(
        core, actor_id=None, event_id=event.id, unit_id=unit.id, blank_rows=51, now=NOW
    )
    async with live_server(core, settings) as base, chromium() as browser:
        page = await (await browser.new_context(viewport=DESKTOP, bypass_csp=True)).new_page()
        await browser_sign_in(page, base, core=core, unit=unit, role=Role.ORGANIZER, login="p")
        document = await _print(page, f"{base}/console/paper/{sheet.code}/print")
        assert len(document) == 3  # 51 rows: 25 + 25 + 1
        for index in range(3):
            assert f"{base}/e/{event.code}" in _codes(document, index, f"paper-{index + 1}.png")
        document.close()
        await page.emulate_media(media="screen")
        await page.goto(f"{base}/console/paper/{sheet.code}")
        await _look(page, "paper-entry")
        await page.goto(f"{base}/console/events/{event.id}/paper")
        await _look(page, "paper-sheets")


async def test_the_meters_and_buildings_pages(core: Core, settings: Settings) -> None:
    _need_browser()
    SHOTS.mkdir(parents=True, exist_ok=True)
    unit = await factories.unit(core, name="县教育局", headcount=120)
    b = await patrols.save_building(
        core,
        actor_id=None,
        unit_id=unit.id,
        name="教学楼",
        floor_area_m2=3000,
        rooms=[("101", 1)],
        now=NOW,
    )
    months = [date(2022, m, 1) for m in range(1, 13)] + [date(2023, m, 1) for m in range(1, 8)]
    readings = [
        Reading(b.id, "electricity", d, 10_000 * i - 150 * max(0, i - 12))
        for i, d in enumerate(months)
    ]
    readings += [Reading(b.id, "water", d, 300 * i) for i, d in enumerate(months)]
    await meters.record_readings(core, actor_id=None, readings=readings, now=NOW, channel="web")
    async with live_server(core, settings) as base, chromium() as browser:
        page = await (await browser.new_context(viewport=DESKTOP, bypass_csp=True)).new_page()
        await browser_sign_in(page, base, core=core, unit=unit, role=Role.ORGANIZER, login="m")
        for lang in ("zh", "en"):
            await page.goto(f"{base}/lang/{lang}?next=/console")
            await page.goto(f"{base}/console/meters?unit_id={unit.id}&year=2023")
            assert await page.locator("svg.months-chart").count() == 2
            await _look(page, f"meters-{lang}")
            await page.goto(f"{base}/console/field")
            await _look(page, f"field-{lang}")
