"""Every console page answers, in both languages, under 60 KB, with every value a person
sees in words: no raw enum (per_event, web, bike, counted…) and no untranslated English on
a Chinese page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI

from campaigns.core import Core
from campaigns.results import Role, UnitView
from tests.console.county import county
from tests.console.helpers import signed_in
from tests.console.pages import console_pages

# Words that stay as they are in Chinese: names of things, file formats, units.
LATIN_OK = {
    "CO",
    "CO₂",
    "kg",
    "CSV",
    "XLSX",
    "PNG",
    "QR",
    "API",
    "Telegram",
    "GreenTally",
    "WeChat",
    "A4",
    "Bearer",
    "Authorization",
    "UTC",
    "PUE",
    "MaaS",
    "ofo",
    "FAO",
    "WWF",
    "CAS",
    "e",
    "g",
    "km",
    "gt",
    "English",
    "http",
    "t",
    "me",
    "Excel",
    "UTF",
    "GB",
}


class _Text(HTMLParser):
    """Visible text, leaving out scripts, styles, code, hidden inputs and English parts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if (
            (
                tag in ("script", "style", "code", "title")
                or a.get("lang") == "en"
                or a.get("class", "") in ("link", "secret")
            )
            or self._skip
            and tag == self._skip[-1]
        ):
            self._skip.append(tag)
        for name in ("placeholder", "aria-label", "alt"):
            if a.get(name) and not self._skip:
                self.parts.append(str(a[name]))

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


RAW = re.compile(
    r"\b(per_event|per_day|headcount|checkin|trip|plate|service|sorting|web|bot|scanner|cli|"
    r"walk|bike|bus|metro|breakfast|lunch|dinner|counted|void|pending|participant|volunteer|"
    r"organizer|admin|read|write|None|True|False|person_id|kind)\b"
)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_console_page_answers_small(
    app: FastAPI, core: Core, unit: UnitView, lang: str
) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, boss):
        c = await county(core, organizer=boss)
        client.cookies.set("gt_lang", lang)
        for name, path in console_pages(c).items():
            response = await client.get(path)
            assert response.status_code == 200, (name, response.status_code, response.text[:300])
            assert len(response.content) < 60 * 1024, (name, len(response.content))


async def test_no_raw_value_or_english_on_chinese_pages(
    app: FastAPI, core: Core, unit: UnitView
) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, boss):
        c = await county(core, organizer=boss)
        await client.post(
            "/console/tokens",
            data={"csrf": _csrf(app, client), "name": "县统计平台", "scope": "read"},
        )
        client.cookies.set("gt_lang", "zh")
        problems: dict[str, Any] = {}
        for name, path in console_pages(c).items():
            text = visible_text((await client.get(path)).text)
            raw = sorted(set(RAW.findall(text)))
            latin = sorted(
                {w for w in re.findall(r"[A-Za-z][A-Za-z₂]+", text) if w not in LATIN_OK}
                - _data_words(c, boss)
            )
            if raw or latin:
                problems[name] = {"raw": raw, "english": latin}
    assert not problems, problems


def _data_words(c: Any, boss: Any) -> set[str]:
    """Latin words our own data brings (unit codes, the event's code, the login's name)."""
    return (
        {"u" + str(i) for i in range(200)}
        | set(re.findall(r"[A-Za-z]+", c.event.code))
        | set(re.findall(r"[A-Za-z]+", boss.display_name))
    )


def _csrf(app: FastAPI, client: Any) -> str:
    from tests.console.helpers import csrf_of

    return csrf_of(app, client)
