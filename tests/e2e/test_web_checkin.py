"""The check-in link in real Chromium at a phone's size: with and without JavaScript, zh and en,
accessibility (axe-core), weight of the page and the hosts it talks to."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest

from campaigns import catalog, people
from campaigns.core import Core, open_core
from campaigns.results import Role
from tests.e2e.conftest import WebServer, axe_violations, phone
from tests.e2e.web_server import SECRET

pytestmark = pytest.mark.browser
DEMO_UNIT = "【演示】渠县中学"
T = TypeVar("T")
PASSWORD = "correct horse battery"


def _pick_unit(page: Any, label: str) -> None:
    """Choose a unit as a person would: from the list, or by searching when it is a unit
    under another (the list shows the top of the tree)."""
    if not page.locator("#unit option", has_text=label).count():
        page.fill("#unit_q", label)
        page.click("#unit_q + button")
        page.wait_for_load_state()
    value = page.locator("#unit option", has_text=label).first.get_attribute("value")
    page.select_option("#unit", value=value)


def _on_server(server: WebServer, work: Callable[[Core], Awaitable[T]]) -> T:
    """Run a service call on the running server's database (in a thread of its own: the
    sync Playwright API owns this one's event loop)."""

    async def run() -> T:
        url = f"sqlite+aiosqlite:///{server.data / 'greentally.sqlite3'}"
        core = await open_core(url, secret=SECRET, migrate=False)
        try:
            return await work(core)
        finally:
            await core.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def _register_and_check_in(page: Any, server: WebServer, name: str, unit: str = DEMO_UNIT) -> None:
    page.goto(f"{server.url}/e/{server.events['plain']}")
    page.fill("#name", name)
    _pick_unit(page, unit)
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/done\?"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_web_check_in_register_and_progress(
    browser: Any, web_server: WebServer, javascript: bool
) -> None:
    context = phone(browser, javascript=javascript)
    page = context.new_page()
    _register_and_check_in(page, web_server, "王小明")
    assert page.locator("h1").inner_text() == "签到成功"
    bar = page.locator("progress#goal-bar")
    assert bar.get_attribute("value") == "1"
    assert "1 / 2000 人次" in page.locator("#goal-text").inner_text().replace("\xa0", " ")
    page.click("summary")  # the counting rule, a tap away
    assert page.get_by_text("每人每场计 1 人次").is_visible()

    # The phone is remembered and checked in: the page says so on arrival, no button.
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}")
    assert page.locator("#name").count() == 0
    assert "王小明" in page.locator(".state").inner_text()
    assert re.search(r"您已于 \d\d:\d\d 签到", page.locator(".state").inner_text())
    assert page.locator("button.primary").count() == 0
    assert "已签到：1 人" in page.locator(".count").inner_text()
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_web_double_tap_counts_once(browser: Any, web_server: WebServer, javascript: bool) -> None:
    """An impatient double tap on a slow link: the first POST is held until the second is
    sent, then both reach the server. Both carry the form's one-time key: one person, one
    check-in."""
    context = phone(browser, javascript=javascript)
    page = context.new_page()
    code = web_server.events["plain"]
    held: list[Any] = []

    def hold(route: Any) -> None:
        if route.request.method == "POST":
            held.append(route)  # answered below, once the second tap is sent
        else:
            route.continue_()

    page.route(f"**/e/{code}", hold)
    page.goto(f"{web_server.url}/e/{code}")
    name = f"双击{javascript}"
    page.fill("#name", name)
    _pick_unit(page, DEMO_UNIT)
    box = page.locator("button.primary").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)  # low-level taps: no waiting for the first navigation
    _wait(page, lambda: len(held) >= 1)
    page.mouse.click(x, y)
    _wait(page, lambda: len(held) >= 2)
    forms = [parse_qs(route.request.post_data) for route in held]
    assert forms[0]["idem"] == forms[1]["idem"] and forms[0]["idem"][0]
    for route in held:  # each reaches the server, as it would have on the wire
        answer = route.fetch(max_redirects=0)
        with contextlib.suppress(Exception):  # the browser may have dropped the first
            route.fulfill(response=answer)
    page.wait_for_url(re.compile(r"/done\?"))
    assert page.locator("progress#goal-bar").get_attribute("value") == "1"

    async def counts(core: Core) -> tuple[int, int]:
        found = await people.search_people(core, query=name)
        return len(found), (await catalog.get_event(core, code=code)).checked_in

    assert _on_server(web_server, counts) == (1, 1)
    context.close()


def _wait(page: Any, done: Callable[[], bool]) -> None:
    for _ in range(250):
        if done():
            return
        page.wait_for_timeout(20)
    raise AssertionError("the tap sent no POST")


def test_web_pages_in_english(browser: Any, web_server: WebServer) -> None:
    context = phone(browser, lang="en-GB")
    page = context.new_page()
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "[Demo] Garbage-sorting booth"
    page.fill("#name", "Wang")
    _pick_unit(page, "[Demo] Qu County Middle School")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/done\?"))
    assert page.locator("h1").inner_text() == "You are checked in"
    assert "1 of 2000 person-times" in page.locator("#goal-text").inner_text().replace("\xa0", " ")
    page.click("nav.langs a")  # switch to Chinese on any page
    page.wait_for_selector("html[lang='zh-Hans']")  # the new page, not the one it leaves
    assert page.locator("h1").inner_text() == "签到成功"
    context.close()


def test_web_name_with_html_is_shown_as_text(browser: Any, web_server: WebServer) -> None:
    context = phone(browser)
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    name = "<img src=x onerror=alert(1)><i>王</i>"
    _register_and_check_in(page, web_server, name)
    page.goto(f"{web_server.url}/me")
    assert page.locator("h1").inner_text() == name
    assert page.locator("main img[src=x]").count() == 0
    assert page.locator("main i").count() == 0
    assert not dialogs
    context.close()


def test_web_check_in_page_is_small_and_self_hosted(browser: Any, web_server: WebServer) -> None:
    context = phone(browser)
    page = context.new_page()
    hosts: set[str] = set()
    sizes: list[int] = []
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))

    def weigh(response: Any) -> None:
        sizes.append(
            len(response.body()) + sum(len(k) + len(v) for k, v in response.headers.items())
        )

    page.on("response", weigh)
    _on_server(web_server, _county)  # a county's 300 units, not the 7 demo ones
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}", wait_until="networkidle")
    first_visit = sum(sizes)
    assert first_visit < 30 * 1024, f"new-phone check-in page weighs {first_visit} bytes"
    assert page.locator("#unit option").count() < 40  # the top of the tree, and a search
    _register_and_check_in(page, web_server, "轻量")
    sizes.clear()
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}", wait_until="networkidle")
    assert sum(sizes) < 30 * 1024
    page.goto(f"{web_server.url}/me", wait_until="networkidle")
    assert hosts == {urlsplit(web_server.url).netloc}, hosts
    context.close()


@pytest.mark.parametrize("lang", ["zh-CN", "en-GB"])
def test_web_pages_have_no_axe_violations(browser: Any, web_server: WebServer, lang: str) -> None:
    context = phone(browser, axe=True, lang=lang)
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}")
    found["check-in (new phone)"] = axe_violations(page)
    page.goto(f"{web_server.url}/join")
    found["/join"] = axe_violations(page)
    page.goto(f"{web_server.url}/e/nosuchcode")
    found["refusal"] = axe_violations(page)
    unit = DEMO_UNIT if lang.startswith("zh") else "[Demo] Qu County Middle School"
    _register_and_check_in(page, web_server, "无障碍", unit)
    found["answer"] = axe_violations(page)
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}")
    found["check-in (known phone)"] = axe_violations(page)
    page.goto(f"{web_server.url}/log/trip")
    page.fill("#km", "2")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/done\?"))
    found["trip answer"] = axe_violations(page)
    for path in ("/log", "/log/trip", "/log/plate", "/log/canteen", "/me", "/me/delete"):
        page.goto(web_server.url + path)
        found[path] = axe_violations(page)
    _sign_in_volunteer(page, web_server, f"axe-{lang}")
    for path in ("/log/service", "/log/headcount"):
        page.goto(web_server.url + path)
        found[path] = axe_violations(page)
    assert {k: v for k, v in found.items() if v} == {}
    context.close()


def _sign_in_volunteer(page: Any, server: WebServer, login: str) -> None:
    async def make(core: Core) -> None:
        await people.create_user(
            core,
            login=login,
            password=PASSWORD,
            name=login,
            role=Role.VOLUNTEER,
            now=datetime.now(UTC),
        )

    _on_server(server, make)
    page.goto(f"{server.url}/signin")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/me$"))


async def _county(core: Core) -> None:
    """300 units: 20 townships with 14 village committees each."""
    lines = ["code,name_zh,name_en,parent_code,headcount,has_canteen"]
    for t in range(20):
        lines.append(f"t{t},渠县第{t}镇人民政府,Township {t} People's Government,,80,1")
        lines += [
            f"t{t}v{v},渠县第{t}镇第{v}村村民委员会,Village {v} Committee,t{t},12,0"
            for v in range(14)
        ]
    await catalog.import_units_csv(
        core, actor_id=None, text="\n".join(lines), now=datetime.now(UTC)
    )
