"""Every organizer page and API answers 403 to participants and volunteers; every volunteer
page answers 403 to participants. The route table is walked, so a new route is covered."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI

from campaigns.core import Core
from campaigns.results import Role, UnitView
from tests.console.helpers import csrf_of, signed_in
from web.routes.console.common import require_organizer, require_volunteer


def _depends_on(dependant: Any, target: Any) -> bool:
    return any(d.call is target or _depends_on(d, target) for d in dependant.dependencies)


def all_routes(routes: list[Any]) -> list[Any]:
    """Every endpoint with its full path and dependencies, through included routers (FastAPI
    keeps those as lazy branches that expose `effective_candidates()`)."""
    out: list[Any] = []
    for route in routes:
        if hasattr(route, "effective_candidates"):
            out += all_routes(route.effective_candidates())
        elif getattr(route, "dependant", None) is not None and getattr(route, "methods", None):
            out.append(route)
    return out


def guarded_routes(app: FastAPI) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {"organizer": [], "volunteer": []}
    for route in all_routes(app.routes):
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted(route.methods - {"HEAD"}):
            if _depends_on(route.dependant, require_organizer):
                out["organizer"].append((method, path))
            elif _depends_on(route.dependant, require_volunteer):
                out["volunteer"].append((method, path))
    return out


def test_every_console_and_scanner_route_is_guarded(app: FastAPI) -> None:
    guarded = guarded_routes(app)
    routes = all_routes(app.routes)
    assert len(routes) > 60  # the whole app, not one router
    for route in routes:
        if route.path.startswith(("/console", "/screen")):
            assert _depends_on(route.dependant, require_organizer), route.path
        if route.path.startswith("/scanner"):
            assert _depends_on(route.dependant, require_volunteer), route.path
    assert len(guarded["organizer"]) >= 30 and len(guarded["volunteer"]) >= 7


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.VOLUNTEER])
async def test_organizer_routes_refuse(
    app: FastAPI, core: Core, unit: UnitView, role: Role
) -> None:
    routes = guarded_routes(app)["organizer"]
    async with signed_in(app, core, unit, role) as (client, _):
        token = csrf_of(app, client)
        for method, path in routes:
            response = await client.request(
                method,
                path,
                data={"csrf": token} if method == "POST" else None,
                headers={"accept-language": "en", "x-csrf-token": token},
            )
            assert response.status_code == 403, (role, method, path, response.status_code)
            assert "Only organizers can open this page." in response.text, (method, path)


async def test_volunteer_routes_refuse_participants(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    routes = guarded_routes(app)["volunteer"]
    async with signed_in(app, core, unit, Role.PARTICIPANT) as (client, _):
        token = csrf_of(app, client)
        for method, path in routes:
            response = await client.request(
                method,
                path,
                data={"csrf": token} if method == "POST" else None,
                headers={"accept-language": "en", "x-csrf-token": token},
            )
            assert response.status_code == 403, (method, path, response.status_code)
            assert "Only volunteers can do this." in response.text, (method, path)


async def test_anonymous_gets_403_not_a_page(client: Any) -> None:
    response = await client.get("/console", headers={"accept-language": "en"})
    assert response.status_code == 403 and "Sign in" in response.text


async def test_organizer_is_let_in(app: FastAPI, core: Core, unit: UnitView) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        assert (await client.get("/console")).status_code == 200
        assert (await client.get("/scanner")).status_code == 200
