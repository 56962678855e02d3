"""One human, one person, in real Chromium at 390×844 with JavaScript off: two fresh
browser contexts (the camera's browser, then WeChat's) register as the same roster person
with the verifier and check in at the same event — one person, one fact, one person-time.
A link code from /me makes a third browser the same person. Screenshots are written."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from campaigns import catalog, rosters, totals
from campaigns.core import Core
from storage.models import Fact, Person
from tests.e2e.conftest import WebServer, axe_violations, phone
from tests.e2e.shots import shots_dir
from tests.e2e.test_web_checkin import DEMO_UNIT, _on_server, _pick_unit

pytestmark = pytest.mark.browser


async def _roster(core: Core) -> None:
    from datetime import UTC, datetime

    unit = next(u for u in await catalog.list_units(core) if u.name_zh == DEMO_UNIT)
    data = f"单位代码,姓名,工号,手机尾号\n{unit.code},张三,A1001,1234\n".encode()
    report = await rosters.import_roster(core, actor_id=None, data=data, now=datetime.now(UTC))
    assert report.ok, report.errors


async def _counts(core: Core) -> tuple[int, int, int]:
    async with core.read() as conn:
        named = await conn.scalar(select(func.count()).where(Person.display_name == "张三"))
        facts = await conn.scalar(select(func.count()).select_from(Fact))
    year = (await catalog.list_events(core))[0].starts_at.year
    person_times = (await totals.progress(core, year=year)).totals.person_times
    return int(named or 0), int(facts or 0), person_times


def _join_with_verifier(
    page: Any, server: WebServer, verifier: str, shot: Any, *, axe: bool = False
) -> None:
    page.goto(f"{server.url}/e/{server.events['plain']}")
    page.fill("#name", "张 三")  # typed with a space on this phone
    _pick_unit(page, DEMO_UNIT)
    page.click("button.primary")
    page.wait_for_selector("#verifier")
    assert "工号，或手机号后四位" in page.inner_text("main")
    page.screenshot(path=str(shot), full_page=True)
    if axe:
        assert axe_violations(page) == []
    page.fill("#verifier", verifier)
    page.click("button.primary")


def test_two_browsers_one_roster_person_one_person_time(
    browser: Any, web_server: WebServer
) -> None:
    shots = shots_dir(web_server)
    _on_server(web_server, _roster)
    camera = phone(browser, javascript=False)
    page = camera.new_page()
    _join_with_verifier(page, web_server, "1234", shots / "verify-step-zh.png")
    page.wait_for_url(re.compile(r"/done\?"))
    assert page.locator("h1").inner_text() == "签到成功"

    wechat = phone(browser, javascript=False)  # a separate cookie jar
    other = wechat.new_page()
    _join_with_verifier(other, web_server, "A1001", shots / "verify-step-again-zh.png")
    other.wait_for_load_state()
    assert "您已于" in other.inner_text("main")  # the same person: already checked in
    other.screenshot(path=str(shots / "already-on-second-phone-zh.png"), full_page=True)
    assert _on_server(web_server, _counts) == (1, 1, 1)

    # A third browser: linked with a code from /me, never registered.
    page.goto(f"{web_server.url}/me")
    page.click("text=显示关联码")
    code = page.locator("#code-h").inner_text().replace(" ", "")
    page.screenshot(path=str(shots / "link-code-zh.png"), full_page=True)
    third = phone(browser, javascript=False).new_page()
    third.goto(f"{web_server.url}/link")
    third.fill("#code", code.lower())
    third.click("button.primary")
    third.wait_for_url(re.compile(r"/me"))
    assert third.locator("h1").inner_text() == "张三"
    third.goto(f"{web_server.url}/e/{web_server.events['plain']}")
    assert "您已于" in third.inner_text("main")
    assert _on_server(web_server, _counts) == (1, 1, 1)
    # The same steps with JavaScript on, for axe-core (it runs as a script).
    checked = phone(browser, axe=True)
    fourth = checked.new_page()
    _join_with_verifier(fourth, web_server, "1234", shots / "verify-step-js-zh.png", axe=True)
    fourth.wait_for_load_state()
    fourth.goto(f"{web_server.url}/me")
    assert axe_violations(fourth) == []
    fourth.click("text=显示关联码")  # a form post: axe reads the page it answers with
    fourth.wait_for_load_state()
    assert axe_violations(fourth) == []
    fourth.goto(f"{web_server.url}/link")
    assert axe_violations(fourth) == []
    assert _on_server(web_server, _counts) == (1, 1, 1)
    for context in (camera, wechat, third.context, checked):
        context.close()
