"""Sessions end on the server: after sign-out, a password reset, a role change, "sign out
everywhere" and a working day idle, the old cookie is refused; roles follow the hierarchy;
sign-ins, failed sign-ins and sign-outs everywhere are audited."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from campaigns import people
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import PersonView, Role, UnitView
from storage.models import AuditEntry
from tests import factories
from tests.factories import NOW
from tests.web.conftest import BASE, Page, post_form

PASSWORD = "correct horse battery"


@asynccontextmanager
async def browser(app: FastAPI, cookie: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        c.cookies.set("gt_lang", "en")
        if cookie is not None:
            c.cookies.set("gt_session", cookie)
        yield c


async def account(core: Core, unit: UnitView, login: str, role: Role) -> PersonView:
    return await people.create_user(
        core, login=login, password=PASSWORD, name=login, role=role, unit_id=unit.id, now=NOW
    )


async def sign_in(client: httpx.AsyncClient, login: str) -> str:
    response = await post_form(
        client, "/signin", {"login": login, "password": PASSWORD, "next": "/me"}, follow=False
    )
    assert response.status_code == 303, response.text
    return str(client.cookies.get("gt_session"))


async def opens_console(app: FastAPI, cookie: str) -> bool:
    async with browser(app, cookie) as client:
        response = await client.get("/console", follow_redirects=False)
    return response.status_code == 200


async def audit(core: Core, action: str) -> list[dict[str, Any]]:
    async with core.read_bulk() as conn:
        rows = (
            (await conn.execute(select(AuditEntry.__table__).where(AuditEntry.action == action)))
            .mappings()
            .all()
        )
    return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]


async def test_sign_out_ends_that_session(app: FastAPI, core: Core, unit: UnitView) -> None:
    await account(core, unit, "chief", Role.ORGANIZER)
    async with browser(app) as client, browser(app) as other:
        cookie = await sign_in(client, "chief")
        second = await sign_in(other, "chief")  # the same person on another computer
        assert await opens_console(app, cookie)
        signout = await post_form(client, "/signout", {}, from_page=await _page(client))
        assert signout.status_code == 200
        assert "gt_session" not in client.cookies
    assert not await opens_console(app, cookie)  # a copy of the cookie is refused too
    assert await opens_console(app, second)  # the other session goes on
    sign_ins = await audit(core, "sign_in")
    assert len(sign_ins) == 2 and sign_ins[0]["detail"]["method"] == "password"


async def _page(client: httpx.AsyncClient) -> Page:
    """A page with a form (its CSRF token) for this client."""
    response = await client.get("/signin")
    return Page(response.status_code, response.text)


async def test_a_password_reset_ends_every_session(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    await account(core, unit, "chief", Role.ORGANIZER)
    async with browser(app) as client:
        cookie = await sign_in(client, "chief")
    assert await opens_console(app, cookie)
    await people.create_user(
        core,
        login="chief",
        password="a new long password",
        name="chief",
        role=Role.ORGANIZER,
        now=NOW,
        reset=True,
    )
    assert not await opens_console(app, cookie)
    async with browser(app, cookie) as client:
        me = await client.get("/console", follow_redirects=False)
    assert "gt_session=" in me.headers.get("set-cookie", "")  # the dead cookie is dropped


async def test_a_role_change_ends_every_session(app: FastAPI, core: Core, unit: UnitView) -> None:
    admin = await account(core, unit, "boss", Role.ADMIN)
    chief = await account(core, unit, "chief", Role.ORGANIZER)
    async with browser(app) as client:
        cookie = await sign_in(client, "chief")
    assert await opens_console(app, cookie)
    await people.set_role(core, actor_id=admin.id, person_id=chief.id, role=Role.ORGANIZER, now=NOW)
    assert not await opens_console(app, cookie)  # even the same role again: signed anew
    async with browser(app) as client:
        assert await opens_console(app, await sign_in(client, "chief"))


async def test_sign_out_everywhere(app: FastAPI, core: Core, unit: UnitView) -> None:
    await account(core, unit, "chief", Role.ORGANIZER)
    async with browser(app) as laptop, browser(app) as phone:
        first = await sign_in(laptop, "chief")
        await sign_in(phone, "chief")
        response = await post_form(
            phone, "/signout/everywhere", {}, from_page=await _page(phone), follow=False
        )
        assert response.status_code == 303
    assert not await opens_console(app, first)
    (entry,) = await audit(core, "sign_out_everywhere")
    assert entry["detail"]["sessions"] == 2


async def test_a_working_day_idle_ends_a_session(app: FastAPI, core: Core, unit: UnitView) -> None:
    await account(core, unit, "chief", Role.ORGANIZER)
    async with browser(app) as client:
        cookie = await sign_in(client, "chief")
    for hours in (4, 8, 11.5, 23):  # each request keeps it alive for another day
        app.state.web.clock = lambda hours=hours: NOW + timedelta(hours=hours)
        assert await opens_console(app, cookie)
    app.state.web.clock = lambda: NOW + timedelta(hours=23 + 12.5)
    assert not await opens_console(app, cookie)


async def test_cookies_last_no_longer_than_a_month(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    await account(core, unit, "chief", Role.ORGANIZER)
    async with browser(app) as client:
        response = await post_form(
            client, "/signin", {"login": "chief", "password": PASSWORD}, follow=False
        )
    cookie = next(c for c in response.headers.get_list("set-cookie") if "gt_session=" in c)
    assert "Max-Age=2592000" in cookie


async def test_failed_sign_ins_are_audited(app: FastAPI, core: Core, unit: UnitView) -> None:
    await account(core, unit, "chief", Role.ORGANIZER)
    async with browser(app) as client:
        response = await post_form(client, "/signin", {"login": "Chief", "password": "wrong"})
    assert response.status_code == 401
    (entry,) = await audit(core, "sign_in_failed")
    assert entry["target"] == "login:chief" and entry["detail"]["address"]
    assert "wrong" not in json.dumps(entry, default=str)  # never the password


@pytest.mark.parametrize(
    ("actor_role", "target_role", "new_role", "allowed"),
    [
        (Role.ORGANIZER, Role.ADMIN, Role.PARTICIPANT, False),  # the demotion
        (Role.ORGANIZER, Role.ORGANIZER, Role.PARTICIPANT, False),  # a peer
        (Role.ORGANIZER, Role.VOLUNTEER, Role.ORGANIZER, True),
        (Role.ORGANIZER, Role.PARTICIPANT, Role.ADMIN, False),  # above the actor's own
        (Role.ADMIN, Role.ORGANIZER, Role.VOLUNTEER, True),
        (Role.ADMIN, Role.ADMIN, Role.ORGANIZER, False),
        (Role.VOLUNTEER, Role.PARTICIPANT, Role.VOLUNTEER, False),
    ],
)
async def test_roles_follow_the_hierarchy(
    core: Core, actor_role: Role, target_role: Role, new_role: Role, allowed: bool
) -> None:
    unit = await factories.unit(core)
    actor = await factories.person(core, unit, role=actor_role)
    target = await factories.person(core, unit, role=target_role)
    call = people.set_role(core, actor_id=actor.id, person_id=target.id, role=new_role, now=NOW)
    if allowed:
        assert (await call).role is new_role
        return
    with pytest.raises(Refused) as exc:
        await call
    assert exc.value.reason is Reason.NOT_ALLOWED
    assert (await people.get_person(core, target.id)).role is target_role


async def test_exports_are_audited(app: FastAPI, core: Core, unit: UnitView) -> None:
    chief = await account(core, unit, "chief", Role.ORGANIZER)
    async with browser(app) as client:
        await sign_in(client, "chief")
        params = {"start": "2023-01-01", "end": "2023-12-31"}
        for path in ("/console/exports/facts.csv", "/console/exports/greentally.xlsx"):
            assert (await client.get(path, params=params)).status_code == 200
    entries = await audit(core, "export")
    assert [(e["actor_id"], e["target"]) for e in entries] == [
        (chief.id, "console:facts.csv"),
        (chief.id, "console:greentally.xlsx"),
    ]
    assert entries[0]["detail"]["start"] == "2023-01-01" and entries[0]["detail"]["rows"] == 0
