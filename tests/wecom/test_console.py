"""The console's announcements page: an organizer picks units and sends; the page shows
each announcement's progress. Participants cannot reach it."""

from __future__ import annotations

import httpx

from campaigns.core import Core
from campaigns.results import Role, UnitView
from tests import factories as f
from tests.web.conftest import get, post_form, sign_in_as


async def test_an_organizer_announces_to_a_unit(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await f.person(core, unit, telegram_id=880001)
    await f.person(core, unit, telegram_id=880002)
    await sign_in_as(client, core, unit, Role.ORGANIZER, "organizer1")
    page = await get(client, "/console/announcements")
    assert page.status == 200
    assert "还没有通知" in page.text
    sent = await post_form(
        client,
        "/console/announcements",
        {"body": "6月25日全国低碳日启动仪式", "unit": str(unit.id)},
        from_page=page,
    )
    assert sent.status_code == 201
    assert "通知已开始发送" in sent.text
    assert "6月25日全国低碳日启动仪式" in sent.text
    row = sent.text.split("6月25日全国低碳日启动仪式</td>", 1)[1].split("</tr>", 1)[0]
    assert row.startswith("<td>2</td><td>0</td><td>2</td>")  # two recipients, both waiting


async def test_an_empty_message_is_refused_in_words(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await sign_in_as(client, core, unit, Role.ORGANIZER, "organizer2")
    page = await get(client, "/console/announcements")
    refused = await post_form(
        client, "/console/announcements", {"body": "", "unit": str(unit.id)}, from_page=page
    )
    assert refused.status_code == 422
    alert = refused.text.split('role="alert">', 1)[1].split("</p>", 1)[0]
    assert alert == "请检查您输入的内容。"


async def test_a_volunteer_cannot_announce(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await sign_in_as(client, core, unit, Role.VOLUNTEER, "volunteer1")
    page = await get(client, "/console/announcements")
    assert page.status == 403
    assert "新建通知" not in page.text


async def test_the_api_twin_announces_and_reports_progress(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    from campaigns import api_tokens, people  # noqa: PLC0415

    await f.person(core, unit, telegram_id=880003)
    organizer = await people.create_user(
        core,
        login="apiorg",
        password="correct horse battery",
        name="组织者",
        role=Role.ORGANIZER,
        unit_id=unit.id,
        now=f.NOW,
    )
    token = await api_tokens.create_token(
        core, person_id=organizer.id, name="县平台", scope="write", now=f.NOW
    )
    headers = {"authorization": f"Bearer {token.secret}"}
    made = await client.post(
        "/api/v1/organizer/announcements",
        json={"body": "世界环境日宣传", "unit_ids": [unit.id]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    assert made.json()["recipients"] == 1 and made.json()["waiting"] == 1
    listed = await client.get("/api/v1/organizer/announcements", headers=headers)
    assert [a["body"] for a in listed.json()] == ["世界环境日宣传"]
