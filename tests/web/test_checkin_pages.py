"""Event check-in at /e/<code> over HTTP, forms only (what a phone without JavaScript does)."""

from __future__ import annotations

import html
from datetime import timedelta

import httpx

from campaigns import people, totals
from campaigns.core import Core
from campaigns.results import EventView, UnitView
from tests import factories
from tests.factories import NOW
from tests.web.conftest import get, post_form


async def test_new_phone_registers_once_and_checks_in(
    client: httpx.AsyncClient, core: Core, event: EventView, unit: UnitView
) -> None:
    page = await get(client, f"/e/{event.code}")
    assert page.status == 200
    assert "低碳日宣传活动" in page.text and "人民广场" in page.text
    assert unit.name_zh in page.text  # the unit tree is offered

    response = await post_form(
        client, f"/e/{event.code}", {"name": "王小明", "unit_id": str(unit.id)}, from_page=page
    )
    assert response.status_code == 200
    assert str(response.url.path) == "/done"
    assert "签到成功" in response.text or "You are checked in" in response.text
    progress = await totals.progress(core, year=2023)
    assert progress.totals.person_times == 1
    assert f"1 / {progress.goal}" in response.text or 'value="1"' in response.text

    # The phone is known now and checked in: the page says so on arrival, with no form and
    # no button; a repeated post (a stale tab) answers calmly with the same state.
    again = await get(client, f"/e/{event.code}")
    assert 'name="name"' not in again.text and "王小明" in again.text
    assert "您已于" in again.text and 'class="primary"' not in again.text
    second = await post_form(client, f"/e/{event.code}", {}, from_page=again)
    assert second.status_code == 200
    assert "您已于" in second.text and 'role="alert"' not in second.text
    assert (await totals.progress(core, year=2023)).totals.person_times == 1


async def test_resubmitted_form_counts_once(
    client: httpx.AsyncClient, core: Core, event: EventView, unit: UnitView
) -> None:
    page = await get(client, f"/e/{event.code}")
    data = {"name": "李四", "unit_id": str(unit.id)}
    first = await post_form(client, f"/e/{event.code}", data, from_page=page, follow=False)
    second = await post_form(client, f"/e/{event.code}", data, from_page=page, follow=False)
    assert first.status_code == second.status_code == 303
    progress = await totals.progress(core, year=2023)
    assert progress.totals.person_times == 1
    assert progress.totals.people == 1
    assert len(await people.search_people(core, query="李四")) == 1  # one person, not two
    done = await client.get(second.headers["location"])
    assert "nothing was counted twice" in done.text or "不会重复计数" in done.text


async def test_unknown_code_is_plain_words(client: httpx.AsyncClient) -> None:
    response = await client.get("/e/nosuchcode", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert "We don't know this event code" in html.unescape(response.text)


async def test_closed_window_refused_in_words(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    closed = await factories.event(
        core, opens=NOW - timedelta(hours=5), closes=NOW - timedelta(hours=1)
    )
    page = await get(client, f"/e/{closed.code}")
    # Said on arrival, before any form: no name asked, no button to tap.
    assert "签到已结束" in page.text and "签到已于" in page.text
    assert 'name="name"' not in page.text and 'class="primary"' not in page.text
    opened_before = await get(client, "/join")  # a form still open from before it closed
    response = await post_form(
        client,
        f"/e/{closed.code}",
        {"name": "赵六", "unit_id": str(unit.id)},
        from_page=opened_before,
    )
    assert response.status_code == 409
    assert "签到已于" in response.text and 'class="primary"' not in response.text
    assert (await totals.progress(core, year=2023)).totals.person_times == 0


async def test_post_without_csrf_is_refused(
    client: httpx.AsyncClient, core: Core, event: EventView, unit: UnitView
) -> None:
    await get(client, f"/e/{event.code}")
    response = await client.post(
        f"/e/{event.code}", data={"name": "张三", "unit_id": str(unit.id), "idem": "x" * 20}
    )
    assert response.status_code == 403
    forged = await client.post(
        f"/e/{event.code}",
        data={"name": "张三", "unit_id": str(unit.id), "csrf": "0" * 64},
    )
    assert forged.status_code == 403
    assert (await totals.progress(core, year=2023)).totals.person_times == 0
