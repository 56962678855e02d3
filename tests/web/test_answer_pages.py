"""Every logging form ends on an answer page that opens; canteen checks are for one's own
canteen (spot checks for volunteers only, the form kept when refused); a photo is kept
only by the fact that uses it."""

from __future__ import annotations

import html
import io

import httpx
import pytest
from PIL import Image

from campaigns import totals
from campaigns.core import Core
from campaigns.results import EventView, Role, UnitView
from campaigns.settings import Settings
from tests import factories
from tests.web.conftest import get, post_form, sign_in_as

DAY = "2023-07-12"


async def _join(client: httpx.AsyncClient, unit: UnitView, name: str = "王小明") -> None:
    response = await post_form(
        client, "/join", {"name": name, "unit_id": str(unit.id), "next": "/log"}
    )
    assert response.status_code == 200 and response.url.path == "/log", response.text[:300]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (20, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def _photos(settings: Settings) -> list[str]:
    return sorted(p.name for p in (settings.data_dir / "evidence").rglob("*.jpg"))


@pytest.mark.parametrize(
    ("path", "data", "heading"),
    [
        ("/log/trip", {"mode": "bike", "km": "2.5", "day": DAY}, "Recorded, thank you"),
        ("/log/plate", {"meal": "lunch", "day": DAY}, "Recorded, thank you"),
        ("/log/service", {"hours": "2", "day": DAY}, "Recorded, thank you"),
        ("/log/headcount", {"heads": "12"}, "Recorded, thank you"),
        ("/log/canteen", {"kind": "self", "passed": "yes", "day": DAY}, "Canteen check recorded"),
        ("/log/canteen", {"kind": "spot", "passed": "no", "day": DAY}, "Canteen check recorded"),
    ],
)
async def test_every_logging_form_answers_with_a_page_that_opens(
    *,
    client: httpx.AsyncClient,
    core: Core,
    unit: UnitView,
    event: EventView,
    path: str,
    data: dict[str, str],
    heading: str,
) -> None:
    await sign_in_as(client, core, unit, Role.VOLUNTEER, "vol-answer")
    client.cookies.set("gt_lang", "en")
    fields = {**data, "code": event.code} if path == "/log/headcount" else dict(data)
    if path == "/log/canteen":
        fields["unit_id"] = str(unit.id)
    posted = await post_form(client, path, fields, follow=False)
    assert posted.status_code == 303, posted.text[:500]
    answer = await client.get(posted.headers["location"])
    assert answer.status_code == 200, answer.text[:500]
    assert f"<h1>{heading}</h1>" in answer.text


async def test_a_participant_evaluates_only_their_own_canteen(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    other = await factories.unit(core, canteen=True, name="别的单位")
    await _join(client, unit)
    form = await get(client, "/log/canteen")
    assert 'value="spot"' not in form.text  # no spot check offered to a participant
    assert f'<option value="{other.id}"' not in form.text
    refused = await post_form(
        client,
        "/log/canteen",
        {"unit_id": str(other.id), "kind": "self", "passed": "yes", "day": DAY},
        from_page=form,
    )
    assert refused.status_code == 403
    assert "请选择您所在单位的食堂" in refused.text
    assert (await totals.canteen_rates(core, year=2023)).self_evaluated == 0


async def test_a_participant_choosing_spot_check_keeps_the_form(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    await _join(client, unit)
    data = {
        "unit_id": str(unit.id),
        "kind": "spot",
        "passed": "no",
        "notes": "剩饭较多",
        "day": DAY,
    }
    refused = await post_form(client, "/log/canteen", data)
    assert refused.status_code == 403
    assert "只有志愿者" in refused.text and "剩饭较多" in refused.text  # words, input kept
    assert '<form method="post" action="/log/canteen"' in refused.text
    assert (await totals.canteen_rates(core, year=2023)).spot_checked == 0


async def test_a_resent_photo_form_leaves_one_photo(
    client: httpx.AsyncClient, core: Core, unit: UnitView, settings: Settings
) -> None:
    await _join(client, unit)
    page = await get(client, "/log/plate")
    for _ in range(3):  # the same form (same one-time key) sent three times
        response = await post_form(
            client,
            "/log/plate",
            {"meal": "dinner", "day": DAY},
            from_page=page,
            files={"photo": ("a.jpg", _jpeg(), "image/jpeg")},
        )
        assert response.status_code == 200 and response.url.path == "/done"
    assert (await totals.progress(core, year=2023)).totals.facts == 1
    assert len(_photos(settings)) == 1


async def test_a_refused_photo_form_leaves_no_photo(
    client: httpx.AsyncClient, core: Core, unit: UnitView, settings: Settings
) -> None:
    await _join(client, unit)
    response = await post_form(
        client,
        "/log/trip",
        {"mode": "walk", "km": "40", "day": DAY},
        files={"photo": ("a.jpg", _jpeg(), "image/jpeg")},
    )
    assert response.status_code == 422
    assert _photos(settings) == []


async def test_a_crash_after_the_photo_is_stored_leaves_no_photo(
    app: object, core: Core, unit: UnitView, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        await _join(client, unit)

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("the disk is full")

        monkeypatch.setattr("campaigns.actions.log_plate", broken)
        response = await post_form(
            client,
            "/log/plate",
            {"meal": "lunch", "day": DAY},
            files={"photo": ("a.jpg", _jpeg(), "image/jpeg")},
        )
    assert response.status_code == 500
    assert _photos(settings) == []
    assert "请稍后再试" in html.unescape(response.text)
