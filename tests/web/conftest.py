"""Web fixtures: the real app over the real core (tests/conftest.py), driven through httpx."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from campaigns import people
from campaigns.core import Core
from campaigns.results import EventView, PersonView, Role, UnitView
from campaigns.settings import Settings
from tests import factories
from tests.factories import NOW
from web.app import create_app

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def app(core: Core, settings: Settings) -> FastAPI:
    application = create_app(core, settings)
    application.state.web.clock = lambda: NOW
    return application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
        yield c


@pytest.fixture
async def unit(core: Core) -> UnitView:
    return await factories.unit(core, canteen=True)


@pytest.fixture
async def event(core: Core) -> EventView:
    return await factories.event(core)


@dataclass
class Page:
    status: int
    text: str

    def field(self, name: str) -> str:
        match = re.search(rf'name="{name}" value="([^"]*)"', self.text)
        assert match, f"no field {name} in page"
        return match.group(1)


async def get(client: httpx.AsyncClient, url: str) -> Page:
    response = await client.get(url, follow_redirects=True)
    return Page(response.status_code, response.text)


async def post_form(
    client: httpx.AsyncClient,
    url: str,
    data: dict[str, str],
    *,
    from_page: Page | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    follow: bool = True,
) -> httpx.Response:
    """Post a form as a browser would: with the page's CSRF token (and idem key if any)."""
    page = from_page or await get(client, url)
    fields = {"csrf": page.field("csrf")}
    if 'name="idem"' in page.text:
        fields["idem"] = page.field("idem")
    fields.update(data)
    return await client.post(url, data=fields, files=files, follow_redirects=follow)


async def sign_in_as(
    client: httpx.AsyncClient, core: Core, unit: UnitView, role: Role, login: str
) -> PersonView:
    """A volunteer or organizer with a password, signed in through the real form."""
    person = await people.create_user(
        core,
        login=login,
        password="correct horse battery",
        name=f"{login} 测试",
        role=role,
        unit_id=unit.id,
        now=NOW,
    )
    response = await post_form(
        client, "/signin", {"login": login, "password": "correct horse battery", "next": "/me"}
    )
    assert response.status_code == 200, response.text
    return person
