"""Choosing a unit among a county's hundreds: the top of the tree, a search that keeps
what was typed and names each unit's parent, the units under a chosen one; the check-in
page stays under 30 KB as a phone receives it (compressed), its count stays live, and the
screen has a language switch."""

from __future__ import annotations

import html
import re

import httpx
from fastapi import FastAPI

from campaigns import catalog
from campaigns.core import Core
from campaigns.results import EventView, Role, UnitView
from tests.console.helpers import signed_in
from tests.factories import NOW
from tests.web.conftest import get

TOWNSHIPS = 20
VILLAGES = 14  # each: 20 townships + 280 villages = 300 units


async def _county(core: Core) -> None:
    """300 units as a county has them: townships, and village committees under each."""
    lines = ["code,name_zh,name_en,parent_code,headcount,has_canteen"]
    for t in range(TOWNSHIPS):
        lines.append(f"t{t},渠县第{t}镇人民政府,Township {t} government,,80,1")
        for v in range(VILLAGES):
            lines.append(f"t{t}v{v},第{v}村民委员会,Village committee {v},t{t},12,0")
    await catalog.import_units_csv(core, actor_id=None, text="\n".join(lines), now=NOW)


def _options(page: str) -> list[str]:
    select = page.split('<select id="unit"', 1)[1].split("</select>", 1)[0]
    return [html.unescape(o) for o in re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)<", select)]


async def test_check_in_page_and_assets_stay_under_30_kb_with_300_units(
    client: httpx.AsyncClient, core: Core, event: EventView
) -> None:
    await _county(core)
    received = 0
    page = await client.get(f"/e/{event.code}", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    names = {re.sub(r"\.[0-9a-f]{10}\.", ".", a) for a in assets}  # content-hashed names
    assert {"/static/app.css", "/static/live-count.js"} <= names
    for response in [page] + [
        await client.get(a, headers={"accept-encoding": "gzip"}) for a in assets
    ]:
        assert response.status_code == 200
        received += response.num_bytes_downloaded
        received += sum(len(k) + len(v) for k, v in response.headers.raw)
    assert received < 30 * 1024, f"the check-in page and its assets weigh {received} bytes"
    options = _options(page.text)
    assert len(options) == TOWNSHIPS  # the top of the tree, not all 300 units


async def test_unit_search_keeps_the_name_and_names_each_parent(
    client: httpx.AsyncClient, core: Core, event: EventView
) -> None:
    await _county(core)
    page = await get(client, f"/e/{event.code}")
    found = await client.post(
        "/units/find",
        data={
            "back": f"/e/{event.code}",
            "name": "王小明",
            "unit_q": "第3村民委员会",
            "csrf": page.field("csrf"),
            "idem": page.field("idem"),
        },
    )
    assert found.status_code == 303
    assert "csrf" not in found.headers["location"]  # the form's token stays out of the URL
    answer = await client.get(found.headers["location"])
    assert 'value="王小明"' in answer.text  # typed before the search, still there
    options = _options(answer.text)
    assert len(options) == TOWNSHIPS  # the same village name under every township...
    assert "渠县第7镇人民政府 › 第3村民委员会" in options  # ...told apart by its parent


async def test_the_units_under_a_chosen_parent(
    client: httpx.AsyncClient, core: Core, event: EventView
) -> None:
    await _county(core)
    page = await get(client, f"/e/{event.code}")
    township = next(u for u in await catalog.list_units(core) if u.code == "t5")
    under = await client.post(
        "/units/find",
        data={
            "back": f"/e/{event.code}",
            "name": "李四",
            "unit_id": str(township.id),
            "under": "1",
            "csrf": page.field("csrf"),
        },
    )
    answer = await client.get(under.headers["location"])
    options = _options(answer.text)
    assert options[0] == "渠县第5镇人民政府"
    assert sum(o.startswith("渠县第5镇人民政府 › ") for o in options) == VILLAGES
    assert f'<option value="{township.id}" selected>' in answer.text
    assert 'value="李四"' in answer.text


async def test_join_search_keeps_the_name_too(client: httpx.AsyncClient, core: Core) -> None:
    await _county(core)
    found = await client.post(
        "/units/find",
        data={"back": "/join", "next": "/log", "name": "赵六", "unit_q": "第2镇"},
    )
    answer = await client.get(found.headers["location"])
    assert 'value="赵六"' in answer.text and 'name="next" value="/log"' in answer.text
    assert "渠县第2镇人民政府 › 第0村民委员会" in _options(answer.text)


async def test_search_goes_back_only_to_this_site(client: httpx.AsyncClient) -> None:
    found = await client.post("/units/find", data={"back": "//evil.example/x", "unit_q": "a"})
    assert found.headers["location"].startswith("/?")


async def test_the_live_count_region_and_its_script(
    client: httpx.AsyncClient, event: EventView
) -> None:
    page = await client.get(f"/e/{event.code}")
    region = re.search(r'<p class="count" aria-live="polite" data-live-count="([^"]+)">', page.text)
    assert region, "no live region"
    assert "<span data-n>0</span>" in page.text
    script = await client.get("/static/live-count.js")
    assert script.status_code == 200 and "10000" in script.text and "://" not in script.text
    source = await client.get(region.group(1))
    assert source.status_code == 200 and source.json()["checked_in"] == 0


async def test_screen_has_a_language_switch(
    app: FastAPI, core: Core, unit: UnitView, event: EventView
) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        screen = await client.get(f"/screen/{event.code}")
        assert screen.status_code == 200
        assert f'href="/lang/zh?next=/screen/{event.code}"' in screen.text
        switched = await client.get(f"/lang/zh?next=/screen/{event.code}")
        assert switched.headers["location"] == f"/screen/{event.code}"
        assert "gt_lang=zh" in switched.headers["set-cookie"]


async def test_pages_are_not_framed_by_telegram_web(client: httpx.AsyncClient) -> None:
    """Telegram Web's cross-site iframe cannot keep our SameSite=Lax cookies, so a sign-in
    there cannot last (see web/routes/account.py): the pages refuse to be framed."""
    csp = (await client.get("/tg")).headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and "web.telegram.org" not in csp
