"""The door scan with an empty token answers in words through every door (was a 500)."""

from __future__ import annotations

from fastapi import FastAPI

from campaigns import catalog
from campaigns.core import Core
from campaigns.results import Role, UnitView
from tests import factories
from tests.console.helpers import csrf_of, signed_in


async def test_an_empty_token_is_refused_in_words(app: FastAPI, core: Core, unit: UnitView) -> None:
    event = await factories.event(core)
    async with signed_in(app, core, unit, Role.VOLUNTEER) as (client, _):
        headers = {"x-csrf-token": csrf_of(app, client)}
        api = await client.post(
            f"/api/v1/events/{event.code}/scans", json={"token": ""}, headers=headers
        )
        sync = await client.post(
            f"/scanner/{event.code}/scan.json",
            json={"token": "", "key": "k" * 32},
            headers=headers,
        )
        form = await client.post(
            f"/scanner/{event.code}",
            data={"csrf": csrf_of(app, client), "token": "", "idem": "i" * 32},
        )
    assert api.status_code == 404, api.text
    assert api.json()["reason"] == "unknown_token" and api.json()["message"]
    assert sync.status_code == 200 and sync.json()["status"] != "ok", sync.text
    assert sync.json()["message"]
    assert form.status_code < 500 and "not valid" in form.text, form.text
    assert (await catalog.get_event(core, event_id=event.id)).checked_in == 0
