"""Posters and personal QR codes decode back to the exact link or token (zxing-cpp); the
door scanner checks in once per key, decodes photos, registers walk-ins and undoes."""

from __future__ import annotations

import re

from fastapi import FastAPI
from pydantic import SecretStr

from campaigns import catalog, qr, review, totals
from campaigns.core import Core
from campaigns.results import Role, UnitView
from campaigns.settings import Settings
from tests import factories
from tests.console.helpers import csrf_of, signed_in


async def _facts_in(core: Core, event_id: int) -> int:
    return (await catalog.get_event(core, event_id=event_id)).checked_in


async def test_poster_qr_decodes_to_the_links(
    app: FastAPI, core: Core, unit: UnitView, settings: Settings
) -> None:
    event = await factories.event(core)
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        no_bot = await client.get(f"/console/events/{event.id}/poster")
        no_bot_png = await client.get(f"/console/events/{event.id}/telegram.png")
        app.state.web.settings = settings.model_copy(update={"bot_token": SecretStr("1:abc")})
        poster = await client.get(f"/console/events/{event.id}/poster")
        web_png = await client.get(f"/console/events/{event.id}/qr.png")
        tg_png = await client.get(f"/console/events/{event.id}/telegram.png")
    # A county without a bot gets no Telegram code on its posters.
    assert (
        no_bot.status_code == 200
        and "t.me" not in no_bot.text
        and "telegram.png" not in no_bot.text
    )
    assert no_bot_png.status_code == 404
    assert poster.status_code == 200
    assert f"/console/events/{event.id}/qr.png" in poster.text
    assert (
        event.title_zh in poster.text
        and event.title_en in poster.text
        and event.place in poster.text
    )
    assert f"t.me/{settings.bot_username}?start=e_{event.code}" in poster.text
    assert qr.decode(web_png.content) == [f"{settings.public_url}/e/{event.code}"]
    assert qr.decode(tg_png.content) == [
        f"https://t.me/{settings.bot_username}?start=e_{event.code}"
    ]
    assert "http" not in re.sub(
        r'(href|src)="/[^"]*"', "", poster.text.split("<body", 1)[1]
    ).replace(f"{settings.public_url}/e/{event.code}", "").replace(
        "https://t.me", ""
    )  # no external asset


async def test_personal_cards_decode_to_tokens(app: FastAPI, core: Core, unit: UnitView) -> None:
    staff = [await factories.person(core, unit) for _ in range(3)]
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        sheet = await client.get(f"/console/units/{unit.id}/cards")
        for person in staff:
            assert f"/console/people/{person.id}/qr.png" in sheet.text
            png = await client.get(f"/console/people/{person.id}/qr.png")
            assert qr.decode(png.content) == [person.qr_token]


async def test_scan_sync_is_idempotent(app: FastAPI, core: Core, unit: UnitView) -> None:
    event = await factories.event(core)
    staff = await factories.person(core, unit, name="李四")
    async with signed_in(app, core, unit, Role.VOLUNTEER) as (client, _):
        headers = {"x-csrf-token": csrf_of(app, client)}
        body = {"token": staff.qr_token, "key": "k" * 32}
        first = await client.post(f"/scanner/{event.code}/scan.json", json=body, headers=headers)
        again = await client.post(f"/scanner/{event.code}/scan.json", json=body, headers=headers)
        other = await client.post(
            f"/scanner/{event.code}/scan.json", json={**body, "key": "j" * 32}, headers=headers
        )
        forged = await client.post(f"/scanner/{event.code}/scan.json", json=body)
    assert first.json()["status"] == "ok" and first.json()["name"] == "李四"
    assert again.json()["status"] == "ok"  # the first answer, not a second fact
    assert other.json()["status"] == "already"
    assert forged.status_code == 403
    assert await _facts_in(core, event.id) == 1


async def test_photo_name_search_walk_in_and_undo(app: FastAPI, core: Core, unit: UnitView) -> None:
    event = await factories.event(core)
    staff = await factories.person(core, unit, name="王五")
    other = await factories.person(core, unit, name="赵六")
    async with signed_in(app, core, unit, Role.VOLUNTEER) as (client, volunteer):
        csrf = csrf_of(app, client)
        photo = qr.print_png(staff.qr_token, box=6)
        shot = await client.post(
            f"/scanner/{event.code}",
            data={"csrf": csrf, "idem": "p" * 20},
            files={"photo": ("qr.png", photo, "image/png")},
        )
        assert shot.status_code == 200 and "王五" in shot.text and "Checked in" in shot.text
        found = await client.get(f"/scanner/{event.code}?q=赵")
        assert f"/scanner/{event.code}/person/{other.id}" in found.text
        named = await client.post(
            f"/scanner/{event.code}/person/{other.id}", data={"csrf": csrf, "idem": "n" * 20}
        )
        assert "赵六" in named.text and "Checked in" in named.text
        walk = await client.post(
            f"/scanner/{event.code}/walkin",
            data={"csrf": csrf, "name": "孙七", "unit_id": str(unit.id), "idem": "w" * 20},
        )
        assert "孙七" in walk.text and "Checked in" in walk.text
        assert await _facts_in(core, event.id) == 3
        asked = (await client.get(f"/scanner/{event.code}/undo")).text  # undo asks, naming 孙七
        assert "孙七" in asked
        fact = re.search(r'name="fact" value="(\d+)"', asked)
        assert fact
        undone = await client.post(
            f"/scanner/{event.code}/undo", data={"csrf": csrf, "fact": fact.group(1)}
        )
        assert "Check-in undone" in undone.text and "孙七" in undone.text
        assert await _facts_in(core, event.id) == 2
        blank = await client.post(
            f"/scanner/{event.code}",
            data={"csrf": csrf},
            files={"photo": ("x.png", qr.print_png("")[:10], "image/png")},
        )
        assert blank.status_code == 422 and "No QR code found" in blank.text
    log = await review.audit_log(core, limit=10)
    undo = [e for e in log if e.action == "undo_checkin"]
    assert undo and undo[0].actor_id == volunteer.id
    assert (await totals.reconcile(core, now=factories.NOW)).ok
