"""Staff rosters: CSV (UTF-8 with or without BOM, GB18030) and XLSX, Chinese or English
headers; every bad row named, nothing written until the whole file is clean; re-imports
update; `replace` marks the missing as left (never deleted); verifiers kept as keyed hashes."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from campaigns import rosters
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Role, UnitView
from campaigns.rosters import Problem
from storage.models import AuditEntry, Person, RosterEntry
from tests import factories as f
from tests.factories import NOW


async def entries(core: Core) -> list[dict[str, object]]:
    async with core.read() as conn:
        rows = (await conn.execute(select(RosterEntry).order_by(RosterEntry.id))).mappings()
        return [dict(r) for r in rows]


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
async def units(core: Core) -> tuple[UnitView, UnitView]:
    return await f.unit(core), await f.unit(core)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
async def test_a_csv_in_every_encoding_offices_save(core: Core, units, encoding: str) -> None:
    a, b = units
    text = f"单位代码,姓名,工号,手机尾号\n{a.code},张三,1001,1234\n{b.code},李 四,,\n"
    report = await rosters.import_roster(
        core, actor_id=None, data=csv_bytes(text, encoding), filename="名单.csv", now=NOW
    )
    assert report.ok and report.written and report.created == 2
    rows = await entries(core)
    assert [(r["name"], r["name_key"]) for r in rows] == [("张三", "张三"), ("李 四", "李四")]
    # Verifiers are keyed hashes: the digits are nowhere in the row.
    assert rows[0]["staff_no_hash"] and "1001" not in str(rows[0].values())
    assert rows[0]["phone_hash"] and "1234" not in str(rows[0].values())
    assert rows[1]["staff_no_hash"] is None and rows[1]["phone_hash"] is None
    assert await rosters.roster_sizes(core) == {a.id: 1, b.id: 1}


async def test_an_xlsx_with_english_headers_and_numbers_as_cells(core: Core, units) -> None:
    a, _ = units
    data = xlsx_bytes(
        [["unit_code", "name", "staff_no", "phone_last4", "部门"], [a.code, "王五", 2002, 123]]
    )
    report = await rosters.import_roster(core, actor_id=None, data=data, now=NOW)
    assert report.ok, report.errors
    assert report.ignored_columns == ["部门"]
    (row,) = await entries(core)
    # A phone's last four typed as a number lose their leading zero in Excel: 0123.
    from campaigns.identity import VerifierKind, verifier_hash

    assert row["phone_hash"] == verifier_hash(core.secret, VerifierKind.PHONE, "0123")


async def test_every_bad_row_is_named_and_nothing_is_written(core: Core, units) -> None:
    a, _ = units
    text = (
        "unit_code,name,staff_no,phone_last4\n"
        f"{a.code},张三,1001,1234\n"  # row 2: fine
        "nosuch,李四,,\n"  # row 3: unknown unit
        f"{a.code},,1002,\n"  # row 4: no name
        f"{a.code},赵六,1001,\n"  # row 5: the staff number of row 2 again
        f"{a.code},钱七,,12a4\n"  # row 6: not four digits
    )
    report = await rosters.import_roster(core, actor_id=None, data=text.encode(), now=NOW)
    assert not report.written
    assert [(e.row, e.problem) for e in report.errors] == [
        (3, Problem.UNKNOWN_UNIT),
        (4, Problem.NAME_MISSING),
        (5, Problem.DUPLICATE_ROW),
        (6, Problem.BAD_PHONE),
    ]
    assert report.errors[2].detail == {"first": 2}
    assert await entries(core) == []


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\xff\xfe\xfa\xfb\x81\x30\xff", Problem.BAD_ENCODING),
        (b"", Problem.EMPTY),
        ("姓名,工号\n张三,1\n".encode(), Problem.MISSING_COLUMNS),
        (b"PK\x03\x04 not really a spreadsheet", Problem.NOT_A_TABLE),
    ],
)
async def test_a_file_that_is_not_a_roster(core: Core, units, data: bytes, problem: str) -> None:
    report = await rosters.import_roster(core, actor_id=None, data=data, now=NOW)
    assert [e.problem for e in report.errors] == [problem] and not report.written
    assert await entries(core) == []


async def test_a_dry_run_reports_and_writes_nothing(core: Core, units) -> None:
    a, _ = units
    data = f"unit_code,name\n{a.code},张三\n{a.code},李四\n".encode()
    report = await rosters.import_roster(core, actor_id=None, data=data, now=NOW, dry_run=True)
    assert report.ok and report.created == 2 and not report.written
    assert await entries(core) == []


async def test_reimport_updates_and_replace_marks_the_missing_as_left(core: Core, units) -> None:
    a, b = units
    first = f"unit_code,name,staff_no\n{a.code},张三,1001\n{a.code},李四,\n{b.code},周九,\n"
    await rosters.import_roster(core, actor_id=None, data=first.encode(), now=NOW)
    li = await f.person(core, a, name="李四")  # registered: held by the row of that name
    again = f"unit_code,name,staff_no\n{a.code},张三丰,1001\n{a.code},李四,2002\n"
    report = await rosters.import_roster(core, actor_id=None, data=again.encode(), now=NOW)
    assert (report.created, report.updated, report.left) == (0, 2, 0)
    names = {r["name"] for r in await entries(core)}
    assert names == {"张三丰", "李四", "周九"}  # renamed by staff number; no duplicates

    only_zhang = f"unit_code,name,staff_no\n{a.code},张三丰,1001\n".encode()
    preview = await rosters.import_roster(
        core, actor_id=None, data=only_zhang, now=NOW, replace=True, dry_run=True
    )
    assert (preview.left, preview.people_left, preview.written) == (1, 1, False)
    report = await rosters.import_roster(
        core, actor_id=None, data=only_zhang, now=NOW, replace=True
    )
    assert report.left == 1 and report.people_left == 1
    by_name = {r["name"]: r for r in await entries(core)}
    assert by_name["李四"]["left_at"] is not None and by_name["周九"]["left_at"] is None
    async with core.read() as conn:
        person = (await conn.execute(select(Person).where(Person.id == li.id))).mappings().one()
    assert person["left_at"] is not None and person["deleted_at"] is None  # left, not deleted
    assert await rosters.roster_sizes(core) == {a.id: 1, b.id: 1}
    async with core.read() as conn:
        audited = await conn.scalar(
            select(func.count()).where(AuditEntry.action == "import_roster")
        )
    assert audited == 3


async def test_people_registered_before_the_roster_are_matched_when_unique(
    core: Core, units
) -> None:
    a, _ = units
    zhang = await f.person(core, a, name="张三")
    await f.person(core, a, name="王五")
    await f.person(core, a, name="王五")  # two of a name: left for the duplicates list
    data = f"unit_code,name\n{a.code},张三\n{a.code},王五\n".encode()
    report = await rosters.import_roster(core, actor_id=None, data=data, now=NOW)
    assert report.linked == 1
    held = {r["name"]: r["person_id"] for r in await entries(core)}
    assert held == {"张三": zhang.id, "王五": None}


async def test_only_organizers_import(core: Core, units) -> None:
    a, _ = units
    volunteer = await f.person(core, a, role=Role.VOLUNTEER)
    with pytest.raises(Refused) as exc:
        await rosters.import_roster(
            core, actor_id=volunteer.id, data=f"unit_code,name\n{a.code},x\n".encode(), now=NOW
        )
    assert exc.value.reason is Reason.NOT_ALLOWED
    assert await entries(core) == []
