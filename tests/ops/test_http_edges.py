"""The HTTP edges: HSTS on https, 413 for any body past the cap (declared or streamed), 431
for oversized headers, a request id on every answer, one log line per request and per
error (JSON when asked), and /metrics for Prometheus."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import func, select

from campaigns import catalog, checkin
from campaigns.core import Core
from campaigns.results import Role, UnitView
from campaigns.settings import Settings
from greentally.logs import configure_logging
from storage.models import Fact
from tests import factories
from tests.console.helpers import csrf_of, signed_in
from tests.factories import NOW
from tests.web.conftest import BASE, Page, post_form
from web.app import create_app


def client_for(app: FastAPI, address: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=BASE)


async def test_hsts_only_on_https(
    core: Core, settings: Settings, client: httpx.AsyncClient
) -> None:
    assert "strict-transport-security" not in (await client.get("/")).headers
    https = create_app(core, settings.model_copy(update={"public_url": "https://gt.example.cn"}))
    async with client_for(https) as secure:
        answer = await secure.get("/")
    assert answer.headers["strict-transport-security"] == "max-age=31536000"


PART = b'--xyz\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n\r\n'


async def _chunks(total: int, first: bytes = b"", size: int = 1024 * 1024) -> AsyncIterator[bytes]:
    """A body streamed in chunks (no declared length), starting with `first`."""
    yield first
    sent = 0
    while sent < total:
        yield b"a" * size
        sent += size


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/signin", "application/x-www-form-urlencoded"),
        ("/e/somecode", "application/x-www-form-urlencoded"),
        ("/api/v1/people", "application/json"),
        ("/api/v1/trips/photo", "multipart/form-data; boundary=xyz"),
        ("/log/trip", "multipart/form-data; boundary=xyz"),
    ],
)
async def test_a_body_past_the_cap_is_413_streamed_or_declared(
    client: httpx.AsyncClient, path: str, kind: str
) -> None:
    client.cookies.set("gt_lang", "en")
    streamed = await client.post(
        path,
        content=_chunks(100 * 1024 * 1024, PART if "multipart" in kind else b""),
        headers={"content-type": kind},
    )
    declared = await client.post(
        path,
        content=b"a=b",
        headers={"content-type": kind, "content-length": str(200 * 1024 * 1024)},
    )
    for answer in (streamed, declared):
        assert answer.status_code == 413, (path, answer.status_code)
        assert "too large" in answer.text


async def test_a_form_field_past_starlettes_cap_is_413(client: httpx.AsyncClient) -> None:
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="notes"\r\n\r\n'
        + b"n" * (2 * 1024 * 1024)
        + b"\r\n--xyz--\r\n"
    )
    answer = await client.post(
        "/log/trip", content=body, headers={"content-type": "multipart/form-data; boundary=xyz"}
    )
    assert answer.status_code == 413


async def test_oversized_headers_are_refused_in_words(client: httpx.AsyncClient) -> None:
    page = await client.get(
        "/", headers={"cookie": "junk=" + "x" * 1024 * 1024, "accept-language": "en"}
    )
    assert page.status_code == 431 and "Clear this site" in page.text
    api = await client.get("/api/v1/campaigns", headers={"x-junk": "y" * 20_000})
    assert api.status_code == 431 and api.json()["reason"] == "headers_too_large"
    assert (await client.get("/", headers={"cookie": "a=" + "x" * 2000})).status_code == 200


async def test_every_answer_has_a_request_id(client: httpx.AsyncClient) -> None:
    mine = await client.get("/", headers={"x-request-id": "proxy-abc.123"})
    assert mine.headers["x-request-id"] == "proxy-abc.123"
    made = await client.get("/", headers={"x-request-id": "bad id with spaces"})
    assert len(made.headers["x-request-id"]) == 16


@contextmanager
def logged(fmt: str) -> Iterator[io.StringIO]:
    """Logging configured as `serve` does, into a buffer; the test's own restored after."""
    root, out = logging.getLogger(), io.StringIO()
    saved = root.handlers[:], root.level
    configure_logging(fmt=fmt, level="info", stream=out)
    try:
        yield out
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


async def test_one_json_line_per_request_and_per_error(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    with logged("json") as out:
        async with client_for(app) as client:
            ok = await client.get("/api/v1/campaigns")

            async def broken(*args: object, **kwargs: object) -> None:
                raise RuntimeError("disk on fire")

            monkeypatch.setattr(catalog, "list_campaigns", broken)
            crash = await client.get("/api/v1/campaigns")
    assert crash.status_code == 500
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line]
    access = [e for e in lines if e["logger"] == "greentally.access"]
    assert [(e["route"], e["status"]) for e in access] == [
        ("/api/v1/campaigns", 200),
        ("/api/v1/campaigns", 500),
    ]
    assert access[0]["request_id"] == ok.headers["x-request-id"]
    (error,) = [e for e in lines if e["level"] == "error"]
    assert error["request_id"] == crash.headers["x-request-id"] and "disk on fire" in error["error"]


async def test_text_log_lines_carry_the_request_id(app: FastAPI) -> None:
    with logged("text") as out:
        async with client_for(app) as client:
            answer = await client.get("/healthz")
    (line,) = [x for x in out.getvalue().splitlines() if "greentally.access" in x]
    assert f"[{answer.headers['x-request-id']}] GET /healthz 200" in line


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_count_what_was_written(
    app: FastAPI, core: Core, unit: UnitView, settings: Settings
) -> None:
    event = await factories.event(core)
    staff = [await factories.person(core, unit) for _ in range(3)]
    async with signed_in(app, core, unit, Role.VOLUNTEER) as (client, volunteer):
        headers = {"x-csrf-token": csrf_of(app, client)}
        for person in staff:  # the door's API
            scan = await client.post(
                f"/api/v1/events/{event.code}/scans",
                json={"token": person.qr_token},
                headers=headers,
            )
            assert scan.status_code == 201
        again = await client.post(
            f"/api/v1/events/{event.code}/scans", json={"token": staff[0].qr_token}, headers=headers
        )
        assert again.status_code == 409
    async with client_for(app) as phone:  # a new phone's form post
        page = await phone.get(f"/e/{event.code}")
        posted = await post_form(
            phone,
            f"/e/{event.code}",
            {"name": "新同事", "unit_id": str(unit.id)},
            from_page=Page(page.status_code, page.text),
            follow=False,
        )
        assert posted.status_code == 303
    await checkin.check_in(
        core, code=event.code, person_id=volunteer.id, now=NOW, channel="telegram"
    )
    async with client_for(app) as local:
        text = (await local.get("/metrics")).text
    async with core.read_bulk() as conn:
        written = (
            await conn.execute(
                select(Fact.channel, func.count())
                .where(Fact.kind == "checkin")
                .group_by(Fact.channel)
            )
        ).all()
    found = samples(text)
    counted = {k[1][0][1]: v for k, v in found.items() if k[0] == "greentally_checkins_total"}
    assert counted == {channel: float(n) for channel, n in written}
    assert sum(counted.values()) == 5 and len(counted) == 3  # door, web form, bot
    routes = {dict(k[1]).get("route") for k in found if k[0] == "greentally_http_requests_total"}
    assert {"/e/{code}", "/api/v1/events/{code}/scans"} <= routes
    assert (
        found[
            (
                "greentally_http_requests_total",
                (("method", "POST"), ("route", "/api/v1/events/{code}/scans"), ("status", "409")),
            )
        ]
        == 1
    )
    assert ("greentally_writer_queue_depth", ()) in found
    assert found[("greentally_writer_batch_size_count", ())] >= 5
    assert any(k[0] == "greentally_http_request_duration_seconds_bucket" for k in found)


async def test_metrics_are_for_loopback_or_the_token(core: Core, settings: Settings) -> None:
    app = create_app(
        core, settings.model_copy(update={"metrics_token": SecretStr("s3cret-metrics-token")})
    )
    async with client_for(app, "10.0.0.7") as outside:
        assert (await outside.get("/metrics")).status_code == 404
        wrong = await outside.get("/metrics", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 404
        right = await outside.get(
            "/metrics", headers={"authorization": "Bearer s3cret-metrics-token"}
        )
        assert right.status_code == 200 and "greentally_http_requests_total" in right.text
    plain = create_app(core, settings)
    async with client_for(plain, "10.0.0.7") as outside:
        assert (
            await outside.get("/metrics", headers={"authorization": "Bearer "})
        ).status_code == 404
