"""Every participant page and the door scanner in real Chromium at 390×844, zh and en:
axe-core finds nothing, and every interactive element is at least 44×44 px; the check-in
page's states show on arrival with JavaScript off; the personal record prints to one A4
page with the person's figures. Screenshots are written next to each test's data."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pypdfium2
import pytest

from campaigns import catalog, checkin, people
from campaigns.core import Core
from campaigns.results import Channel, Role
from tests.e2e.conftest import WebServer, axe_violations, phone
from tests.e2e.shots import shots_dir
from tests.e2e.test_web_checkin import DEMO_UNIT, PASSWORD, _on_server, _register_and_check_in

pytestmark = pytest.mark.browser
UNIT_EN = "[Demo] Qu County Middle School"

# Every visible control a finger can hit; a radio or checkbox is hit through its label.
TARGETS_JS = """() => {
  const out = [];
  let measured = 0;
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  for (const el of document.querySelectorAll(sel)) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    let box = el.getBoundingClientRect();
    if (!box.width && !box.height) continue;          // not rendered (hidden, closed dialog)
    if (box.right <= 0 || box.bottom <= 0) continue;  // the skip link, parked off screen
    if ((el.type === 'radio' || el.type === 'checkbox') && el.closest('label')) {
      box = el.closest('label').getBoundingClientRect();
    }
    measured += 1;
    if (box.width < 44 - 0.5 || box.height < 44 - 0.5) {
      const what = (el.textContent || el.value || el.name || '').trim().slice(0, 30);
      const size = `${Math.round(box.width)}×${Math.round(box.height)}`;
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${what}" ${size}`);
    }
  }
  return {measured, small: out};
}"""


def small_targets(page: Any) -> list[str]:
    """The controls under 44×44 px (every page has a few: the header, the footer...)."""
    seen = page.evaluate(TARGETS_JS)
    assert seen["measured"] >= 3, "no controls measured: the check itself is broken"
    return list(seen["small"])


def _events(server: WebServer) -> dict[str, str]:
    """Events in every state a person can find at the door: closed, not yet open, full."""

    async def make(core: Core) -> dict[str, str]:
        now = datetime.now(UTC)
        campaign = (await catalog.list_campaigns(core))[0]
        units = await catalog.list_units(core)

        async def event(title: str, opens: datetime, closes: datetime, cap: int | None) -> str:
            made = await catalog.create_event(
                core,
                actor_id=None,
                campaign_id=campaign.id,
                title_zh=title,
                title_en=title,
                starts_at=opens,
                ends_at=closes,
                checkin_opens_at=opens,
                checkin_closes_at=closes,
                capacity=cap,
                now=now,
                place="县政府广场",
            )
            return made.code

        hour = timedelta(hours=1)
        codes = {
            "closed": await event("已结束的活动", now - 5 * hour, now - hour, None),
            "later": await event("明天的活动", now + 24 * hour, now + 27 * hour, None),
            "full": await event("满员的活动", now - hour, now + 3 * hour, 1),
        }
        someone = await people.register_person(core, name="先到者", unit_id=units[0].id, now=now)
        await checkin.check_in(
            core, code=codes["full"], person_id=someone.id, now=now, channel=Channel.WEB
        )
        return codes

    return _on_server(server, make)


@pytest.mark.parametrize("lang", ["zh-CN", "en-GB"])
def test_check_in_states_on_arrival_without_javascript(
    browser: Any, web_server: WebServer, lang: str
) -> None:
    zh = lang.startswith("zh")
    codes = _events(web_server)
    context = phone(browser, lang=lang, javascript=False)
    page = context.new_page()
    expected = {
        "closed": "签到已结束" if zh else "Check-in has closed",
        "later": "签到尚未开始" if zh else "Check-in is not open yet",
        "full": "本场活动已满员" if zh else "This event is full",
    }
    for state, code in codes.items():
        page.goto(f"{web_server.url}/e/{code}")
        assert expected[state] in page.locator(".state h2").inner_text()
        assert page.locator("#name").count() == 0 and page.locator("button.primary").count() == 0
        page.screenshot(path=str(shots_dir(web_server) / f"state-{state}-{lang}.png"))
    _register_and_check_in(page, web_server, "再来一次", DEMO_UNIT if zh else UNIT_EN)
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}")
    said = page.locator(".state").inner_text()
    pattern = r"您已于 \d\d:\d\d 签到" if zh else r"You checked in at \d\d:\d\d\."
    assert re.search(pattern, said), said
    assert page.locator("button.primary").count() == 0
    page.screenshot(path=str(shots_dir(web_server) / f"state-already-{lang}.png"))
    context.close()


def _volunteer(server: WebServer, login: str) -> None:
    async def make(core: Core) -> None:
        units = await catalog.list_units(core)
        await people.create_user(
            core,
            login=login,
            password=PASSWORD,
            name="核对志愿者",
            role=Role.VOLUNTEER,
            unit_id=units[0].id,
            now=datetime.now(UTC),
        )

    _on_server(server, make)


def _sign_in(page: Any, server: WebServer, login: str) -> None:
    page.goto(f"{server.url}/signin")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/me$"))


def _check(page: Any, name: str, found: dict[str, Any], shots: Path) -> None:
    found[name] = {"axe": axe_violations(page), "small": small_targets(page)}
    safe = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    page.screenshot(path=str(shots / f"{safe}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["zh-CN", "en-GB"])
def test_every_participant_page_and_the_scanner_pass_axe_and_44px(
    browser: Any, web_server: WebServer, lang: str
) -> None:
    zh = lang.startswith("zh")
    codes = _events(web_server)
    shots = shots_dir(web_server) / f"pages-{lang}"
    shots.mkdir(exist_ok=True)
    context = phone(browser, axe=True, lang=lang)
    hosts: set[str] = set()
    context.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    page = context.new_page()
    found: dict[str, Any] = {}
    url = web_server.url
    plain = web_server.events["plain"]
    page.goto(url + "/")
    _check(page, "home", found, shots)
    page.goto(f"{url}/e/{plain}")
    _check(page, "check-in new phone", found, shots)
    page.fill("#unit_q", "没有这个单位")
    page.click("#unit_q + button")
    page.wait_for_load_state()
    _check(page, "unit search nothing found", found, shots)
    page.fill("#unit_q", "qxzx" if zh else "middle school")
    page.click("#unit_q + button")
    page.wait_for_load_state()
    _check(page, "unit search one hit", found, shots)
    for state, code in codes.items():
        page.goto(f"{url}/e/{code}")
        _check(page, f"check-in {state}", found, shots)
    page.goto(f"{url}/join")
    _check(page, "join", found, shots)
    page.goto(f"{url}/e/nosuchcode")
    _check(page, "refusal", found, shots)
    _register_and_check_in(page, web_server, "无障碍", DEMO_UNIT if zh else UNIT_EN)
    _check(page, "answer", found, shots)
    page.goto(f"{url}/e/{plain}")
    _check(page, "check-in already", found, shots)
    page.goto(f"{url}/log/trip")
    page.fill("#km", "3")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/done\?"))
    _check(page, "trip answer", found, shots)
    for path in (
        "/log",
        "/log/trip",
        "/log/plate",
        "/log/canteen",
        "/me",
        "/me/record",
        "/me/delete",
    ):
        page.goto(url + path)
        _check(page, path, found, shots)
    _volunteer(web_server, f"axe-door-{lang}")
    _sign_in(page, web_server, f"axe-door-{lang}")
    for path in ("/log/service", "/log/headcount", "/scanner", f"/scanner/{plain}"):
        page.goto(url + path)
        _check(page, path, found, shots)
    page.fill("#token", "no-such-code")
    page.press("#token", "Enter")
    page.wait_for_selector("#result.refused")
    _check(page, "scanner refusal", found, shots)
    page.goto(f"{url}/scanner/{plain}/undo")
    _check(page, "scanner undo", found, shots)
    bad = {k: v for k, v in found.items() if v["axe"] or v["small"]}
    assert bad == {}, bad
    assert hosts == {urlsplit(url).netloc}, hosts  # no page asked any other host
    context.close()


def test_personal_record_prints_to_one_a4_page(browser: Any, web_server: WebServer) -> None:
    context = phone(browser)
    page = context.new_page()
    _register_and_check_in(page, web_server, "打印人")
    page.goto(f"{web_server.url}/log/trip")
    page.check("input[value=metro]")
    page.fill("#km", "12")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/done\?"))
    page.goto(f"{web_server.url}/me/record")
    out = shots_dir(web_server) / "record.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(out), format="A4", print_background=True)
    # pypdfium2 (the test extra) reads the PDF: poppler's tools are not on a fresh machine
    document = pypdfium2.PdfDocument(out)
    assert len(document) == 1
    width_mm = document[0].get_width() / 72 * 25.4
    height_mm = document[0].get_height() / 72 * 25.4
    assert 209 <= width_mm <= 211 and 296 <= height_mm <= 298  # A4
    text_page = document[0].get_textpage()
    text = text_page.get_text_range()
    year = str(datetime.now(UTC).year)
    for expected in ("打印人", DEMO_UNIT, year, "0.56", "千克", "Shenzhen", "合计"):
        assert expected in text, (expected, text)
    document[0].render(scale=60 / 72).to_pil().save(out.with_suffix(".png"))
    text_page.close()
    document.close()
    context.close()
