"""Every address one door hands out opens on the other: the bot's sign-in link and Mini App
button, and the poster's check-in link, all answer on the web app."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from campaigns import links, people
from campaigns.core import Core
from campaigns.results import Role
from campaigns.settings import Settings
from greentally.app import build_application
from tests import factories


async def test_links_sent_by_the_bot_and_posters_open_on_the_web(
    core: Core, settings: Settings
) -> None:
    unit = await factories.unit(core)
    organizer = await factories.person(core, unit, role=Role.ORGANIZER)
    event = await factories.event(core)
    token = await people.issue_login_token(core, person_id=organizer.id, now=factories.NOW)
    app = build_application(settings, core)
    addresses = [
        links.signin_link_url(settings.public_url, token),
        links.mini_app_url(settings.public_url),
        links.checkin_url(settings.public_url, event.code),
    ]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=settings.public_url
    ) as client:
        for address in addresses:
            assert address.startswith(settings.public_url)
            response = await client.get(urlsplit(address).path)
            assert response.status_code == 200, address
    assert links.telegram_deep_link("GreenTallyBot", event.code).endswith(f"start=e_{event.code}")
