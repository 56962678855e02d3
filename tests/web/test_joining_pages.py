"""The web door of "one human, one person": a roster person on a second phone is asked
for their verifier and is the same person; a link code makes another browser the same
person; a namesake without a verifier is told how to link instead."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from campaigns import rosters
from campaigns.core import Core
from campaigns.results import EventView, UnitView
from storage.models import Fact, Person
from tests.factories import NOW
from tests.web.conftest import BASE, get, post_form


def phone(app: FastAPI) -> httpx.AsyncClient:
    """Another browser: its own cookie jar."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


async def counts(core: Core) -> tuple[int, int]:
    async with core.read() as conn:
        people = await conn.scalar(select(func.count()).select_from(Person))
        facts = await conn.scalar(select(func.count()).select_from(Fact))
    return int(people or 0), int(facts or 0)


async def check_in_new_phone(
    client: httpx.AsyncClient, event: EventView, unit: UnitView, name: str, verifier: str = ""
) -> httpx.Response:
    url = f"/e/{event.code}"
    first = await post_form(client, url, {"name": name, "unit_id": str(unit.id)})
    if not verifier:
        return first
    assert first.status_code == 409 and 'name="verifier"' in first.text
    # The verify step is its own form: its CSRF token and key, the name and unit kept.
    csrf = re.search(r'name="csrf" value="([^"]+)"', first.text)
    idem = re.search(r'name="idem" value="([^"]+)"', first.text)
    assert csrf and idem
    return await client.post(
        url,
        data={
            "csrf": csrf.group(1),
            "idem": idem.group(1),
            "name": name,
            "unit_id": str(unit.id),
            "verifier": verifier,
        },
        follow_redirects=True,
    )


async def test_a_second_phone_is_the_same_person(
    app: FastAPI, core: Core, unit: UnitView, event: EventView
) -> None:
    data = f"unit_code,name,staff_no,phone_last4\n{unit.code},张三,A1001,1234\n".encode()
    assert (await rosters.import_roster(core, actor_id=None, data=data, now=NOW)).ok
    async with phone(app) as camera, phone(app) as wechat:
        first = await check_in_new_phone(camera, event, unit, "张三", verifier="1234")
        assert first.url.path == "/done"
        asked = await post_form(
            wechat, f"/e/{event.code}", {"name": "张三", "unit_id": str(unit.id)}
        )
        assert asked.status_code == 409
        assert "工号或手机号后四位" in asked.text and "张三" in asked.text
        wrong = await check_in_new_phone(wechat, event, unit, "张三", verifier="0000")
        assert wrong.status_code == 422 and "不符" in wrong.text
        again = await check_in_new_phone(wechat, event, unit, "张三", verifier="A1001")
        assert again.status_code == 200 and "您已于" in again.text  # the calm "already" state
    assert await counts(core) == (1, 1)


async def test_a_link_code_makes_another_browser_the_same_person(
    app: FastAPI, core: Core, unit: UnitView, event: EventView
) -> None:
    async with phone(app) as old, phone(app) as new:
        done = await post_form(old, f"/e/{event.code}", {"name": "李四", "unit_id": str(unit.id)})
        assert done.url.path == "/done"
        me = await get(old, "/me")
        shown = await post_form(old, "/me/link", {}, from_page=me)
        code = re.search(r'<h2 id="code-h" class="code">(\w{4}) (\w{4})</h2>', shown.text)
        assert shown.status_code == 200 and code and "<svg" in shown.text
        typed = f"{code.group(1)} {code.group(2)}".lower()  # as a person types it
        page = await get(new, f"/link?c={code.group(1)}{code.group(2)}")
        assert f'value="{code.group(1)}{code.group(2)}"' in page.text  # the QR's link fills it
        linked = await post_form(new, "/link", {"code": typed}, from_page=page)
        assert linked.url.path == "/me" and "李四" in linked.text
        repeat = await get(new, f"/e/{event.code}")
        assert "您已于" in repeat.text
        used = await post_form(new, "/link", {"code": typed}, from_page=page)
        assert used.status_code == 404 and "已使用" in used.text
    assert await counts(core) == (1, 1)


async def test_a_namesake_without_a_verifier_is_told_how_to_link(
    app: FastAPI, core: Core, unit: UnitView, event: EventView
) -> None:
    async with phone(app) as mine, phone(app) as other:
        await post_form(mine, f"/e/{event.code}", {"name": "王五", "unit_id": str(unit.id)})
        done = await post_form(other, f"/e/{event.code}", {"name": "王五", "unit_id": str(unit.id)})
        assert (
            done.url.path == "/done" and "已有同名人员" in done.text and 'href="/link"' in done.text
        )
    async with core.read() as conn:
        flagged = await conn.scalar(select(func.count()).where(Person.possible_duplicate))
    assert flagged == 1


async def test_a_walk_in_at_the_door_is_the_roster_person(
    app: FastAPI, core: Core, unit: UnitView, event: EventView
) -> None:
    from campaigns import joining
    from campaigns.results import Role
    from tests.console.helpers import csrf_of, signed_in

    data = (
        f"unit_code,name,staff_no\n{unit.code},周九,S1\n{unit.code},吴十,S2\n{unit.code},吴十,S3\n"
    )
    assert (await rosters.import_roster(core, actor_id=None, data=data.encode(), now=NOW)).ok
    zhou = await joining.join(core, name="周九", unit_id=unit.id, now=NOW, verifier="S1")
    async with signed_in(app, core, unit, Role.VOLUNTEER) as (door, _):
        csrf = csrf_of(app, door)
        url = f"/api/v1/events/{event.code}/walk-ins"
        came = await door.post(
            url, json={"name": "周 九", "unit_id": unit.id}, headers={"x-csrf-token": csrf}
        )
        assert came.status_code == 201 and came.json()["fact"]["person_id"] == zhou.person.id
        two = await door.post(
            url, json={"name": "吴十", "unit_id": unit.id}, headers={"x-csrf-token": csrf}
        )
        assert two.status_code == 409 and two.json()["reason"] == "ambiguous_name"
        picked = await door.post(
            url,
            json={"name": "吴十", "unit_id": unit.id, "verifier": "S3"},
            headers={"x-csrf-token": csrf},
        )
        assert picked.status_code == 201
    people_count, facts = await counts(core)
    assert (people_count, facts) == (3, 2)  # 周九 once; one 吴十 made from row S3; the volunteer


async def test_a_device_bound_to_someone_is_not_registered_as_someone_else(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    csrf = (await client.get("/api/v1/session")).json()["csrf_token"]
    made = await client.post(
        "/api/v1/people", json={"name": "郑一", "unit_id": unit.id}, headers={"x-csrf-token": csrf}
    )
    assert made.status_code == 201
    csrf = made.json()["csrf_token"]
    again = await client.post(
        "/api/v1/people", json={"name": "郑一", "unit_id": unit.id}, headers={"x-csrf-token": csrf}
    )
    assert again.status_code == 201 and again.json()["person"]["id"] == made.json()["person"]["id"]
    other = await client.post(
        "/api/v1/people", json={"name": "冯二", "unit_id": unit.id}, headers={"x-csrf-token": csrf}
    )
    assert other.status_code == 409 and other.json()["reason"] == "device_bound"
    assert "郑一" in other.json()["message"]
    assert (await counts(core))[0] == 1
