"""Personal API tokens: made in the console and shown once, kept only as a hash, sent as
`Authorization: Bearer`; a read token cannot write, a revoked token is refused at once,
every use is in the audit log; and the organizer API does what the console does."""

from __future__ import annotations

import io
import re

import httpx
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy import select

from campaigns import catalog, paper, review, totals
from campaigns.api_tokens import digest
from campaigns.core import Core
from campaigns.results import Role, UnitView
from storage.models import ApiToken
from tests import factories
from tests.console.county import county
from tests.console.helpers import csrf_of, signed_in
from tests.web.conftest import BASE

API = "/api/v1/organizer"


async def _make_token(app: FastAPI, client: httpx.AsyncClient, scope: str) -> str:
    page = await client.post(
        "/console/tokens",
        data={"csrf": csrf_of(app, client), "name": f"平台 {scope}", "scope": scope},
    )
    assert page.status_code == 201
    match = re.search(r'<p class="secret" id="secret">(gt_[^<]+)</p>', page.text)
    assert match, page.text[-2000:]
    again = await client.get("/console/tokens")
    assert match.group(1) not in again.text  # shown once
    return match.group(1)


def _bearer(app: FastAPI, secret: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=BASE,
        headers={"authorization": f"Bearer {secret}", "accept-language": "en"},
    )


async def test_tokens_read_write_revoke_and_audit(app: FastAPI, core: Core, unit: UnitView) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, boss):
        reader = await _make_token(app, client, "read")
        writer = await _make_token(app, client, "write")
        async with core.read() as conn:
            stored = (await conn.execute(select(ApiToken.token_hash))).scalars().all()
        assert set(stored) == {digest(reader), digest(writer)}  # only hashes are kept
        async with _bearer(app, reader) as api:
            assert (await api.get(f"{API}/campaigns")).status_code == 200
            refused = await api.post(f"{API}/campaigns", json={"title_zh": "读令牌活动"})
            assert refused.status_code == 403
            assert refused.json()["reason"] == "api_token_read_only"
            made = await api.post(f"{API}/tokens", json={"name": "x"})
            assert made.status_code == 403  # a token cannot make tokens
        assert not [c for c in await catalog.list_campaigns(core) if c.title_zh == "读令牌活动"]
        async with _bearer(app, writer) as api:
            created = await api.post(
                f"{API}/campaigns", json={"title_zh": "写令牌活动", "slug": "by-token"}
            )
            assert created.status_code == 201, created.text
            mine = (await api.get(f"{API}/tokens")).json()
            token_id = next(t["id"] for t in mine if t["scope"] == "write")
            revoked = await api.post(f"{API}/tokens/{token_id}/revoke")
            assert revoked.status_code == 200 and revoked.json()["revoked_at"]
            after = await api.get(f"{API}/campaigns")  # the very next request
            assert after.status_code == 401 and after.json()["reason"] == "api_token_refused"
        async with _bearer(app, "gt_not-a-token") as api:
            assert (await api.get(f"{API}/campaigns")).status_code == 401
        page = await client.get("/console/tokens")
    assert "Revoked" in page.text
    entries = await review.audit_log(core, limit=50, action="api_call")
    uses = [(e.detail["method"], e.detail["path"], e.detail["allowed"]) for e in entries]
    assert ("POST", f"{API}/campaigns", False) in uses  # refused uses are audited too
    assert ("POST", f"{API}/campaigns", True) in uses
    assert len(uses) == 6  # each request with a valid token, and nothing for the refused one
    assert all(e.actor_id == boss.id for e in entries)


async def test_a_demoted_organizers_token_stops_working(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    async with (
        signed_in(app, core, unit, Role.ORGANIZER) as (client, boss),
        signed_in(app, core, unit, Role.ADMIN) as (admin_client, admin),
    ):
        secret = await _make_token(app, client, "read")
        from campaigns import people

        await people.set_role(
            core, actor_id=admin.id, person_id=boss.id, role=Role.VOLUNTEER, now=factories.NOW
        )
        async with _bearer(app, secret) as api:
            assert (await api.get(f"{API}/campaigns")).status_code == 401
        assert admin_client is not None


async def test_api_without_a_token_needs_an_organizer(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    async with signed_in(app, core, unit, Role.VOLUNTEER) as (client, _):
        answer = await client.get(f"{API}/campaigns", headers={"accept-language": "en"})
        assert answer.status_code == 403
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        assert (await client.get(f"{API}/campaigns")).status_code == 200
        no_csrf = await client.post(f"{API}/campaigns", json={"title_zh": "无令牌"})
        assert no_csrf.status_code == 403  # a cookie write needs the CSRF header
        ok = await client.post(
            f"{API}/campaigns",
            json={"title_zh": "会话活动", "slug": "by-session"},
            headers={"x-csrf-token": csrf_of(app, client)},
        )
        assert ok.status_code == 201


async def test_the_api_does_what_the_console_does(app: FastAPI, core: Core, unit: UnitView) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, boss):
        c = await county(core, organizer=boss)
        secret = await _make_token(app, client, "write")
        async with _bearer(app, secret) as api:
            people = (await api.get(f"{API}/events/{c.event.id}/attendees")).json()
            assert len(people["records"]) == 8  # seven counted and the voided one
            export = await api.get(f"{API}/events/{c.event.id}/attendees.xlsx")
            book = load_workbook(io.BytesIO(export.content))
            assert book.sheetnames == ["About", "Attendees"]
            fact_id = next(
                r["fact"]["id"] for r in people["records"] if r["fact"]["status"] == "counted"
            )
            voided = await api.post(f"{API}/facts/{fact_id}/void", json={"reason": "重复"})
            assert voided.status_code == 200 and voided.json()["status"] == "void"
            again = await api.post(f"{API}/facts/{fact_id}/void", json={"reason": "重复"})
            assert again.status_code == 409
            listed = await api.get(f"{API}/facts", params={"status": "void", "event": c.event.id})
            assert {r["fact"]["id"] for r in listed.json()["records"]} == {fact_id, c.voided_id}
            year = (await api.get(f"{API}/totals", params={"year": 2023})).json()
            t = (await totals.progress(core, year=2023)).totals
            assert year["progress"]["totals"]["person_times"] == t.person_times
            assert {u["unit"]["id"] for u in year["units"]} >= {c.bureau.id, c.school.id}
            role = await api.put(f"{API}/people/{c.staff[2].id}/role", json={"role": "volunteer"})
            assert role.status_code == 200 and role.json()["role"] == "volunteer"
            audit = (await api.get(f"{API}/audit")).json()["entries"]
            assert any("from Participant to Volunteer" in e["sentence"] for e in audit)
            bad = await api.get(f"{API}/facts", params={"status": "deleted"})
            assert bad.status_code == 422


async def test_every_read_of_the_organizer_api_answers(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    """Each GET in the OpenAPI answers 200 with the county's data (a read token)."""
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, boss):
        c = await county(core, organizer=boss)
        secret = await _make_token(app, client, "read")
    values = {
        "campaign_id": c.event.campaign_id,
        "event_id": c.event.id,
        "person_id": c.staff[0].id,
        "fact_id": c.voided_id,
        "fmt": "xlsx",
        "grouping": "unit",
        "unit_id": c.school.id,
        "code": (
            await paper.create_sheet(
                core,
                actor_id=None,
                event_id=c.event.id,
                unit_id=c.school.id,
                blank_rows=2,
                now=factories.NOW,
            )
        ).code,
    }
    paths = [
        path
        for path, item in app.openapi()["paths"].items()
        if path.startswith(API) and "get" in item
    ]
    assert len(paths) > 20
    async with _bearer(app, secret) as api:
        for path in paths:
            url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
            answer = await api.get(url)
            expected = 404 if path.endswith("/photo") else 200  # no photo file on disk here
            assert answer.status_code == expected, (url, answer.text[:300])
