"""The callback and the OAuth sign-in through the web app (httpx over ASGI), with the door
wired as `serve` wires it, against the loopback fake WeCom API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from campaigns.core import Core
from campaigns.settings import Settings
from greentally.app import build_application
from tests import factories as f
from tests.wecom.conftest import AES_KEY, CRYPTO, TOKEN, poster_url, scan_event, sealed
from tests.wecom.fake_wecom import FakeWeCom
from wecom.crypto import WeComCrypto
from wecom.door import WeComDoor


@pytest.fixture
async def app(core: Core, wecom_settings: Settings) -> AsyncIterator[FastAPI]:
    made = build_application(wecom_settings, core)
    door: WeComDoor = made.state.wecom
    door.clock = lambda: f.NOW
    async with made.router.lifespan_context(made):
        yield made


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        yield c


async def post(client: httpx.AsyncClient, query: dict[str, str], body: bytes) -> httpx.Response:
    return await client.post("/wecom/callback", params=query, content=body)


async def test_url_verification_answers_the_plain_echostr(client: httpx.AsyncClient) -> None:
    stamp, nonce = str(int(time.time())), "12345"
    echo = CRYPTO.encrypt(b"8123456789012345678")
    query = {
        "msg_signature": CRYPTO.signature(stamp, nonce, echo),
        "timestamp": stamp,
        "nonce": nonce,
        "echostr": echo,
    }
    response = await client.get("/wecom/callback", params=query)
    assert response.status_code == 200
    assert response.text == "8123456789012345678"
    query["nonce"] = "54321"
    assert (await client.get("/wecom/callback", params=query)).status_code == 403


async def test_forged_foreign_and_stale_callbacks_are_refused(
    core: Core, client: httpx.AsyncClient, fake: FakeWeCom, app: FastAPI
) -> None:
    event = await f.event(core)
    fake.add_user("lisi", "李四", 7)
    query, body = sealed(scan_event("lisi", poster_url(event.code), created=1))
    forged = {**query, "msg_signature": "0" * 40}
    assert (await post(client, forged, body)).status_code == 403
    foreign = WeComCrypto(TOKEN, AES_KEY, "wwforeigncorp00000")
    assert (
        await post(client, *sealed(scan_event("lisi", "x", created=2), crypto=foreign))
    ).status_code == 403
    stale = sealed(scan_event("lisi", "x", created=3), timestamp=int(time.time()) - 3600)
    assert (await post(client, *stale)).status_code == 403
    assert (await post(client, query, b"<xml><Encrypt>bad</Encrypt></xml>")).status_code == 403
    # the genuine one goes through, once
    assert (await post(client, query, body)).status_code == 200
    door: WeComDoor = app.state.wecom
    await door.settled()
    for _ in range(50):
        if fake.messages_to("lisi"):
            break
        await asyncio.sleep(0.1)
    assert len(fake.messages_to("lisi")) == 1
    assert fake.menus and fake.menus[-1]["button"][0]["type"] == "scancode_waitmsg"


async def test_an_oauth_code_signs_in_once(
    core: Core, client: httpx.AsyncClient, fake: FakeWeCom
) -> None:
    fake.add_user("WangWu", "王五", 7)
    start = await client.get("/wecom/oauth", params={"next": "/me"})
    assert start.status_code == 302
    target = urlsplit(start.headers["location"])
    assert target.netloc == "open.weixin.qq.com"
    asked = parse_qs(target.query)
    assert asked["scope"] == ["snsapi_base"]
    assert asked["redirect_uri"] == ["http://127.0.0.1:8000/wecom/signin"]
    state = asked["state"][0]
    code = fake.issue_code("WangWu")
    back = await client.get("/wecom/signin", params={"code": code, "state": state})
    assert back.status_code == 303
    assert back.headers["location"] == "/me"
    page = await client.get("/me")
    assert page.status_code == 200
    assert "王五" in page.text
    # the same code again (a reload, a forwarded link): WeCom says 40029, we refuse in words
    client.cookies.clear()
    start = await client.get("/wecom/oauth", params={"next": "/me"})
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    again = await client.get("/wecom/signin", params={"code": code, "state": state})
    assert again.status_code == 400
    assert "已使用或已过期" in again.text
    assert "王五" not in again.text


async def test_a_page_opened_inside_wecom_goes_through_oauth(
    core: Core, client: httpx.AsyncClient
) -> None:
    event = await f.event(core)
    ua = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0 wxwork/4.1.20"
    scanned = await client.get(f"/e/{event.code}", headers={"user-agent": ua})
    assert scanned.status_code == 302
    assert scanned.headers["location"] == f"/wecom/oauth?next=%2Fe%2F{event.code}"
    plain = await client.get(f"/e/{event.code}", headers={"user-agent": "Mozilla/5.0"})
    assert plain.status_code == 200
