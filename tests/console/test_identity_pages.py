"""The console's side of issue 9: entries waiting for approval (and the dashboard's
"另有 N 人次待审核"), staff lists imported with a preview (nothing written until the file
is clean), probable duplicates merged; only organizers reach any of it."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from campaigns import actions, joining, rosters, totals
from campaigns.core import Core
from campaigns.results import Role, UnitView
from storage.models import Person, RosterEntry
from tests import factories
from tests.console.helpers import csrf_of, signed_in
from tests.factories import NOW


async def test_approving_a_waiting_entry_counts_it(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    volunteer = await factories.person(core, unit, role=Role.VOLUNTEER, name="王志愿")
    waiting = await actions.log_service(
        core, volunteer_id=volunteer.id, hours=3, day=NOW.date(), now=NOW, channel="web"
    )
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        client.cookies.set("gt_lang", "zh")
        board = await client.get("/console?year=2023")
        assert "另有 1 人次待审核" in board.text
        queue = await client.get("/console/review")
        assert "待审核" in queue.text and "王志愿" in queue.text
        approved = await client.post(
            f"/console/review/{waiting.fact.id}",
            data={"csrf": csrf_of(app, client), "verdict": "accept"},
        )
        assert approved.status_code == 303
        board = await client.get("/console?year=2023")
        assert "人次待审核" not in board.text
    progress = await totals.progress(core, year=2023)
    assert progress.totals.person_times == 1 and progress.waiting == 0


async def test_a_staff_list_is_previewed_then_imported(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    good = f"单位代码,姓名,工号,手机尾号\n{unit.code},张三,1001,1234\n{unit.code},李四,,\n".encode()
    bad = f"unit_code,name\n{unit.code},张三\nnosuch,李四\n".encode()
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        client.cookies.set("gt_lang", "zh")
        csrf = csrf_of(app, client)
        refused = await client.post(
            "/console/people/roster",
            data={"csrf": csrf},
            files={"file": ("名单.csv", bad, "text/csv")},
        )
        assert refused.status_code == 422
        assert "未导入任何内容" in refused.text and "未知的单位代码“nosuch”" in refused.text
        preview = await client.post(
            "/console/people/roster",
            data={"csrf": csrf},
            files={"file": ("名单.csv", good, "text/csv")},
        )
        assert preview.status_code == 200 and "预览" in preview.text
        async with core.read() as conn:
            assert await conn.scalar(select(func.count()).select_from(RosterEntry)) == 0
        token = re.search(r'name="token" value="([^"]+)"', preview.text)
        assert token
        done = await client.post(
            "/console/people/roster/import",
            data={"csrf": csrf, "token": token.group(1), "filename": "名单.csv"},
        )
        assert done.status_code == 200 and "已导入" in done.text
        units = await client.get("/console/units")
        assert ">2</a>" in units.text  # the roster size beside the configured headcount
        assert "1234" not in done.text and "1001" not in done.text
    assert await rosters.roster_sizes(core) == {unit.id: 2}


async def test_duplicates_are_listed_and_merged(app: FastAPI, core: Core, unit: UnitView) -> None:
    first = await joining.join(core, name="赵六", unit_id=unit.id, now=NOW)
    second = await joining.join(core, name="赵六", unit_id=unit.id, now=NOW)
    assert second.flagged
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        client.cookies.set("gt_lang", "zh")
        people_page = await client.get("/console/people")
        assert "疑似重复" in people_page.text
        listed = await client.get("/console/people/duplicates")
        assert "同一单位同名" in listed.text and f"#{second.person.id}" in listed.text
        csrf = csrf_of(app, client)
        unconfirmed = await client.post(
            "/console/people/merge",
            data={"csrf": csrf, "keep_id": first.person.id, "drop_id": second.person.id},
        )
        assert unconfirmed.status_code == 422
        merged = await client.post(
            "/console/people/merge",
            data={
                "csrf": csrf,
                "keep_id": first.person.id,
                "drop_id": second.person.id,
                "confirm": "1",
            },
        )
        assert merged.status_code == 303
        after = await client.get("/console/people/duplicates")
        assert "没有疑似重复人员" in after.text
    async with core.read() as conn:
        live = await conn.scalar(select(func.count()).where(Person.merged_into_id.is_(None)))
    assert live == 2  # 赵六 once, and the organizer


async def test_only_organizers_reach_these_pages(app: FastAPI, core: Core, unit: UnitView) -> None:
    async with signed_in(app, core, unit, Role.VOLUNTEER) as (client, _):
        for path in ("/console/people/roster", "/console/people/duplicates"):
            assert (await client.get(path)).status_code == 403
        csrf = csrf_of(app, client)
        merge = await client.post(
            "/console/people/merge", data={"csrf": csrf, "keep_id": 1, "drop_id": 2, "confirm": 1}
        )
        assert merge.status_code == 403
    anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    async with anonymous:
        assert (await anonymous.get("/console/people/roster")).status_code in (401, 403)


async def test_the_api_twins_import_a_staff_list_and_merge(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        headers = {"x-csrf-token": csrf_of(app, client), "content-type": "text/csv"}
        bad = f"unit_code,name\n{unit.code},\n".encode()
        refused = await client.post("/api/v1/organizer/roster", content=bad, headers=headers)
        assert refused.status_code == 200 and not refused.json()["written"]
        assert refused.json()["errors"] == [
            {"row": 2, "problem": "name_missing", "message": "No name."}
        ]
        good = f"unit_code,name,staff_no\n{unit.code},孙八,S8\n".encode()
        dry = await client.post(
            "/api/v1/organizer/roster?dry_run=true", content=good, headers=headers
        )
        assert dry.json()["created"] == 1 and not dry.json()["written"]
        done = await client.post("/api/v1/organizer/roster", content=good, headers=headers)
        assert done.json()["written"] and (await client.get("/api/v1/organizer/roster")).json() == {
            str(unit.id): 1
        }
        a = await joining.join(core, name="孙八", unit_id=unit.id, now=NOW, verifier="S8")
        b = await joining.join(core, name="钱九", unit_id=unit.id, now=NOW)
        c = await joining.join(core, name="钱九", unit_id=unit.id, now=NOW)
        groups = (await client.get("/api/v1/organizer/duplicates")).json()
        assert [sorted(p["id"] for p in g["people"]) for g in groups] == [
            sorted([b.person.id, c.person.id])
        ]
        merged = await client.post(
            "/api/v1/organizer/merge",
            json={"keep_id": b.person.id, "drop_id": c.person.id},
            headers={"x-csrf-token": headers["x-csrf-token"]},
        )
        assert merged.status_code == 200 and merged.json()["dropped_id"] == c.person.id
        assert a.bound is False and (await client.get("/api/v1/organizer/duplicates")).json() == []
