"""Crafted numbers are refused in words and write nothing; anything unforeseen answers in
words too ({reason, message} on the API), in the caller's language; HTTP's own refusals
(405) and invalid forms name things as people know them."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from campaigns import people, totals
from campaigns.core import Core
from campaigns.results import EventView, Role, UnitView
from tests.web.conftest import BASE, get, post_form, sign_in_as


async def _csrf(client: httpx.AsyncClient) -> str:
    return str((await client.get("/api/v1/session")).json()["csrf_token"])


@pytest.fixture
async def lenient(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that gets the 500 answer a browser would, not the exception."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
        yield c


@pytest.mark.parametrize("heads", ["nan", "inf", "1e400", "-inf", str(2**70), "2.5", "0"])
async def test_crafted_headcounts_are_refused_in_words(
    client: httpx.AsyncClient, core: Core, unit: UnitView, event: EventView, heads: str
) -> None:
    await sign_in_as(client, core, unit, Role.VOLUNTEER, "counter")
    response = await post_form(client, "/log/headcount", {"code": event.code, "heads": heads})
    assert response.status_code == 422, response.text[:300]
    assert 'role="alert"' in response.text and f'value="{heads}"' in response.text
    assert (await totals.progress(core, year=2023)).totals.facts == 0


@pytest.mark.parametrize("hours", ["nan", "inf", "1e400"])
async def test_crafted_hours_are_refused_in_words(
    client: httpx.AsyncClient, core: Core, unit: UnitView, hours: str
) -> None:
    await sign_in_as(client, core, unit, Role.VOLUNTEER, "hours")
    response = await post_form(client, "/log/service", {"hours": hours, "day": "2023-07-12"})
    assert response.status_code == 422
    assert "服务时长" in html.unescape(response.text) or "时长" in response.text
    assert (await totals.progress(core, year=2023)).totals.facts == 0


@pytest.mark.parametrize("unit_id", [str(2**70), str(2**40), str(2**31), "-1", "0", "1e3"])
async def test_crafted_unit_ids_on_join_are_refused_in_words(
    client: httpx.AsyncClient, core: Core, unit: UnitView, unit_id: str
) -> None:
    response = await post_form(client, "/join", {"name": "大整数", "unit_id": unit_id})
    assert response.status_code == 422
    assert "请从列表中选择您的单位" in response.text
    assert await people.search_people(core, query="大整数") == []


@pytest.mark.parametrize("unit_id", [2**70, 2**40, 2**31, 0, -1])
async def test_crafted_unit_ids_on_the_api_are_refused_with_a_reason(
    client: httpx.AsyncClient, core: Core, unit: UnitView, unit_id: int
) -> None:
    response = await client.post(
        "/api/v1/people",
        json={"name": "大整数", "unit_id": unit_id},
        headers={"x-csrf-token": await _csrf(client), "accept-language": "en"},
    )
    assert response.status_code == 422
    assert response.json() == {
        "reason": "invalid_form",
        "message": "Some fields are missing or not valid: Your unit.",
    }
    assert await people.search_people(core, query="大整数") == []


@pytest.mark.parametrize("km", ["1e400", "NaN", "Infinity"])
async def test_non_finite_json_numbers_are_refused(
    client: httpx.AsyncClient, core: Core, unit: UnitView, km: str
) -> None:
    csrf = await _csrf(client)
    await client.post(
        "/api/v1/people", json={"name": "数字", "unit_id": unit.id}, headers={"x-csrf-token": csrf}
    )
    csrf = await _csrf(client)
    response = await client.post(
        "/api/v1/trips",
        content=f'{{"mode": "bike", "km": {km}}}',
        headers={"x-csrf-token": csrf, "content-type": "application/json"},
    )
    assert response.status_code == 422 and response.json()["reason"] == "invalid_form"
    assert "距离" in response.json()["message"]
    assert (await totals.progress(core, year=2023)).totals.facts == 0


async def test_an_unforeseen_error_is_answered_in_words(
    lenient: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("campaigns.totals.progress", broken)
    page = await lenient.get("/", headers={"accept-language": "en"})
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Something went wrong on our side" in html.unescape(page.text)
    assert "database went away" not in page.text
    assert "content-security-policy" in page.headers
    api = await lenient.get("/api/v1/progress", headers={"accept-language": "zh-CN"})
    assert api.status_code == 500
    assert api.json()["reason"] == "internal_error"
    assert api.json()["message"].startswith("系统出了点问题")
    assert "the database went away" in caplog.text  # logged for whoever runs the server


async def test_wrong_method_is_refused_in_words(client: httpx.AsyncClient) -> None:
    api = await client.get("/api/v1/trips", headers={"accept-language": "zh-CN"})
    assert api.status_code == 405
    assert api.json() == {"reason": "method_not_allowed", "message": "这个地址不接受这种请求。"}
    page = await client.get("/forget", headers={"accept-language": "en"})
    assert page.status_code == 405 and page.headers["content-type"].startswith("text/html")
    assert "This address does not take that kind of request." in page.text
    assert "allow" in page.headers


async def test_invalid_fields_are_named_as_people_know_them(
    client: httpx.AsyncClient, unit: UnitView
) -> None:
    csrf = await _csrf(client)
    headers = {"x-csrf-token": csrf, "accept-language": "en"}
    bad_key = await client.post(
        "/api/v1/events/x/checkins", json={"idempotency_key": "short"}, headers=headers
    )
    assert bad_key.json()["message"] == "Some fields are missing or not valid: One-time key."
    not_an_object = await client.post("/api/v1/people", json=[1, 2], headers=headers)
    message = not_an_object.json()["message"]
    assert message == "Some fields are missing or not valid: What you sent."
    page = await get(client, "/signin")
    long_name = await client.post(
        "/join",
        data={"csrf": page.field("csrf"), "name": "x" * 300, "unit_id": str(unit.id)},
        headers={"accept-language": "en"},
    )
    assert long_name.status_code == 422
    assert "Some fields are missing or not valid: Your name." in html.unescape(long_name.text)


async def test_a_check_in_post_with_a_flood_of_fields_is_refused_in_words(
    lenient: httpx.AsyncClient, core: Core, unit: UnitView, event: EventView
) -> None:
    page = await get(lenient, f"/e/{event.code}")
    flood = "&".join(f"f{i}=x" for i in range(1100))
    response = await lenient.post(
        f"/e/{event.code}",
        content=f"csrf={page.field('csrf')}&{flood}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    assert "以下内容缺失或填写有误" in response.text
    assert (await totals.progress(core, year=2023)).totals.facts == 0
