"""A form or call sent twice registers one person: /join, POST /api/v1/people, the door's
walk-in (form and API) all carry a one-time key into the core's registration."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from campaigns import catalog, people
from campaigns.core import Core
from campaigns.results import EventView, Role, UnitView
from tests.console.helpers import csrf_of, signed_in
from tests.web.conftest import get, post_form

KEY = "join-twice-000000000001"


async def _named(core: Core, name: str) -> int:
    return len(await people.search_people(core, query=name))


async def test_the_same_join_form_twice_is_one_person(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    page = await get(client, "/join?next=/log")
    data = {"name": "双击测试", "unit_id": str(unit.id), "next": "/log"}
    first = await post_form(client, "/join", data, from_page=page, follow=False)
    client.cookies.delete("gt_session")  # the second tap left before the first answer came
    second = await post_form(client, "/join", data, from_page=page, follow=False)
    assert first.status_code == second.status_code == 303
    assert await _named(core, "双击测试") == 1
    me = await client.get("/me")
    assert me.status_code == 200 and "双击测试" in me.text  # signed in as the one person


async def test_the_same_api_registration_twice_is_one_person(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    csrf = (await client.get("/api/v1/session")).json()["csrf_token"]
    body = {"name": "接口重复", "unit_id": unit.id, "idempotency_key": KEY}
    first = await client.post("/api/v1/people", json=body, headers={"x-csrf-token": csrf})
    second = await client.post("/api/v1/people", json=body, headers={"x-csrf-token": csrf})
    assert first.status_code == second.status_code == 201
    assert first.json()["person"]["id"] == second.json()["person"]["id"]
    assert await _named(core, "接口重复") == 1


async def test_a_walk_in_sent_twice_is_one_person_and_one_check_in(
    app: FastAPI, core: Core, unit: UnitView, event: EventView
) -> None:
    async with signed_in(app, core, unit, Role.VOLUNTEER) as (client, _):
        page = await get(client, f"/scanner/{event.code}")
        idem = page.field("idem")
        data = {
            "csrf": page.field("csrf"),
            "idem": idem + "w",
            "name": "无手机",
            "unit_id": str(unit.id),
        }
        for _ in range(2):
            answer = await client.post(f"/scanner/{event.code}/walkin", data=data)
            assert answer.status_code == 200 and "无手机" in answer.text
        api = {"name": "无手机二", "unit_id": unit.id, "idempotency_key": KEY}
        for _ in range(2):
            made = await client.post(
                f"/api/v1/events/{event.code}/walk-ins",
                json=api,
                headers={"x-csrf-token": csrf_of(app, client)},
            )
            assert made.status_code == 201, made.text
            assert made.json()["person"]["display_name"] == "无手机二"
    assert await _named(core, "无手机") == 2  # 无手机 and 无手机二, once each
    assert (await catalog.get_event(core, code=event.code)).checked_in == 2
