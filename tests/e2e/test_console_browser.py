"""Browser: the dashboard equals the service totals after web and bot check-ins, its live
counter moves without a reload, and the door scanner syncs offline scans exactly once."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from campaigns import catalog, totals
from campaigns.core import Core
from campaigns.results import Role
from campaigns.settings import Settings
from tests import factories
from tests.console.browser import browser_sign_in, chromium, live_server
from tests.e2e.fake_telegram import polling_bot, tg_user
from tests.factories import NOW
from tests.web.conftest import Page

pytestmark = pytest.mark.browser


async def _web_checkin(base: str, code: str, name: str, unit_id: int) -> None:
    """A new phone scans the poster and checks in through the real form."""
    async with httpx.AsyncClient(base_url=base) as phone:
        page = await phone.get(f"/e/{code}")
        form = Page(page.status_code, page.text)
        data = {
            "csrf": form.field("csrf"),
            "idem": form.field("idem"),
            "name": name,
            "unit_id": str(unit_id),
        }
        done = await phone.post(f"/e/{code}", data=data, follow_redirects=True)
        assert done.status_code == 200, done.text[:500]


async def _live_number(page: Any, key: str) -> int:
    text = await page.text_content(f'[data-live="{key}"]')
    return int(re.sub(r"\D", "", text or "0"))


async def test_dashboard_matches_services_and_moves_live(core: Core, settings: Settings) -> None:
    unit = await factories.unit(core, name="县生态环境局")
    event = await factories.event(core)
    bot_people = [await factories.person(core, unit, telegram_id=700 + i) for i in range(3)]
    async with (
        live_server(core, settings) as base,
        polling_bot(core, settings, clock=lambda: NOW) as (tg, _, _),
    ):
        for i in range(4):
            await _web_checkin(base, event.code, f"网页{i}", unit.id)
        for p in bot_people[:2]:
            await tg.reply_to(tg_user(p.telegram_id or 0), f"/start e_{event.code}")
        await _web_checkin(
            base, event.code, "网页0", unit.id
        )  # another phone, same name: a new person
        async with chromium() as browser:
            page = await (await browser.new_context()).new_page()
            await browser_sign_in(
                page, base, core=core, unit=unit, role=Role.ORGANIZER, login="boss"
            )
            await page.goto(f"{base}/console?year=2023")
            t = (await totals.progress(core, year=2023)).totals
            assert t.person_times == 7
            assert await _live_number(page, "toward_goal") == t.toward_goal
            assert await _live_number(page, "person_times") == t.person_times
            assert await _live_number(page, "people") == t.people
            assert await _live_number(page, "headcount") == t.headcount
            await page.wait_for_selector("[data-live-state]:not([hidden])")  # SSE connected
            await page.evaluate("() => { window.__same_page = true; }")
            await tg.reply_to(tg_user(bot_people[2].telegram_id or 0), f"/start e_{event.code}")
            await page.wait_for_function(
                "n => document.querySelector('[data-live=\"person_times\"]').textContent"
                ".replace(/\\D/g, '') === String(n)",
                arg=t.person_times + 1,
                timeout=10_000,
            )
            assert await page.evaluate("() => window.__same_page") is True  # no reload happened
            assert (
                await totals.progress(core, year=2023)
            ).totals.person_times == t.person_times + 1


async def test_scanner_offline_queue_syncs_exactly_once(core: Core, settings: Settings) -> None:
    unit = await factories.unit(core)
    event = await factories.event(core)
    staff = [await factories.person(core, unit, name=f"员工{i}") for i in range(3)]
    async with live_server(core, settings) as base, chromium() as browser:
        context = await browser.new_context()
        page = await context.new_page()
        await browser_sign_in(page, base, core=core, unit=unit, role=Role.VOLUNTEER, login="door")
        await page.goto(f"{base}/scanner/{event.code}")
        lost = {"n": 0, "offline": True}

        async def lose_first_answer(route: Any) -> None:
            if lost["offline"]:  # routed requests skip the browser's offline switch
                await route.abort("internetdisconnected")
                return
            if lost["n"] == 0:  # the server records it, the phone never hears back
                lost["n"] += 1
                await route.fetch()
                await route.abort()
                return
            await route.continue_()

        await context.route("**/scan.json", lose_first_answer)
        await context.set_offline(True)
        for person in [*staff, staff[0]]:  # the last one is a second scan of the same card
            await page.fill("#token", person.qr_token)
            await page.press("#token", "Enter")
        await page.wait_for_function(  # the queue lives in IndexedDB: written asynchronously
            "() => document.querySelector('#scanner').getAttribute('data-pending') === '4'"
        )
        assert (await catalog.get_event(core, code=event.code)).checked_in == 0
        lost["offline"] = False
        await context.set_offline(False)
        await page.wait_for_function(
            "() => document.querySelector('#scanner').getAttribute('data-pending') === '0'",
            timeout=20_000,
        )
        assert lost["n"] == 1
        assert await page.text_content("#result .scan-title") == "Already checked in"
        await page.reload()
        await asyncio.sleep(5)  # a reloaded page with an empty queue sends nothing again
        assert await page.get_attribute("#scanner", "data-pending") == "0"  # the queue is empty
    assert (await catalog.get_event(core, code=event.code)).checked_in == 3
    assert (await totals.reconcile(core, now=NOW)).ok
