"""The year-end files: XLSX with headers and sheet names in the organizer's language, local
times, frozen header rows, the unit sheet rolled up with participation rates and the
counting rule in words; no name can break or hijack a CSV or an XLSX."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from campaigns import checkin
from campaigns.core import Core
from campaigns.exports import clean_text, csv_cell
from campaigns.results import Channel, Role, UnitView
from storage import writes
from storage.models import Person
from tests import factories
from tests.console.county import county
from tests.console.helpers import signed_in
from tests.factories import NOW

HOSTILE = ['=HYPERLINK("x")', "a\x01b", "+1", "-2+3", "@SUM(A1)", "\tlead"]


async def _hostile_people(core: Core, unit: UnitView) -> None:
    """People whose names were stored before input hygiene existed (a legacy row, a bot)."""
    event = await factories.event(core)
    for name in HOSTILE:
        p = await factories.person(core, unit, name="临时")
        async with core.write_engine.begin() as conn:
            await writes.update_by_id(conn, Person, p.id, display_name=name)
        await checkin.check_in(core, code=event.code, person_id=p.id, now=NOW, channel=Channel.WEB)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("a\x01b", "a\ufffdb"),
        ("王芳", "王芳"),
        (-2, -2),  # a number stays a number
        (None, ""),
    ],
)
def test_csv_cells_are_neutralised(value: object, cell: object) -> None:
    assert csv_cell(value) == cell


def test_control_characters_become_visible() -> None:
    assert clean_text("a\x00b\x1fc\x7fd\u0085e") == "a\ufffdb\ufffdc\ufffdd\ufffde"
    assert clean_text("line\nnext\ttab") == "line\nnext\ttab"


async def test_hostile_names_export_as_text(app: FastAPI, core: Core, unit: UnitView) -> None:
    await _hostile_people(core, unit)
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, _):
        book_r = await client.get(
            "/console/exports/greentally.xlsx?start=2023-01-01&end=2023-12-31"
        )
        csv_r = await client.get("/console/exports/facts.csv?start=2023-01-01&end=2023-12-31")
        facts_r = await client.get("/console/facts.xlsx?start=2023-01-01&end=2023-12-31")
    assert book_r.status_code == csv_r.status_code == facts_r.status_code == 200
    for body in (book_r.content, facts_r.content):
        sheet = load_workbook(io.BytesIO(body))["Records"]
        header = [c.value for c in sheet[1]]
        names = [row[header.index("Name")] for row in sheet.iter_rows(min_row=2)]
        by_value = {c.value: c for c in names}
        hyperlink = by_value['=HYPERLINK("x")']
        assert hyperlink.data_type == "s"  # text, never a formula
        assert by_value["a\ufffdb"].data_type == "s"
        assert all(by_value[v].data_type == "s" for v in ("+1", "-2+3", "@SUM(A1)", "\tlead"))
    rows = list(csv.reader(io.StringIO(csv_r.text.lstrip("\ufeff"))))
    csv_names = {r[rows[0].index("Name")] for r in rows[1:]}
    assert {'\'=HYPERLINK("x")', "a\ufffdb", "'+1", "'-2+3", "'@SUM(A1)", "'\tlead"} <= csv_names


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_xlsx_in_the_organizers_language(
    app: FastAPI, core: Core, unit: UnitView, lang: str
) -> None:
    async with signed_in(app, core, unit, Role.ORGANIZER) as (client, boss):
        c = await county(core, organizer=boss)
        client.cookies.set("gt_lang", lang)
        response = await client.get(
            "/console/exports/greentally.xlsx?start=2023-01-01&end=2023-12-31"
        )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    names = {
        "zh": ["说明", "按活动", "按单位", "按月份", "记录"],
        "en": ["About", "By campaign", "By unit", "By month", "Records"],
    }[lang]
    assert book.sheetnames == names
    about, campaigns_, units, months, records = (book[n] for n in names)
    for sheet in (campaigns_, units, months, records):
        assert sheet.freeze_panes in ("A2", "B2")  # the header row stays in view
        assert sheet.column_dimensions["A"].width >= 9
    header = [cell.value for cell in records[1]]
    expected = {
        "zh": ("记录", "登记时间", "人次", "展位人数", "渠道", "姓名"),
        "en": ("Record", "Recorded at", "Person-times", "Headcount", "Channel", "Name"),
    }
    assert set(expected[lang]) <= set(header)
    at = header.index(expected[lang][1])
    first = next(r for r in records.iter_rows(min_row=2, values_only=True) if r[0] == 1)
    # 02:00 UTC is 10:00 in Qu County; XLSX holds wall-clock times, without a zone.
    assert first[at] == datetime(2023, 7, 12, 10, 0)  # noqa: DTZ001
    channel = header.index(expected[lang][4])
    assert first[channel] == {"zh": "网页表单", "en": "Web form"}[lang]
    unit_header = [cell.value for cell in units[1]]
    rate = unit_header.index({"zh": "参与率", "en": "Participation rate"}[lang])
    staff = unit_header.index({"zh": "编制人数", "en": "Headcount"}[lang])
    rows = {r[1]: r for r in units.iter_rows(min_row=2, values_only=True)}
    bureau = rows[c.bureau.code]
    assert bureau[staff] == 40 + 120  # the bureau and its school: rolled up the tree
    assert units.cell(2, rate + 1).number_format == "0.0%"
    assert 0 < bureau[rate] <= 1
    rule = [r for r in about.iter_rows(values_only=True) if r[0] in ("计数规则", "Counting rule")]
    assert rule and len(rule[0][1]) > 80  # the rule, in words
