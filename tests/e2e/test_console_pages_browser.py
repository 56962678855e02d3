"""Browser: every console page in Chromium at 1366×768 and 390×844, in Chinese and English —
the dashboard uses a desktop's width, no table header breaks inside a word, axe-core finds
nothing, no page is wider than a phone — and a screenshot of each lands in
build/screenshots/console/ for a person to look at. The printed poster is one A4 page whose
QR code a phone reads from 2 m."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from pydantic import SecretStr

from campaigns import qr
from campaigns.core import Core
from campaigns.results import Role
from campaigns.settings import Settings
from tests import factories
from tests.console.browser import browser_sign_in, chromium, live_server
from tests.console.county import county
from tests.console.pages import console_pages
from tests.e2e.conftest import AXE, CHROMIUM

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots" / "console"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}

# A header "breaks inside a word" when two non-space characters end up on two lines (in
# Chinese every character is a word's part: a header must not wrap at all).
HEADER_BREAKS = """() => {
  const bad = [];
  for (const th of document.querySelectorAll('th')) {
    if (!th.getClientRects().length) continue;
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    let prev = null, node;
    while ((node = walker.nextNode())) {
      for (let i = 0; i < node.textContent.length; i++) {
        const range = document.createRange();
        range.setStart(node, i); range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        const ch = node.textContent[i];
        if (prev && rect.top > prev.top + 2 && /\\S/.test(ch) && /\\S/.test(prev.ch))
          bad.push(th.textContent.trim());
        prev = {top: rect.top, ch};
      }
    }
  }
  return [...new Set(bad)];
}"""


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


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_console_pages_at_desktop_and_phone(
    core: Core, settings: Settings, lang: str
) -> None:
    _need_browser()
    SHOTS.mkdir(parents=True, exist_ok=True)
    boss_unit = await factories.unit(core, name="县机关事务局", headcount=30)
    async with live_server(core, settings) as base, chromium() as browser:
        problems: dict[str, Any] = {}
        for size_name, size in SIZES.items():
            context = await browser.new_context(
                viewport=size, bypass_csp=True, locale="zh-CN" if lang == "zh" else "en-GB"
            )
            page = await context.new_page()
            login = f"boss{size_name}{lang}"
            await browser_sign_in(
                page, base, core=core, unit=boss_unit, role=Role.ORGANIZER, login=login
            )
            assert page.url.endswith("/console"), page.url  # an organizer lands on the console
            if size_name == "desktop":
                c = await county(core, evidence=settings.data_dir / "evidence")
            await context.add_cookies([{"name": "gt_lang", "value": lang, "url": base}])
            for name, path in console_pages(c).items():
                response = await page.goto(base + path)
                assert response is not None and response.status == 200, (name, path)
                await page.screenshot(
                    path=str(SHOTS / f"{name}-{size_name}-{lang}.png"), full_page=True
                )
                found: dict[str, Any] = {}
                if broken := await page.evaluate(HEADER_BREAKS):
                    found["header_breaks"] = broken
                if violations := await _axe(page):
                    found["axe"] = violations
                overflow = await page.evaluate(
                    "() => document.documentElement.scrollWidth - window.innerWidth"
                )
                if overflow > 0 and name not in ("cards",):
                    found["wider_than_the_screen_px"] = overflow
                if name == "dashboard" and size_name == "desktop":
                    width = await page.evaluate("() => document.querySelector('main').clientWidth")
                    if width <= 900:
                        found["main_width"] = width
                if found:
                    problems[f"{name}-{size_name}"] = found
            await context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


# A 12-megapixel phone camera (4,000 px across a 70° field of view) 2 m from a poster sees
# 2 × 2 m × tan(35°) = 2.8 m in 4,000 px: 1.43 px per mm. The printed page rendered at that
# resolution must still decode.
PHONE_AT_2M_PX_PER_MM = 4000 / (2 * 2000 * 0.7002)


@pytest.mark.parametrize("with_bot", [False, True])
async def test_printed_poster_is_one_a4_page_read_from_2m(
    core: Core, settings: Settings, with_bot: bool
) -> None:
    _need_browser()
    unit = await factories.unit(core)
    event = await factories.event(core)
    if with_bot:
        settings = settings.model_copy(update={"bot_token": SecretStr("1:abc")})
    async with live_server(core, settings) as base, chromium() as browser:
        page = await (await browser.new_context()).new_page()
        await browser_sign_in(page, base, core=core, unit=unit, role=Role.ORGANIZER, login="print")
        await page.goto(f"{base}/console/events/{event.id}/poster")
        await page.emulate_media(media="print")
        pdf = await page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"poster-{'bot' if with_bot else 'web'}.pdf").write_bytes(pdf)
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1
    width_mm = document[0].get_width() / 72 * 25.4
    assert 209 <= width_mm <= 211  # A4
    scale = PHONE_AT_2M_PX_PER_MM * 25.4 / 72  # PDF points to camera pixels
    image = document[0].render(scale=scale).to_pil().convert("L")
    at_2m = SHOTS / f"poster-{'bot' if with_bot else 'web'}-at-2m.png"
    image.save(at_2m)
    assert f"{base}/e/{event.code}" in set(qr.decode(at_2m.read_bytes()))
    close_up = document[0].render(scale=3).to_pil()  # a phone held at the poster
    near = SHOTS / f"poster-{'bot' if with_bot else 'web'}.png"
    close_up.save(near)
    texts = set(qr.decode(near.read_bytes()))
    assert any(t.startswith("https://t.me/") for t in texts) is with_bot
    document.close()
