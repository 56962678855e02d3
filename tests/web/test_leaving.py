"""My data and leaving, as promised on the pages: the export has my canteen checks; the
delete page says what goes and what stays; deleting removes my notes and photo files."""

from __future__ import annotations

import html
import io

import httpx
from PIL import Image

from campaigns import people, totals
from campaigns.core import Core
from campaigns.results import UnitView
from campaigns.settings import Settings
from tests.web.conftest import get, post_form


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 20, 20)).save(out, "JPEG")
    return out.getvalue()


async def test_export_and_deletion_keep_their_promises(
    client: httpx.AsyncClient, core: Core, unit: UnitView, settings: Settings
) -> None:
    client.cookies.set("gt_lang", "en")
    await post_form(client, "/join", {"name": "离开的人", "unit_id": str(unit.id), "next": "/"})
    photo = {"photo": ("a.jpg", _jpeg(), "image/jpeg")}
    check = {
        "unit_id": str(unit.id),
        "kind": "self",
        "passed": "no",
        "notes": "私人备注",
        "day": "2023-07-12",
    }
    assert (await post_form(client, "/log/canteen", check, files=photo)).status_code == 200
    trip = {"mode": "walk", "km": "1", "day": "2023-07-12"}
    assert (await post_form(client, "/log/trip", trip, files=photo)).status_code == 200
    stored = list((settings.data_dir / "evidence").rglob("*.jpg"))
    assert len(stored) == 2

    exported = (await client.get("/me/export.json")).json()
    assert exported["canteen_checks"][0]["notes"] == "私人备注"
    as_csv = (await client.get("/me/export.csv")).text
    assert "canteen_check" in as_csv and "私人备注" in as_csv and "walk" in as_csv

    words = html.unescape((await get(client, "/me/delete")).text)
    assert "unit and Telegram link are erased" not in words  # the unit stays, said plainly
    assert "Your unit stays on it too" in words and "photos deleted" in words

    (person,) = await people.search_people(core, query="离开的人")
    before = await totals.progress(core, year=2023)
    done = await post_form(client, "/me/delete", {"confirm": "yes"})
    assert done.status_code == 200
    assert not [p for p in stored if p.exists()]  # the photo files are gone
    after = await people.export_person(core, person_id=person.id)
    assert after["canteen_checks"][0]["notes"] == ""
    assert after["person"]["display_name"] != "离开的人"
    assert await totals.progress(core, year=2023) == before
