"""Every action the forms take is on /api/v1 too: photo evidence, language, one-time link,
joining from Telegram, my data as CSV, and the door's walk-in, undo and rewards."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from pydantic import SecretStr

from campaigns import checkin, people, rewards, totals
from campaigns.core import Core
from campaigns.results import Channel, EventView, Role, UnitView
from campaigns.settings import Settings
from tests import factories
from tests.console.helpers import csrf_of, signed_in
from tests.factories import NOW
from tests.web.conftest import BASE
from web.app import create_app
from web.telegram_auth import sign_init_data

BOT_TOKEN = "123456:api-test-token"
DAY = "2023-07-12"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (10, 90, 40)).save(out, "JPEG")
    return out.getvalue()


def _photos(settings: Settings) -> int:
    return len(list((settings.data_dir / "evidence").rglob("*.jpg")))


def _key(n: int) -> str:
    return f"api-photo-key-{n:08d}"


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/api/v1/trips/photo", {"mode": "bike", "km": "2", "day": DAY}),
        ("/api/v1/plates/photo", {"meal": "lunch", "day": DAY}),
        ("/api/v1/service-hours/photo", {"hours": "2", "day": DAY}),
        ("/api/v1/headcounts/photo", {"heads": "9"}),
        ("/api/v1/canteen-checks/photo", {"kind": "self", "passed": "true", "day": DAY}),
    ],
)
async def test_actions_take_a_photo_as_evidence(
    *,
    app: FastAPI,
    core: Core,
    unit: UnitView,
    event: EventView,
    settings: Settings,
    path: str,
    fields: dict[str, str],
) -> None:
    extra = {"code": event.code} if "headcounts" in path else {}
    extra |= {"unit_id": str(unit.id)} if "canteen" in path else {}
    data = {**fields, **extra, "idempotency_key": _key(1)}
    async with signed_in(app, core, unit, Role.VOLUNTEER) as (client, _):
        for _ in range(2):  # sent twice: one record, one photo
            response = await client.post(
                path,
                data=data,
                files={"photo": ("a.jpg", _jpeg(), "image/jpeg")},
                headers={"x-csrf-token": csrf_of(app, client)},
            )
            assert response.status_code == 201, response.text
        if "canteen" not in path:
            assert response.json()["fact"]["evidence_path"].endswith(".jpg")
        refused = await client.post(
            path,
            data={**data, "day": "2030-01-01", "idempotency_key": _key(2)},
            files={"photo": ("b.jpg", _jpeg(), "image/jpeg")},
            headers={"x-csrf-token": csrf_of(app, client)},
        )
        # A headcount has no date to refuse; every other action refuses a future day.
        assert refused.status_code == (201 if "headcounts" in path else 422), refused.text
        not_photo = await client.post(
            path,
            data={**data, "idempotency_key": _key(3)},
            files={"photo": ("c.jpg", b"%PDF not a photo", "image/jpeg")},
            headers={"x-csrf-token": csrf_of(app, client)},
        )
        assert not_photo.status_code == 422 and not_photo.json()["reason"] == "photo_not_image"
    expected = 2 if refused.status_code == 201 else 1
    assert _photos(settings) == expected


async def _me(client: httpx.AsyncClient, unit: UnitView) -> str:
    csrf = (await client.get("/api/v1/session")).json()["csrf_token"]
    made = await client.post(
        "/api/v1/people", json={"name": "接口", "unit_id": unit.id}, headers={"x-csrf-token": csrf}
    )
    return str(made.json()["csrf_token"])


async def test_language_is_set_over_the_api(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    csrf = await _me(client, unit)
    answer = await client.put(
        "/api/v1/me/language", json={"language": "en"}, headers={"x-csrf-token": csrf}
    )
    assert answer.status_code == 200 and answer.json()["language"] == "en"
    assert client.cookies.get("gt_lang") == "en"
    (person,) = await people.search_people(core, query="接口")
    assert person.language == "en"
    wrong = await client.put(
        "/api/v1/me/language", json={"language": "fr"}, headers={"x-csrf-token": csrf}
    )
    assert wrong.status_code == 422 and wrong.json()["message"].endswith("Language.")


async def test_one_time_link_signs_in_once(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    vol = await factories.person(core, unit, role=Role.VOLUNTEER, name="链接志愿者")
    token = await people.issue_login_token(core, person_id=vol.id, now=NOW)
    csrf = (await client.get("/api/v1/session")).json()["csrf_token"]
    signed = await client.post(
        "/api/v1/session/link", json={"token": token}, headers={"x-csrf-token": csrf}
    )
    assert signed.status_code == 200 and signed.json()["strong"] is True
    assert signed.json()["person"]["id"] == vol.id
    again = await client.post(
        "/api/v1/session/link", json={"token": token}, headers={"x-csrf-token": csrf}
    )
    assert again.status_code == 404 and again.json()["reason"] == "unknown_token"


@pytest.fixture
async def tg_client(core: Core, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(core, settings.model_copy(update={"bot_token": SecretStr(BOT_TOKEN)}))
    app.state.web.clock = lambda: NOW
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        yield c


def _init_data(user_id: int) -> str:
    user = json.dumps({"id": user_id, "first_name": "Xiao", "last_name": "Li"})
    fields = {"auth_date": str(int(NOW.timestamp())), "query_id": "Q", "user": user}
    return sign_init_data(fields, bot_token=BOT_TOKEN)


async def test_a_new_telegram_user_joins_from_the_mini_app(
    tg_client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    csrf = (await tg_client.get("/api/v1/session")).json()["csrf_token"]
    headers = {"x-csrf-token": csrf, "accept-language": "en"}
    unknown = await tg_client.post(
        "/api/v1/session/telegram", json={"init_data": _init_data(501)}, headers=headers
    )
    assert unknown.status_code == 401
    assert unknown.json()["reason"] == "telegram_not_registered"
    assert "name and unit" in unknown.json()["message"]
    joined = await tg_client.post(
        "/api/v1/people/telegram",
        json={"init_data": _init_data(501), "unit_id": unit.id},
        headers=headers,
    )
    assert joined.status_code == 201 and joined.json()["person"]["display_name"] == "Xiao Li"
    assert (await people.find_by_telegram(core, 501)) is not None
    signed = await tg_client.post(
        "/api/v1/session/telegram", json={"init_data": _init_data(501)}, headers=headers
    )
    assert signed.status_code == 200 and signed.json()["strong"] is True
    # With `tma` auth alone (no cookie, no CSRF token): told to join, then joining works.
    tma = {"authorization": "tma " + _init_data(502)}
    fresh = httpx.AsyncClient(transport=tg_client._transport, base_url=BASE)
    async with fresh:
        told = await fresh.get("/api/v1/me", headers=tma)
        assert told.status_code == 401 and told.json()["reason"] == "telegram_not_registered"
        made = await fresh.post(
            "/api/v1/people/telegram", json={"name": "李", "unit_id": unit.id}, headers=tma
        )
        assert made.status_code == 201
        me = await fresh.get("/api/v1/me", headers=tma)
        assert me.status_code == 200 and me.json()["person"]["display_name"] == "李"


async def test_my_data_as_csv_has_my_facts_and_canteen_checks(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    csrf = await _me(client, unit)
    trip = {"mode": "metro", "km": 5, "day": DAY}
    logged = await client.post("/api/v1/trips", json=trip, headers={"x-csrf-token": csrf})
    assert logged.status_code == 201
    check = {"unit_id": unit.id, "kind": "self", "passed": False, "notes": "剩菜较多", "day": DAY}
    made = await client.post("/api/v1/canteen-checks", json=check, headers={"x-csrf-token": csrf})
    assert made.status_code == 201, made.text
    exported = await client.get("/api/v1/me/export.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    text = exported.text.lstrip("\ufeff")
    assert "metro" in text and "canteen_check" in text and "剩菜较多" in text
    as_json = (await client.get("/api/v1/me/export")).json()
    assert as_json["canteen_checks"][0]["notes"] == "剩菜较多"


async def test_door_answers_name_whom_it_checked_in_and_undo_and_rewards(
    app: FastAPI, core: Core, unit: UnitView, event: EventView
) -> None:
    guest = await factories.person(core, unit, name="门口扫码")
    other = await factories.event(core)
    await checkin.check_in(core, code=other.code, person_id=guest.id, now=NOW, channel=Channel.WEB)
    pen = await rewards.save_reward(core, actor_id=None, name_zh="笔", price=1, stock=3, now=NOW)
    async with signed_in(app, core, unit, Role.VOLUNTEER) as (client, _):
        headers = {"x-csrf-token": csrf_of(app, client)}
        url = f"/api/v1/events/{event.code}"
        scanned = await client.post(f"{url}/scans", json={"token": guest.qr_token}, headers=headers)
        assert scanned.status_code == 201
        assert scanned.json()["person"] == {
            "id": guest.id,
            "display_name": "门口扫码",
            "unit_name_zh": unit.name_zh,
            "unit_name_en": unit.name_en,
        }
        shown = scanned.json()["fact"]["id"]
        stale = await client.post(f"{url}/undo", params={"fact": shown + 1}, headers=headers)
        assert stale.status_code == 409 and stale.json()["reason"] == "undo_stale"
        undone = await client.post(f"{url}/undo", params={"fact": shown}, headers=headers)
        assert undone.status_code == 200 and undone.json()["fact"]["status"] == "void"
        assert undone.json()["person"]["display_name"] == "门口扫码"
        nothing = await client.post(f"{url}/undo", headers=headers)
        assert nothing.status_code == 404 and nothing.json()["reason"] == "unknown_fact"
        offered = await client.get("/api/v1/rewards")
        assert [r["id"] for r in offered.json()] == [pen.id]
        body = {"token": guest.qr_token, "idempotency_key": "redeem-key-00000001"}
        for _ in range(2):
            handed = await client.post(
                f"/api/v1/rewards/{pen.id}/redemptions", json=body, headers=headers
            )
            assert handed.status_code == 201, handed.text
            assert handed.json()["person"]["display_name"] == "门口扫码"
        assert handed.json()["repeated"] is True
        unknown = await client.post(
            f"/api/v1/rewards/{2**40}/redemptions",
            json=body | {"idempotency_key": None},
            headers=headers,
        )
        assert unknown.status_code == 422
    assert (await rewards.list_rewards(core))[0].stock == 2
    assert (await totals.progress(core, year=2023)).totals.person_times == 1


async def test_docs_list_the_new_actions(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/api/v1/trips/photo",
        "/api/v1/canteen-checks/photo",
        "/api/v1/me/language",
        "/api/v1/session/link",
        "/api/v1/people/telegram",
        "/api/v1/me/export.csv",
        "/api/v1/events/{code}/walk-ins",
        "/api/v1/events/{code}/undo",
        "/api/v1/rewards/{reward_id}/redemptions",
    ):
        assert path in paths, path
    docs = await client.get("/docs")
    assert "/api/v1/events/{code}/walk-ins" in docs.text


async def test_a_self_evaluation_of_another_canteen_is_refused_over_the_api(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    other = await factories.unit(core, canteen=True)
    csrf = await _me(client, unit)
    check = {"unit_id": other.id, "kind": "self", "passed": True, "day": DAY}
    refused = await client.post(
        "/api/v1/canteen-checks", json=check, headers={"x-csrf-token": csrf}
    )
    assert refused.status_code == 403 and refused.json()["reason"] == "not_own_canteen"
    assert (await totals.canteen_rates(core, year=2023)).self_evaluated == 0
