"""Every console action has its twin in the organizer API: the test walks the console's
routes and the OpenAPI, and fails when a console route has no operation naming it in
`x-console-twin` (or names one that does not exist), or when the twins do not call a
common core function."""

from __future__ import annotations

import inspect
import types
from typing import Any

from fastapi import FastAPI

import campaigns
from tests.console.test_route_table import all_routes

# Console routes that are printed or streamed things, not data or actions, with their reason.
NO_TWIN = {
    "GET /console/live": "a server-sent stream for the page; the API's /totals has its data",
    "GET /console/events/{event_id}/poster": "a page for the printer",
    "GET /console/events/{event_id}/telegram.png": "a part of the printed poster",
    "GET /console/people/{person_id}/qr.png": "a part of the printed card sheet",
    "GET /console/units/{unit_id}/cards": "a page for the printer",
    "GET /console/field/buildings/{building_id}/labels": "a page for the printer",
    "GET /console/field/rooms/{code}/qr.png": "a part of the printed room labels",
    "GET /console/paper/{code}/print": "a page for the printer",
}


def _console_actions(app: FastAPI) -> dict[str, Any]:
    out = {}
    for route in all_routes(app.routes):
        if not route.path.startswith("/console"):
            continue
        for method in route.methods - {"HEAD"}:
            out[f"{method} {route.path}"] = route.endpoint
    return out


def _api_twins(app: FastAPI) -> dict[str, list[Any]]:
    endpoints = {
        (method, route.path): route.endpoint
        for route in all_routes(app.routes)
        for method in route.methods
    }
    twins: dict[str, list[Any]] = {}
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            for console in operation.get("x-console-twin", []):
                twins.setdefault(console, []).append(endpoints[(method.upper(), path)])
    return twins


def test_every_console_action_has_an_api_twin(app: FastAPI) -> None:
    console = _console_actions(app)
    twins = _api_twins(app)
    assert len(console) > 40
    missing = sorted(key for key in console if key not in twins and key not in NO_TWIN)
    assert not missing, f"console actions without an API twin: {missing}"
    unknown = sorted(set(twins) - set(console))
    assert not unknown, f"x-console-twin names no console route: {unknown}"
    assert all(key in console for key in NO_TWIN), "a NO_TWIN entry names no route"


def _called_names(fn: Any, depth: int = 2) -> set[str]:
    """Names a function (and the helpers of ours it calls, two levels down) refers to."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return set()
    names: set[str] = set()
    stack = [code]
    while stack:
        c = stack.pop()
        names |= set(c.co_names)
        stack += [k for k in c.co_consts if isinstance(k, types.CodeType)]
    if depth:
        module = inspect.getmodule(fn)
        places = [module] + [
            v
            for v in vars(module).values()
            if inspect.ismodule(v) and v.__name__.startswith("web.")
        ]
        for name in list(names):
            for place in places:
                helper = getattr(place, name, None)
                if inspect.isfunction(helper) and helper.__module__.startswith("web."):
                    names |= _called_names(helper, depth - 1)
    return names


def _core_functions() -> set[str]:
    import pkgutil
    from importlib import import_module

    out = set()
    for info in pkgutil.iter_modules(campaigns.__path__):
        module = import_module(f"campaigns.{info.name}")
        out |= {
            name
            for name, value in vars(module).items()
            if inspect.iscoroutinefunction(value) and value.__module__ == module.__name__
        }
    return out


def _console_helpers() -> set[str]:
    """The console's own helpers that the API reuses (a file both build the same way)."""
    import web.routes.console as package

    out = set()
    for module in [m for m in vars(package).values() if inspect.ismodule(m)]:
        out |= {
            name
            for name, value in vars(module).items()
            if inspect.isfunction(value) and value.__module__ == module.__name__
        }
    return out


def test_twins_call_the_same_core_function(app: FastAPI) -> None:
    endpoints = {route.endpoint.__name__ for route in all_routes(app.routes)}
    core = _core_functions() | (_console_helpers() - endpoints)
    console = _console_actions(app)
    apart = {}
    for key, api_endpoints in _api_twins(app).items():
        page = _called_names(console[key]) & core
        for endpoint in api_endpoints:
            api = _called_names(endpoint) & core
            if not page & api:
                apart[key] = (sorted(page), sorted(api))
    assert not apart, apart
