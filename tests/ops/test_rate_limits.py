"""Rate limits (the `limits` library, Redis when configured): event-code guessing, the API,
registrations and sign-in answer 429 with Retry-After; a locked login still lets its owner
in with a one-time link; two instances on one Redis count together."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from campaigns import people
from campaigns.core import Core
from campaigns.results import Role, UnitView
from campaigns.settings import Settings
from tests import factories
from tests.factories import NOW
from tests.machine_redis import redis_or_skip
from tests.web.conftest import BASE, Page, post_form
from web.app import create_app

REDIS_URL = "redis://127.0.0.1:6379/12"


def make_app(core: Core, settings: Settings, **limits: str) -> FastAPI:
    app = create_app(core, settings.model_copy(update=limits))
    app.state.web.clock = lambda: NOW
    return app


@asynccontextmanager
async def phone(app: FastAPI, address: str = "10.1.1.1") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        client.cookies.set("gt_lang", "en")
        yield client


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["retry-after"]) <= 15 * 60


async def test_guessing_event_codes_runs_into_the_limit(core: Core, settings: Settings) -> None:
    event = await factories.event(core)
    app = make_app(core, settings, rate_code_misses="5 per 10 minutes")
    async with phone(app) as guesser, phone(app, "10.9.9.9") as other:
        for i in range(5):
            assert (await guesser.get(f"/e/guess{i}")).status_code == 404
        assert (await guesser.get(f"/api/v1/events/guess{i}")).status_code == 429
        real = await guesser.get(f"/e/{event.code}")
        assert_limited(real)  # past the budget even a right code tells the guesser nothing
        assert "Too many requests" in real.text
        assert (await other.get(f"/e/{event.code}")).status_code == 200  # others unaffected


async def test_the_api_is_limited_per_caller(core: Core, settings: Settings) -> None:
    app = make_app(core, settings, rate_api="5 per minute")
    async with phone(app) as client, phone(app, "10.2.2.2") as other:
        for _ in range(5):
            assert (await client.get("/api/v1/campaigns")).status_code == 200
        limited = await client.get("/api/v1/campaigns")
        assert_limited(limited)
        assert limited.json()["reason"] == "too_many_requests"
        assert (await other.get("/api/v1/campaigns")).status_code == 200


async def test_registrations_are_limited_per_address(
    core: Core, settings: Settings, unit: UnitView
) -> None:
    app = make_app(core, settings, rate_registration="3 per 10 minutes")
    answers = []
    for i in range(4):
        async with phone(app) as client:
            page = await client.get("/api/v1/session")
            headers = {"x-csrf-token": page.json()["csrf_token"]}
            body = {"name": f"新人{i}", "unit_id": unit.id}
            answers.append(await client.post("/api/v1/people", json=body, headers=headers))
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert_limited(answers[-1])


async def test_a_locked_login_still_lets_its_owner_in_by_link(
    core: Core, settings: Settings, unit: UnitView
) -> None:
    app = make_app(core, settings, rate_sign_in_login="4 per 15 minutes")
    owner = await people.create_user(
        core,
        login="chief",
        password="right password 1",
        name="chief",
        role=Role.ORGANIZER,
        unit_id=unit.id,
        now=NOW,
    )
    for i in range(4):  # a guesser rotating addresses
        async with phone(app, f"10.3.3.{i}") as guesser:
            await post_form(guesser, "/signin", {"login": "chief", "password": "guess"})
    async with phone(app, "10.4.4.4") as client:
        refused = await post_form(
            client, "/signin", {"login": "chief", "password": "right password 1"}
        )
        assert_limited(refused)
        assert "send /login to the bot" in refused.text
        token = await people.issue_login_token(core, person_id=owner.id, now=NOW)
        page = await client.get(f"/signin/link/{token}")
        assert page.status_code == 200
        signed = await post_form(
            client, "/signin/link", {"token": token}, from_page=Page(200, page.text)
        )
        assert signed.status_code == 200 and signed.url.path == "/console"  # an organizer


async def test_forwarded_for_is_not_believed_by_default(core: Core, settings: Settings) -> None:
    """Behind no configured proxy, X-Forwarded-For changes nobody's address: rotating it does
    not dodge the per-address limit (uvicorn applies the trusted proxies; see test_serve)."""
    app = make_app(core, settings, rate_code_misses="3 per 10 minutes")
    async with phone(app, "127.0.0.1") as client:
        for i in range(3):
            headers = {"x-forwarded-for": f"203.0.113.{i}"}
            assert (await client.get(f"/e/nope{i}", headers=headers)).status_code == 404
        assert_limited(await client.get("/e/nope", headers={"x-forwarded-for": "203.0.113.99"}))


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    async with redis_or_skip(REDIS_URL):
        yield REDIS_URL


async def test_instances_count_together_in_redis(
    core: Core, settings: Settings, unit: UnitView, redis_url: str
) -> None:
    login = f"shared{uuid.uuid4().hex[:8]}"
    await people.create_user(
        core,
        login=login,
        password="right password 1",
        name=login,
        role=Role.ORGANIZER,
        unit_id=unit.id,
        now=NOW,
    )
    a, b = (make_app(core, settings, redis_url=redis_url) for _ in "ab")
    async with phone(a, "10.5.5.5") as on_a, phone(b, "10.5.5.5") as on_b:
        for client in (on_a, on_b, on_a, on_b, on_a):  # five wrong, spread over two instances
            bad = await post_form(client, "/signin", {"login": login, "password": "guess"})
            assert bad.status_code == 401
        assert_limited(await post_form(on_b, "/signin", {"login": login, "password": "x"}))
