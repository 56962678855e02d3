"""JSON API /api/v1: the same services, {reason, message} errors with fixed statuses."""

from __future__ import annotations

import httpx

from campaigns import codes, totals
from campaigns.core import Core
from campaigns.results import EventView, Role, UnitView
from tests import factories
from tests.factories import NOW
from tests.web.conftest import sign_in_as

KEY = "k" * 24


async def _register(client: httpx.AsyncClient, unit: UnitView, name: str = "接口用户") -> str:
    csrf = (await client.get("/api/v1/session")).json()["csrf_token"]
    response = await client.post(
        "/api/v1/people", json={"name": name, "unit_id": unit.id}, headers={"x-csrf-token": csrf}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["csrf_token"])


async def test_check_in_is_idempotent_and_errors_are_reasons(
    client: httpx.AsyncClient, core: Core, event: EventView, unit: UnitView
) -> None:
    csrf = await _register(client, unit)
    url = f"/api/v1/events/{event.code}/checkins"
    first = await client.post(url, json={"idempotency_key": KEY}, headers={"x-csrf-token": csrf})
    assert first.status_code == 201 and first.json()["repeated"] is False
    again = await client.post(url, json={"idempotency_key": KEY}, headers={"x-csrf-token": csrf})
    assert again.status_code == 201 and again.json()["repeated"] is True
    other = await client.post(url, json={}, headers={"x-csrf-token": csrf, "accept-language": "en"})
    assert other.status_code == 409
    assert other.json()["reason"] == "already_checked_in"
    assert other.json()["message"].startswith("You already checked in at")
    assert (await totals.progress(core, year=2023)).totals.person_times == 1
    missing = await client.get("/api/v1/events/nosuchcode")
    assert missing.status_code == 404 and missing.json()["reason"] == "unknown_code"


async def test_writes_need_the_csrf_header(
    client: httpx.AsyncClient, core: Core, event: EventView, unit: UnitView
) -> None:
    await _register(client, unit)
    response = await client.post(f"/api/v1/events/{event.code}/checkins", json={})
    assert response.status_code == 403 and response.json()["reason"] == "csrf_failed"
    assert (await totals.progress(core, year=2023)).totals.person_times == 0


async def test_trip_and_validation(client: httpx.AsyncClient, core: Core, unit: UnitView) -> None:
    csrf = await _register(client, unit)
    ok = await client.post(
        "/api/v1/trips",
        json={"mode": "metro", "km": 5, "day": "2023-07-12"},
        headers={"x-csrf-token": csrf},
    )
    assert ok.status_code == 201 and ok.json()["fact"]["co2_g"] > 0
    bad = await client.post(
        "/api/v1/trips",
        json={"mode": "walk", "km": 40, "day": "2023-07-12"},
        headers={"x-csrf-token": csrf},
    )
    assert bad.status_code == 422 and bad.json()["reason"] == "implausible_distance"
    malformed = await client.post("/api/v1/trips", json={"km": "x"}, headers={"x-csrf-token": csrf})
    assert malformed.status_code == 422 and malformed.json()["reason"] == "invalid_form"


async def test_door_scan_needs_a_volunteer(
    client: httpx.AsyncClient, core: Core, event: EventView, unit: UnitView
) -> None:
    guest = await factories.person(core, unit)
    csrf = await _register(client, unit)
    url = f"/api/v1/events/{event.code}/scans"
    refused = await client.post(url, json={"token": guest.qr_token}, headers={"x-csrf-token": csrf})
    assert refused.status_code == 403 and refused.json()["reason"] == "volunteer_required"
    await sign_in_as(client, core, unit, Role.VOLUNTEER, "door")
    csrf = (await client.get("/api/v1/session")).json()["csrf_token"]
    scanned = await client.post(url, json={"token": guest.qr_token}, headers={"x-csrf-token": csrf})
    assert scanned.status_code == 201 and scanned.json()["fact"]["person_id"] == guest.id
    found = await client.get("/api/v1/people", params={"query": guest.display_name})
    assert found.status_code == 200 and "qr_token" not in found.text
    # the name-search fallback: the volunteer checks in someone found by name
    walk_up = await factories.person(core, unit)
    by_name = await client.post(
        f"/api/v1/events/{event.code}/checkins/for",
        json={"person_id": walk_up.id, "idempotency_key": "door-by-name-000001"},
        headers={"x-csrf-token": csrf},
    )
    assert by_name.status_code == 201 and by_name.json()["fact"]["person_id"] == walk_up.id


async def test_rotating_code_over_api(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    event = await factories.event(core, rotating=True)
    csrf = await _register(client, unit)
    url = f"/api/v1/events/{event.code}/checkins"
    old = codes.rotating_token(core.secret, event.code, codes.current_slot(NOW) - 3)
    expired = await client.post(url, json={"scan_token": old}, headers={"x-csrf-token": csrf})
    assert expired.status_code == 410 and expired.json()["reason"] == "code_expired"
    fresh = codes.rotating_token(core.secret, event.code, codes.current_slot(NOW))
    ok = await client.post(url, json={"scan_token": fresh}, headers={"x-csrf-token": csrf})
    assert ok.status_code == 201


async def test_health_and_docs_are_self_contained(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/healthz?ready=1")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "/api/v1/trips" in docs.text
    assert "://" not in docs.text  # no CDN script, no external stylesheet
    schema = (await client.get("/openapi.json")).json()
    assert "/api/v1/events/{code}/checkins" in schema["paths"]
