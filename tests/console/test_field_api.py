"""The organizer API's field operations (issue 14), the console's twins: meter readings
refused in words before anything is written, a paper sheet entered twice counting once,
buildings and a unit's patrol findings."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from campaigns.core import Core
from campaigns.results import EventView, Role, UnitView
from tests.console.helpers import signed_in
from tests.console.test_api_tokens import API, _bearer, _make_token


async def test_meters_paper_and_buildings_through_the_api(
    app: FastAPI, core: Core, unit: UnitView, event: EventView
) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        secret = await _make_token(app, client, "write")
    api: httpx.AsyncClient
    async with _bearer(app, secret) as api:
        building = await api.post(
            f"{API}/buildings",
            json={
                "unit_id": unit.id,
                "name": "教学楼",
                "floor_area_m2": 1200,
                "rooms": [{"name": "101", "floor": 1}],
            },
        )
        assert building.status_code == 201, building.text
        b = building.json()
        one = {"building_id": b["id"], "kind": "water", "read_on": "2023-06-01", "value": 50}
        ok = await api.post(f"{API}/meter-readings", json={"readings": [one]})
        assert ok.status_code == 201, ok.text
        assert ok.json()[0]["channel"] == "api"
        back = {**one, "read_on": "2023-07-01", "value": 40}
        refused = await api.post(f"{API}/meter-readings", json={"readings": [back]})
        assert refused.status_code == 422
        assert refused.json()["reason"] == "meter_backwards"
        assert "cannot go backwards" in refused.json()["message"]
        report = await api.get(f"{API}/meters/report", params={"year": 2023, "unit_id": unit.id})
        assert report.status_code == 200 and report.json()["floor_area_m2"] == 1200

        sheet = await api.post(
            f"{API}/events/{event.id}/paper-sheets", json={"unit_id": unit.id, "blank_rows": 2}
        )
        assert sheet.status_code == 201, sheet.text
        code = sheet.json()["code"]
        entry = {"ticked": [1], "names": {"1": "王五"}}
        first = await api.post(f"{API}/paper-sheets/{code}/entries", json=entry)
        again = await api.post(f"{API}/paper-sheets/{code}/entries", json=entry)
        assert [o["outcome"] for o in first.json()["outcomes"]] == ["checked_in"]
        assert [o["outcome"] for o in again.json()["outcomes"]] == ["entered_before"]
        rows = (await api.get(f"{API}/paper-sheets/{code}")).json()["rows"]
        assert rows[0]["entered"] and rows[0]["channel"] == "paper" and not rows[1]["entered"]
        patrols = await api.get(f"{API}/units/{unit.id}/patrols")
        assert patrols.status_code == 200 and patrols.json()["rooms"][0]["visits"] == 0
