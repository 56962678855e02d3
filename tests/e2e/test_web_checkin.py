"""The check-in link in real Chromium at a phone's size: with and without JavaScript, zh and en,
accessibility (axe-core), weight of the page and the hosts it talks to."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import WebServer, axe_violations, phone

pytestmark = pytest.mark.browser
DEMO_UNIT = "【演示】渠县中学"


def _pick_unit(page: Any, label: str) -> None:
    value = page.locator("#unit option", has_text=label).first.get_attribute("value")
    page.select_option("#unit", value=value)


def _register_and_check_in(page: Any, server: WebServer, name: str) -> None:
    page.goto(f"{server.url}/e/{server.events['plain']}")
    page.fill("#name", name)
    _pick_unit(page, DEMO_UNIT)
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
    assert "1 / 2000 人次" in page.locator("#goal-text").inner_text()
    page.click("summary")  # the counting rule, a tap away
    assert page.get_by_text("每人每场计 1 人次").is_visible()

    # The phone is remembered: one tap; a second check-in is refused in words, not counted.
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}")
    assert page.locator("#name").count() == 0
    assert "王小明" in page.locator("form.card").inner_text()
    assert "已签到：1 人" in page.locator(".count").inner_text()
    page.click("button.primary")
    assert "已于" in page.locator(".notice").inner_text()
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}")
    assert "已签到：1 人" in page.locator(".count").inner_text()
    context.close()


def test_web_second_submit_counts_once(browser: Any, web_server: WebServer) -> None:
    context = phone(browser, javascript=False)
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}")
    page.fill("#name", "李四")
    _pick_unit(page, DEMO_UNIT)
    page.dblclick("button.primary")  # an impatient double tap on a slow connection
    try:
        page.wait_for_url(re.compile(r"/done\?"))
    except Exception as exc:  # the second tap may abort the first tap's navigation
        if "ERR_ABORTED" not in str(exc):
            raise
        page.wait_for_url(re.compile(r"/done\?"))
    assert page.locator("progress#goal-bar").get_attribute("value") == "1"
    page.go_back()  # back to the form, and submit once more
    page.click("button.primary")
    assert "已于" in page.locator(".notice").inner_text()
    page.reload()
    assert "已签到：1 人" in page.locator(".count").inner_text()
    assert len(posts) >= 2
    context.close()


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
    assert "1 of 2000 person-times" in page.locator("#goal-text").inner_text()
    page.click("nav.langs a")  # switch to Chinese on any page
    assert page.locator("h1").inner_text() == "签到成功"
    context.close()


def test_web_name_with_html_is_shown_as_text(browser: Any, web_server: WebServer) -> None:
    context = phone(browser)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
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
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}", wait_until="networkidle")
    first_visit = sum(sizes)
    assert first_visit < 30 * 1024, f"new-phone check-in page weighs {first_visit} bytes"
    _register_and_check_in(page, web_server, "轻量")
    sizes.clear()
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}", wait_until="networkidle")
    assert sum(sizes) < 30 * 1024
    page.goto(f"{web_server.url}/me", wait_until="networkidle")
    assert hosts == {urlsplit(web_server.url).netloc}, hosts
    context.close()


def test_web_pages_have_no_axe_violations(browser: Any, web_server: WebServer) -> None:
    context = phone(browser, axe=True)
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}")
    found["check-in (new phone)"] = axe_violations(page)
    _register_and_check_in(page, web_server, "无障碍")
    found["answer"] = axe_violations(page)
    page.goto(f"{web_server.url}/e/{web_server.events['plain']}")
    found["check-in (known phone)"] = axe_violations(page)
    for path in ("/log", "/log/trip", "/log/plate", "/log/canteen", "/me", "/me/delete"):
        page.goto(web_server.url + path)
        found[path] = axe_violations(page)
    assert {k: v for k, v in found.items() if v} == {}
    context.close()
