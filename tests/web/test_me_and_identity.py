"""Me page, exports, deletion, sign-in (password, one-time link, Telegram initData)."""

from __future__ import annotations

import csv
import io
import json
import time

import httpx
import pytest
from fastapi import FastAPI

from campaigns import people, qr, totals
from campaigns.core import Core
from campaigns.results import EventView, Role, UnitView
from campaigns.settings import Settings
from tests.factories import NOW
from tests.web.conftest import BASE, get, post_form
from web.telegram_auth import InitDataRefused, check_init_data, sign_init_data

BOT_TOKEN = "123456:TEST-token-for-initdata"


async def _check_in(client: httpx.AsyncClient, event: EventView, unit: UnitView, name: str) -> None:
    response = await post_form(client, f"/e/{event.code}", {"name": name, "unit_id": str(unit.id)})
    assert response.url.path == "/done", response.text


async def test_me_page_exports_and_qr(
    client: httpx.AsyncClient, core: Core, event: EventView, unit: UnitView
) -> None:
    await _check_in(client, event, unit, "王小明")
    me = await client.get("/me")
    assert me.status_code == 200 and "王小明" in me.text and "活动签到" in me.text
    code = await client.get("/me/qr.png")
    assert code.headers["content-type"] == "image/png"
    person_id = int(json.loads((await client.get("/me/export.json")).text)["person"]["id"])
    person = await people.get_person(core, person_id)
    assert qr.decode(code.content) == [person.qr_token]
    rows = list(
        csv.DictReader(io.StringIO((await client.get("/me/export.csv")).text.lstrip("\ufeff")))
    )
    assert len(rows) == 1 and rows[0]["kind"] == "checkin"


async def test_delete_keeps_totals_and_forgets_the_phone(
    client: httpx.AsyncClient, core: Core, event: EventView, unit: UnitView
) -> None:
    await _check_in(client, event, unit, "删除我")
    unconfirmed = await post_form(client, "/me/delete", {})
    assert unconfirmed.status_code == 422
    response = await post_form(client, "/me/delete", {"confirm": "yes"})
    assert response.status_code == 200 and "账号已删除" in response.text
    assert (await client.get("/me", follow_redirects=False)).status_code == 303
    progress = await totals.progress(core, year=2023)
    assert progress.totals.person_times == 1  # the fact stays, anonymised
    assert not await people.search_people(core, query="删除我")


async def test_not_you_forgets_the_phone(
    client: httpx.AsyncClient, event: EventView, unit: UnitView
) -> None:
    await _check_in(client, event, unit, "甲")
    page = await get(client, f"/e/{event.code}")
    assert 'name="name"' not in page.text
    await post_form(client, "/forget", {"next": f"/e/{event.code}"}, from_page=page)
    assert 'name="name"' in (await get(client, f"/e/{event.code}")).text


async def test_name_with_html_is_text(
    client: httpx.AsyncClient, event: EventView, unit: UnitView
) -> None:
    await _check_in(client, event, unit, "<script>alert(1)</script>")
    me = await client.get("/me")
    assert "<script>alert(1)</script>" not in me.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in me.text


async def test_password_sign_in_is_rate_limited(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await people.create_user(
        core,
        login="org",
        password="right password 1",
        name="组织者",
        role=Role.ORGANIZER,
        unit_id=unit.id,
        now=NOW,
    )
    for _ in range(5):
        bad = await post_form(client, "/signin", {"login": "org", "password": "wrong"})
        assert bad.status_code == 401 and "账号或密码不正确" in bad.text
    blocked = await post_form(client, "/signin", {"login": "org", "password": "right password 1"})
    assert blocked.status_code == 429


async def test_sign_in_limits_lock_the_guesser_not_the_office(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    """Colleagues behind one office address mistyping their own logins do not lock each
    other out; a stranger who guesses one login locks only that login at their address,
    and never its owner elsewhere below the login's own limit."""
    for login in ("org", "vol"):
        await people.create_user(
            core,
            login=login,
            password="right password 1",
            name=login,
            role=Role.ORGANIZER,
            unit_id=unit.id,
            now=NOW,
        )

    def phone(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url=BASE)

    async with phone("10.0.0.1") as office, phone("10.0.0.2") as home:
        for i in range(40):  # forty colleagues, one typo each, one office address
            bad = await post_form(office, "/signin", {"login": f"staff{i}", "password": "x"})
            assert bad.status_code == 401
        ok = await post_form(office, "/signin", {"login": "vol", "password": "right password 1"})
        assert ok.status_code == 200 and ok.url.path == "/console"  # an organizer lands there
        for _ in range(5):  # a guesser at the office
            await post_form(office, "/signin", {"login": "org", "password": "guess"})
        locked = await post_form(
            office, "/signin", {"login": "org", "password": "right password 1"}
        )
        assert locked.status_code == 429 and "15" in locked.text
        owner = await post_form(home, "/signin", {"login": "org", "password": "right password 1"})
        assert owner.status_code == 200 and owner.url.path == "/console"


async def test_cookies_are_httponly_lax_and_secure_on_https(
    core: Core, settings: Settings, unit: UnitView
) -> None:
    from web.app import create_app

    secure = settings.model_copy(update={"public_url": "https://tally.example.gov.cn"})
    app = create_app(core, secure)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://tally.example.gov.cn") as c:
        page = await c.get("/join")
        csrf_cookie = page.headers["set-cookie"]
        assert (
            "HttpOnly" in csrf_cookie and "SameSite=Lax" in csrf_cookie and "Secure" in csrf_cookie
        )
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        joined = await c.post("/join", data={"csrf": csrf, "name": "安全", "unit_id": str(unit.id)})
        session = joined.headers["set-cookie"].lower()
        assert "gt_session=" in session and "httponly" in session
        assert "samesite=lax" in session and "secure" in session


async def test_one_time_link_is_not_spent_by_a_preview(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    vol = await people.create_user(
        core,
        login="v2",
        password="pw pw pw pw",
        name="志愿者",
        role=Role.VOLUNTEER,
        unit_id=unit.id,
        now=NOW,
    )
    token = await people.issue_login_token(core, person_id=vol.id, now=NOW)
    preview = await get(client, f"/signin/link/{token}")  # a chat app building a preview
    assert preview.status == 200
    response = await post_form(client, "/signin/link", {"token": token}, from_page=preview)
    assert response.url.path == "/me" and "志愿者" in response.text
    assert (await client.get("/log/service")).status_code == 200
    again = await post_form(client, "/signin/link", {"token": token}, from_page=preview)
    assert again.status_code == 404


# Telegram initData -------------------------------------------------------------------


def _init_data(user_id: int, *, auth_date: int, token: str = BOT_TOKEN) -> str:
    user = json.dumps({"id": user_id, "first_name": "Xiao", "last_name": "Wang"})
    return sign_init_data(
        {"auth_date": str(auth_date), "query_id": "AAA", "user": user}, bot_token=token
    )


def test_init_data_valid_forged_and_stale() -> None:
    now = time.time()

    def check(data: str) -> int:
        return check_init_data(data, bot_token=BOT_TOKEN, now=now, max_age=3600).id

    good = _init_data(42, auth_date=int(now) - 10)
    assert check(good) == 42
    with pytest.raises(InitDataRefused):
        check(_init_data(42, auth_date=int(now), token="999:other"))
    with pytest.raises(InitDataRefused):  # a field changed after signing
        check(good.replace("query_id=AAA", "query_id=AAB"))
    with pytest.raises(InitDataRefused):
        check(_init_data(42, auth_date=int(now) - 7200))


async def test_mini_app_sign_in_and_join(core: Core, settings: Settings, unit: UnitView) -> None:
    from pydantic import SecretStr

    from web.app import create_app

    app = create_app(core, settings.model_copy(update={"bot_token": SecretStr(BOT_TOKEN)}))
    app.state.web.clock = lambda: NOW
    now = int(NOW.timestamp())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
    ) as c:
        page = await get(c, "/tg")
        stale = await post_form(
            c, "/tg", {"init_data": _init_data(77, auth_date=now - 90000)}, from_page=page
        )
        assert stale.status_code == 401
        forged = await post_form(
            c, "/tg", {"init_data": _init_data(77, auth_date=now, token="1:x")}, from_page=page
        )
        assert forged.status_code == 401
        joining = await post_form(
            c, "/tg", {"init_data": _init_data(77, auth_date=now)}, from_page=page
        )
        assert joining.status_code == 200 and 'value="Xiao Wang"' in joining.text
        form_page = type(page)(joining.status_code, joining.text)
        done = await post_form(
            c,
            "/tg/join",
            {"telegram": form_page.field("telegram"), "name": "王小", "unit_id": str(unit.id)},
            from_page=form_page,
        )
        assert done.url.path == "/me"
        assert (await people.find_by_telegram(core, 77)) is not None
        api = await c.get(
            "/api/v1/me", headers={"authorization": "tma " + _init_data(77, auth_date=now)}
        )
        assert api.status_code == 200 and api.json()["person"]["display_name"] == "王小"
        bad = await c.get(
            "/api/v1/me", headers={"authorization": "tma " + _init_data(77, auth_date=now - 90000)}
        )
        assert bad.status_code == 401 and bad.json()["reason"] == "init_data_stale"
