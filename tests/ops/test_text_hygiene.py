"""Text hygiene: NUL, control, zero-width-only and bidi-override text sent to every API string
field (walking the OpenAPI) and every form field (walking the form routes) is refused in
words, answers no 5xx and writes nothing; strict numbers in the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from campaigns import people, text
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Role, UnitView
from storage.models import Base
from tests import factories
from tests.console.helpers import csrf_of, signed_in
from tests.console.test_route_table import all_routes

BAD = {
    "nul": "a\x00b",
    "control": "a\x07b\x1b[2J",
    "zero-width only": "\u200b\u200c\u200d\ufeff",
    "bidi override": "abc\u202edcba",
}


@pytest.mark.parametrize(
    "value",
    ["a\x00b", "\x7f", "x\x85", "\u200b", "\u2066a\u2069", "a\u202eb", "\ud800", "\u3164"],
)
def test_refused_text(value: str) -> None:
    assert text.problem(value)
    with pytest.raises(Refused) as exc:
        text.check(value)
    assert exc.value.reason is Reason.HIDDEN_CHARACTERS


@pytest.mark.parametrize(
    "value", ["", "张三", "Zoë\tand\nline", "👩\u200d👩\u200d👧 family", "a\u00a0b", "ﷺ"]
)
def test_allowed_text(value: str) -> None:
    assert not text.problem(value)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("\u200b\u200b", Reason.NAME_REQUIRED),
        ("\u0301\u0301", Reason.NAME_REQUIRED),  # combining marks alone
        ("\u3164", Reason.NAME_REQUIRED),  # the Hangul filler looks like nothing
        (" \t ", Reason.NAME_REQUIRED),
        ("李\u202e四", Reason.HIDDEN_CHARACTERS),
        ("李\x00四", Reason.HIDDEN_CHARACTERS),
    ],
)
def test_names_need_a_visible_character(name: str, reason: Reason) -> None:
    with pytest.raises(Refused) as exc:
        text.clean_name(name, max_length=40)
    assert exc.value.reason is reason
    assert text.clean_name("  李\u200d四  ", max_length=40) == "李\u200d四"


def test_queries_drop_hidden_characters() -> None:
    assert text.clean_query(" 李\x00\u202e四\u200b ") == "李四"


async def test_the_bot_door_refuses_them_too(core: Core) -> None:
    """The bot registers through the same core function: the same refusal."""
    unit = await factories.unit(core)
    for bad in BAD.values():
        with pytest.raises(Refused) as exc:
            await people.register_person(core, name=bad, unit_id=unit.id, now=factories.NOW)
        assert exc.value.reason in (Reason.HIDDEN_CHARACTERS, Reason.NAME_REQUIRED)
    assert await people.search_people(core, query="\x00") == []


# Walking the routes ------------------------------------------------------------------


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return _resolve(spec, spec["components"]["schemas"][ref.rsplit("/", 1)[1]])
    return schema


def _types(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(spec, schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return [t for o in options for t in _types(spec, o)]
    return [schema]


_SAMPLES = {"integer": 1, "number": 1.0, "boolean": True, "string": "x"}


def _sample(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A plausible value of a schema (the field under test is replaced afterwards)."""
    for option in _types(spec, schema):
        if "enum" in option or "const" in option:
            return option["enum"][0] if "enum" in option else option["const"]
        if option.get("format") == "date":
            return "2023-07-12"
        if option.get("type") in _SAMPLES:
            return _SAMPLES[option["type"]]
    return None


def _is_string(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    return any(
        t.get("type") == "string"
        and t.get("format") not in ("binary", "date")
        and "enum" not in t
        and "const" not in t
        for t in _types(spec, schema)
    )


def _api_cases(spec: dict[str, Any], code: str) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(method, path template, field, how to send it) for every string field of the API."""
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            params = op.get("parameters", [])
            path_values = {
                p["name"]: (code if "code" in p["name"] else str(_sample(spec, p["schema"])))
                for p in params
                if p["in"] == "path"
            }
            for p in params:
                if p["in"] in ("path", "query") and _is_string(spec, p["schema"]):
                    yield method, path, p["name"], {"where": p["in"], "path": path_values}
            content = op.get("requestBody", {}).get("content", {})
            for kind, media in content.items():
                schema = _resolve(spec, media["schema"])
                props = schema.get("properties", {})
                body = {k: _sample(spec, v) for k, v in props.items() if k != "photo"}
                for name, prop in props.items():
                    if _is_string(spec, prop):
                        yield (
                            method,
                            path,
                            name,
                            {
                                "where": "json" if kind == "application/json" else "form",
                                "path": path_values,
                                "body": body,
                            },
                        )


def _form_cases(app: FastAPI, code: str) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(method, path, field, how) for every form field and query of the pages' routes."""
    for route in all_routes(app.routes):
        if getattr(route, "include_in_schema", True):
            continue
        path_values = {
            p.alias: (code if "code" in p.alias else "1") for p in route.dependant.path_params
        }
        for method in sorted(route.methods - {"HEAD"}):
            for field in route.dependant.query_params:
                yield method, route.path, field.alias, {"where": "query", "path": path_values}
            for p in route.dependant.path_params:
                if p.field_info.annotation is str:
                    yield method, route.path, p.alias, {"where": "path", "path": path_values}
            fields = [f.alias for f in route.dependant.body_params if f.alias != "photo"]
            for name in fields:
                body = dict.fromkeys(fields, "x")
                yield method, route.path, name, {"where": "form", "path": path_values, "body": body}
    # The check-in post is a hot route outside FastAPI's parameter parsing.
    for name in ("name", "unit_id", "unit_q", "idem", "scan"):
        yield "POST", "/e/{code}", name, {"where": "form", "path": {"code": code}, "body": {}}


async def _counts(core: Core) -> dict[str, int]:
    async with core.read_bulk() as conn:
        return {
            t.name: int((await conn.execute(select(func.count()).select_from(t))).scalar_one())
            for t in Base.metadata.sorted_tables
        }


async def _send(
    client: httpx.AsyncClient,
    *,
    csrf: str,
    method: str,
    path: str,
    field: str,
    value: str,
    how: dict[str, Any],
) -> httpx.Response:
    values = dict(how["path"])
    query: dict[str, str] = {}
    if how["where"] == "path":
        values[field] = value
    elif how["where"] == "query":
        query[field] = value
    url = re.sub(r"{(\w+)(:\w+)?}", lambda m: quote(str(values[m.group(1)]), safe=""), path)
    headers = {"x-csrf-token": csrf}
    body = dict(how.get("body", {}))
    if how["where"] in ("json", "form"):
        body[field] = value
    if how["where"] == "json" or (
        how["where"] != "form" and url.startswith("/api/") and method != "GET"
    ):
        return await client.request(method, url, params=query, json=body, headers=headers)
    if method == "GET":
        return await client.request(method, url, params=query, headers=headers)
    form = {"csrf": csrf, **{k: str(v) for k, v in body.items()}}
    return await client.request(method, url, params=query, data=form, headers=headers)


async def test_every_field_refuses_hidden_text(app: FastAPI, core: Core, unit: UnitView) -> None:
    event = await factories.event(core)
    spec = app.openapi()
    cases = [*_api_cases(spec, event.code), *_form_cases(app, event.code)]
    assert len(cases) > 60  # the walk found the fields (a broken walk would test nothing)
    found_api = {(m, p, f) for m, p, f, h in cases if p.startswith("/api/")}
    assert ("post", "/api/v1/people", "name") in found_api
    assert ("get", "/api/v1/events/{code}", "code") in found_api
    assert any(p == "/signin" and f == "login" for _, p, f, _ in cases)
    async with signed_in(app, core, unit, Role.ADMIN) as (client, _):
        csrf = csrf_of(app, client)
        before = await _counts(core)
        failures = []
        for method, path, field, how in cases:
            for label, value in BAD.items():
                response = await _send(
                    client,
                    csrf=csrf,
                    method=method.upper(),
                    path=path,
                    field=field,
                    value=value,
                    how=how,
                )
                words = response.text
                if path.startswith("/api/") and response.status_code == 422:
                    words = response.json()["message"]
                if response.status_code != 422 or "Hidden or control characters" not in words:
                    failures.append((method, path, field, label, response.status_code))
        after = await _counts(core)
    assert failures == []
    assert after == before  # nothing written


async def test_nul_in_the_address_is_not_a_server_error(client: httpx.AsyncClient) -> None:
    for url in ("/e/a%00b", "/api/v1/events/%00", "/e/x?scan=%00", "/static/a%00b"):
        response = await client.get(url)
        assert response.status_code in (404, 422), (url, response.status_code)


@pytest.mark.parametrize(
    ("field", "value"), [("km", True), ("km", "3"), ("km", None), ("heads", 2.0)]
)
async def test_the_api_does_not_coerce_numbers(
    app: FastAPI, core: Core, unit: UnitView, field: str, value: Any
) -> None:
    async with signed_in(app, core, unit, Role.VOLUNTEER) as (client, _):
        headers = {"x-csrf-token": csrf_of(app, client)}
        before = await _counts(core)
        if field == "km":
            url, body = "/api/v1/trips", {"mode": "metro", "km": value, "day": "2023-07-12"}
        else:
            event = await factories.event(core)
            url, body = "/api/v1/headcounts", {"code": event.code, "heads": value}
        response = await client.post(url, json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["reason"] == "invalid_form"
        assert (await _counts(core))["facts"] == before["facts"]
