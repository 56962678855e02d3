"""The organizer's full-screen rotating QR, and what a forwarded photo of an old code gets."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from campaigns import checkin, totals
from campaigns.core import Core
from campaigns.results import Role, UnitView
from tests import factories
from tests.factories import NOW
from tests.web.conftest import get, post_form, sign_in_as


async def test_screen_needs_an_organizer(
    client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    event = await factories.event(core, rotating=True)
    await post_form(client, "/join", {"name": "路人", "unit_id": str(unit.id)})
    assert (await client.get(f"/screen/{event.code}")).status_code == 403


async def test_rotating_screen_photo_expires(
    app: object, client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    event = await factories.event(core, rotating=True)
    await sign_in_as(client, core, unit, Role.ORGANIZER, "org")
    screen = await client.get(f"/screen/{event.code}")
    assert screen.status_code == 200 and "<svg" in screen.text
    shown = re.search(r'http-equiv="refresh" content="(\d+)"', screen.text)
    assert shown is not None
    refresh = int(shown.group(1))
    assert 1 <= refresh <= 30
    token = checkin.screen_token(core, code=event.code, now=NOW)

    # A phone scanning the screen now: the page works, the check-in counts.
    page = await get(client, f"/e/{event.code}?t={token}")
    assert page.status == 200 and 'name="scan"' in page.text

    # A photo of that screen forwarded two minutes later is refused in plain words.
    app.state.web.clock = lambda: NOW + timedelta(minutes=2)  # type: ignore[attr-defined]
    late = await client.get(f"/e/{event.code}?t={token}")
    assert late.status_code == 410
    assert "二维码已过期" in late.text or "expired" in late.text
    # The phone that scanned in time still has minutes to finish its form.
    response = await post_form(
        client, f"/e/{event.code}", {"scan": page.field("scan")}, from_page=page
    )
    assert response.url.path == "/done", response.text[-1500:]
    assert (await totals.progress(core, year=2023)).totals.person_times == 1


async def test_a_forwarded_scan_pass_works_only_on_the_phone_that_scanned(
    app: object, client: httpx.AsyncClient, core: Core, unit: UnitView
) -> None:
    """The pass a fresh scan earns travels in the page (and in the unit search's address),
    but it names the browser that scanned: forwarded as a link, it opens nothing."""
    event = await factories.event(core, rotating=True)
    token = checkin.screen_token(core, code=event.code, now=NOW)
    page = await get(client, f"/e/{event.code}?t={token}")
    scan = page.field("scan")
    search = await client.get(f"/e/{event.code}", params={"scan": scan, "unit_q": "x"})
    assert search.status_code == 200 and f'value="{scan}"' in search.text

    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=str(client.base_url)) as other:
        forwarded = await other.get(f"/e/{event.code}", params={"scan": scan})
        assert forwarded.status_code == 410
        assert "二维码已过期" in forwarded.text
        # Posting the forwarded pass with the other phone's own form token: refused too.
        other_form = await get(other, "/join")
        response = await other.post(
            f"/e/{event.code}",
            data={
                "csrf": other_form.field("csrf"),
                "scan": scan,
                "name": "转发者",
                "unit_id": str(unit.id),
                "idem": "f" * 24,
            },
        )
        assert response.status_code == 410
    assert (await totals.progress(core, year=2023)).totals.person_times == 0
