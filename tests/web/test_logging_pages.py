"""Logging forms over HTTP: trips with the "135" hint, photos, volunteer-only actions."""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, UploadFile
from PIL import Image
from starlette.datastructures import Headers

from campaigns import actions, people, totals
from campaigns.core import Core
from campaigns.results import EventView, Recorded, Role, UnitView
from campaigns.settings import Settings
from tests.factories import NOW
from tests.web.conftest import get, post_form, sign_in_as
from web.routes.common import with_photo


async def _join(client: httpx.AsyncClient, unit: UnitView, name: str = "王小明") -> None:
    response = await post_form(
        client, "/join", {"name": name, "unit_id": str(unit.id), "next": "/log"}
    )
    assert response.status_code == 200 and response.url.path == "/log"


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (3000, 2000), (20, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (30.0, 50.0, 0.0), 3: "E", 4: (106.0, 58.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def test_trip_answer_shows_points_co2_and_135(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await _join(client, unit)
    page = await get(client, "/log/trip")
    assert "135" in page.text
    response = await post_form(
        client, "/log/trip", {"mode": "bike", "km": "2.5", "day": "2023-07-12"}, from_page=page
    )
    assert response.status_code == 200 and response.url.path == "/done"
    balance_page = html.unescape(response.text)
    assert "获得积分" in balance_page and "减少碳排放" in balance_page
    assert "符合“135”" in balance_page
    me = await client.get("/me")
    assert "绿色出行" in me.text


async def test_implausible_trip_refused_in_words(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await _join(client, unit)
    response = await post_form(
        client, "/log/trip", {"mode": "walk", "km": "40", "day": "2023-07-12"}
    )
    assert response.status_code == 422
    assert "40 km" in html.unescape(response.text) or "40 公里" in response.text
    assert 'value="40"' in response.text  # the form keeps what was typed


async def test_photo_is_cleaned_and_gps_stripped(
    client: httpx.AsyncClient, core: Core, unit: UnitView, settings: Settings
) -> None:
    await _join(client, unit)
    files = {"photo": ("plate.jpg", _jpeg_with_gps(), "image/jpeg")}
    response = await post_form(
        client, "/log/plate", {"meal": "lunch", "day": "2023-07-12"}, files=files
    )
    assert response.status_code == 200 and response.url.path == "/done"
    stored = list((settings.data_dir / "evidence").rglob("*.jpg"))
    assert len(stored) == 1
    with Image.open(stored[0]) as image:
        assert max(image.size) == 1600
        assert not image.getexif()
        assert "exif" not in image.info


async def test_upload_that_is_not_an_image_is_refused(
    client: httpx.AsyncClient, core: Core, unit: UnitView, settings: Settings
) -> None:
    await _join(client, unit)
    files = {"photo": ("plate.jpg", b"%PDF-1.4 not a photo", "image/jpeg")}
    response = await post_form(
        client, "/log/plate", {"meal": "lunch", "day": "2023-07-12"}, files=files
    )
    assert response.status_code == 422
    assert "不是可识别的照片" in response.text
    assert (await totals.progress(core, year=2023)).totals.facts == 0
    assert not list((settings.data_dir / "evidence").rglob("*.jpg"))


async def test_too_big_upload_is_refused_with_the_limit(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await _join(client, unit)
    big = b"\xff\xd8" + b"0" * (9 * 1024 * 1024)
    files = {"photo": ("big.jpg", big, "image/jpeg")}
    response = await post_form(
        client, "/log/plate", {"meal": "lunch", "day": "2023-07-12"}, files=files
    )
    assert response.status_code == 413
    assert "照片太大，最大 8 MB" in response.text
    huge = b"0" * (11 * 1024 * 1024)
    files = {"photo": ("huge.jpg", huge, "image/jpeg")}
    response = await post_form(client, "/log/plate", {"meal": "lunch"}, files=files)
    assert response.status_code == 413
    assert "最大 10 MB" in response.text
    assert (await totals.progress(core, year=2023)).totals.facts == 0


async def test_streamed_body_past_the_cap_is_refused_before_it_is_read_whole(
    client: httpx.AsyncClient, core: Core, event: EventView
) -> None:
    """A chunked body (no Content-Length) is counted as it arrives: the 413 comes in
    words, without signing in, and the server stops reading at the cap."""
    read = 0
    boundary = "gtboundary"

    async def chunks(head: bytes) -> AsyncIterator[bytes]:
        nonlocal read
        read = 0
        yield head
        for _ in range(64):  # 64 MB offered, far past the 10 MB cap
            read += 1
            yield b"x" * (1024 * 1024)

    form = ("application/x-www-form-urlencoded", b"idem=")
    photo = (
        f"multipart/form-data; boundary={boundary}",
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode(),
    )
    for url, (content_type, head) in ((f"/e/{event.code}", form), ("/log/plate", photo)):
        response = await client.post(
            url, content=chunks(head), headers={"content-type": content_type}
        )
        assert response.status_code == 413, url
        assert "最大 10 MB" in response.text
        assert read <= 12, f"{url}: read {read} MB of a body refused at 10 MB"
    assert (await totals.progress(core, year=2023)).totals.facts == 0


async def test_volunteer_actions_refused_to_participants(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await _join(client, unit)
    assert (await client.get("/log/service")).status_code == 403
    page = await get(client, "/log/trip")  # any page gives a CSRF token
    response = await client.post(
        "/log/service", data={"csrf": page.field("csrf"), "hours": "2", "day": "2023-07-12"}
    )
    assert response.status_code == 403
    assert "只有志愿者" in response.text
    response = await client.post(
        "/log/headcount", data={"csrf": page.field("csrf"), "code": "x", "heads": "5"}
    )
    assert response.status_code == 403
    assert (await totals.progress(core, year=2023)).totals.facts == 0


async def test_volunteer_logs_service_hours(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await sign_in_as(client, core, unit, Role.VOLUNTEER, "vol1")
    response = await post_form(client, "/log/service", {"hours": "3", "day": "2023-07-12"})
    assert response.status_code == 200 and response.url.path == "/done"
    progress = await totals.progress(core, year=2023)
    assert progress.totals.facts == 0 and progress.pending.facts == 1  # waits for approval


async def test_a_request_cancelled_after_its_photo_was_stored_keeps_the_photo(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    """The writer still runs a command handed to it when its caller goes away (a phone
    closing the page); the fact it writes must find its photo."""
    state = app.state.web
    person = await people.register_person(core, name="取消者", unit_id=unit.id, now=NOW)
    image = io.BytesIO()
    Image.new("RGB", (50, 50)).save(image, "JPEG")
    upload = UploadFile(
        io.BytesIO(image.getvalue()),
        filename="a.jpg",
        headers=Headers({"content-type": "image/jpeg"}),
    )

    async def act(path: str | None) -> Recorded:
        return await actions.log_trip(
            core,
            person_id=person.id,
            mode="bike",
            km=2,
            day=NOW.date(),
            now=NOW,
            channel="web",
            evidence_path=path,
        )

    task = asyncio.create_task(with_photo(state, upload, day=NOW.date(), act=act))
    for _ in range(5000):  # until the photo is stored and the command handed over
        # sleep(0) alone can outrun the upload's read in a worker thread on a busy machine
        await asyncio.sleep(0 if _ % 2 else 0.001)
        if list(state.evidence_dir.rglob("*.jpg")):
            break
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    for _ in range(100):
        if await totals.history(core, person_id=person.id):
            break
        await asyncio.sleep(0.01)
    (fact,) = await totals.history(core, person_id=person.id)
    assert fact.evidence_path and (state.evidence_dir / fact.evidence_path).exists()
