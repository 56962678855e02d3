"""Staff rosters: a unit's staff list, imported by organizers from CSV (UTF-8 with or
without BOM, GB18030) or XLSX, checked whole before anything is written.

Header: `unit_code,name,staff_no,phone_last4` or 单位代码,姓名,工号,手机尾号; the last two are
optional per row. A re-import updates the rows it finds (by staff number, else by name);
with `replace`, rows of a unit in the file that the file no longer lists are marked as left,
and so are the people they held — never deleted, their facts stay."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from campaigns import audit
from campaigns.core import Core
from campaigns.identity import VerifierKind, clean_verifier, name_key, verifier_hash
from campaigns.labels import ROSTER_PROBLEMS
from campaigns.results import Role
from campaigns.roles import require_role
from storage import identity as store
from storage.writer import Call, Tx

MAX_ROWS = 20_000
MAX_STAFF_NO = 32
HEADERS = {
    "unit_code": "unit_code",
    "单位代码": "unit_code",
    "name": "name",
    "姓名": "name",
    "staff_no": "staff_no",
    "工号": "staff_no",
    "phone_last4": "phone_last4",
    "手机尾号": "phone_last4",
}
REQUIRED = ("unit_code", "name")


class Problem:
    """Why a row (or the whole file) cannot be imported; words in campaigns/labels.py."""

    BAD_ENCODING = "bad_encoding"
    NOT_A_TABLE = "not_a_table"
    EMPTY = "empty"
    MISSING_COLUMNS = "missing_columns"
    TOO_MANY_ROWS = "too_many_rows"
    UNKNOWN_UNIT = "unknown_unit"
    NAME_MISSING = "name_missing"
    NAME_TOO_LONG = "name_too_long"
    BAD_STAFF_NO = "bad_staff_no"
    BAD_PHONE = "bad_phone"
    DUPLICATE_ROW = "duplicate_row"
    AMBIGUOUS_NAME = "ambiguous_name"


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1; 0 for the whole file
    problem: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StaffRow:
    row: int
    unit_code: str
    name: str
    staff_no: str
    phone_last4: str


@dataclass(frozen=True)
class ParsedRoster:
    rows: list[StaffRow]
    errors: list[RowError]
    ignored_columns: list[str]


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, for a dry run or a file with errors, would do)."""

    rows: int
    created: int
    updated: int
    unchanged: int
    rejoined: int
    left: int  # rows (and the people they held) marked as left by `replace`
    people_left: int
    linked: int  # existing people matched to their row by name, unique in their unit
    errors: list[RowError]
    ignored_columns: list[str]
    written: bool

    @property
    def ok(self) -> bool:
        return not self.errors


# reading the file -------------------------------------------------------------------------


def read_table(data: bytes, filename: str = "") -> tuple[list[list[str]], list[RowError]]:
    """The cells of a CSV or XLSX file as text, row by row; file-level errors otherwise."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        try:
            return [list(r) for r in csv.reader(io.StringIO(text))], []
        except csv.Error:
            return [], [RowError(0, Problem.NOT_A_TABLE)]
    return [], [RowError(0, Problem.BAD_ENCODING)]


def _read_xlsx(data: bytes) -> tuple[list[list[str]], list[RowError]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only for spreadsheets

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return [], [RowError(0, Problem.NOT_A_TABLE)]
    try:
        sheet = book.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return rows, []


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse(data: bytes, filename: str, *, core: Core, unit_codes: dict[str, int]) -> ParsedRoster:
    """Rows checked one by one (pure, but for the unit codes it is given)."""
    table, errors = read_table(data, filename)
    if errors:
        return ParsedRoster([], errors, [])
    table = [r for r in table if any(c.strip() for c in r)]
    if not table:
        return ParsedRoster([], [RowError(0, Problem.EMPTY)], [])
    header = [clean_header(c) for c in table[0]]
    columns = {HEADERS[h]: i for i, h in enumerate(header) if h in HEADERS}
    ignored = [table[0][i].strip() for i, h in enumerate(header) if h not in HEADERS and h]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        return ParsedRoster([], [RowError(1, Problem.MISSING_COLUMNS, {"columns": missing})], [])
    if len(table) - 1 > MAX_ROWS:
        return ParsedRoster([], [RowError(0, Problem.TOO_MANY_ROWS, {"max": MAX_ROWS})], [])
    rows: list[StaffRow] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in enumerate(table[1:], start=2):

        def get(col: str, cells: list[str] = cells) -> str:
            i = columns.get(col)
            return " ".join(cells[i].split()) if i is not None and i < len(cells) else ""

        phone = clean_verifier(get("phone_last4"))
        if phone.isdigit() and len(phone) < 4:  # a spreadsheet drops the zeros of 0123
            phone = phone.zfill(4)
        row = StaffRow(number, get("unit_code"), get("name"), get("staff_no"), phone)
        problem = _row_problem(core, row, unit_codes)
        if problem is not None:
            errors.append(problem)
            continue
        staff = clean_verifier(row.staff_no)
        key = (row.unit_code, f"s:{staff}" if staff else f"n:{name_key(row.name)}")
        if key in seen:
            errors.append(RowError(number, Problem.DUPLICATE_ROW, {"first": seen[key]}))
            continue
        seen[key] = number
        rows.append(row)
    return ParsedRoster(rows, errors, ignored)


def clean_header(cell: str) -> str:
    text = "".join((cell or "").split()).lstrip("\ufeff")
    return text.lower() if text.isascii() else text


def _row_problem(core: Core, row: StaffRow, unit_codes: dict[str, int]) -> RowError | None:
    if row.unit_code not in unit_codes:
        return RowError(row.row, Problem.UNKNOWN_UNIT, {"code": row.unit_code})
    if not name_key(row.name):
        return RowError(row.row, Problem.NAME_MISSING)
    if len(row.name) > core.rules.max_name_length:
        return RowError(row.row, Problem.NAME_TOO_LONG, {"max": core.rules.max_name_length})
    staff = clean_verifier(row.staff_no)
    if len(staff) > MAX_STAFF_NO:
        return RowError(row.row, Problem.BAD_STAFF_NO, {"max": MAX_STAFF_NO})
    phone = clean_verifier(row.phone_last4)
    if phone and (len(phone) != 4 or not phone.isdigit()):
        return RowError(row.row, Problem.BAD_PHONE)
    return None


# applying it ------------------------------------------------------------------------------


@dataclass
class _Plan:
    created: list[dict[str, Any]] = field(default_factory=list)
    updated: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    rejoined: list[int] = field(default_factory=list)  # people coming back with their row
    leaving: list[int] = field(default_factory=list)  # roster row ids
    people_leaving: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


async def _plan(conn: Any, core: Core, rows: Sequence[StaffRow], *, replace: bool) -> _Plan:
    """What writing the rows would change, read from the database (nothing written)."""
    codes = await store.unit_codes(conn)
    unit_ids = sorted({codes[r.unit_code] for r in rows})
    existing = list(await store.roster_of_units(conn, unit_ids))
    index = _Index(existing)
    plan = _Plan()
    for r in rows:
        _plan_row(core, plan, index, r, codes[r.unit_code])
    if replace:
        for e in existing:
            if e["id"] not in index.touched and e["left_at"] is None:
                plan.leaving.append(e["id"])
                if e["person_id"] is not None:
                    plan.people_leaving.append(e["person_id"])
    return plan


class _Index:
    """The roster rows already stored, by staff number and by name, within their unit."""

    def __init__(self, existing: list[Any]) -> None:
        self.by_staff = {
            (e["unit_id"], e["staff_no_hash"]): e for e in existing if e["staff_no_hash"]
        }
        self.by_name: dict[tuple[int, str], list[Any]] = {}
        for e in existing:
            self.by_name.setdefault((e["unit_id"], e["name_key"]), []).append(e)
        self.touched: set[int] = set()

    def find(self, unit_id: int, key: str, staff_hash: str | None) -> Any | list[Any]:
        """The stored row a file row updates (by staff number, else by name), None for a
        new row, or the several namesakes when a name alone cannot tell them apart."""
        if staff_hash and (found := self.by_staff.get((unit_id, staff_hash))) is not None:
            return found
        namesakes = [e for e in self.by_name.get((unit_id, key), []) if e["id"] not in self.touched]
        if staff_hash:
            namesakes = [e for e in namesakes if not e["staff_no_hash"]]
        if len(namesakes) > 1:
            return namesakes
        return namesakes[0] if namesakes else None


def _plan_row(core: Core, plan: _Plan, index: _Index, r: StaffRow, unit_id: int) -> None:
    key, staff = name_key(r.name), clean_verifier(r.staff_no)
    values: dict[str, Any] = {"name": r.name, "name_key": key}
    if staff:
        values["staff_no_hash"] = verifier_hash(core.secret, VerifierKind.STAFF_NO, staff)
    if clean_verifier(r.phone_last4):
        values["phone_hash"] = verifier_hash(core.secret, VerifierKind.PHONE, r.phone_last4)
    found = index.find(unit_id, key, values.get("staff_no_hash"))
    if isinstance(found, list):
        plan.errors.append(RowError(r.row, Problem.AMBIGUOUS_NAME))
        return
    if found is None:
        row_key = f"s:{values['staff_no_hash']}" if staff else f"n:{key}"[:80]
        plan.created.append({**values, "unit_id": unit_id, "row_key": row_key})
        return
    index.touched.add(found["id"])
    if staff:
        values["row_key"] = f"s:{values['staff_no_hash']}"
    elif not found["staff_no_hash"]:
        values["row_key"] = f"n:{key}"[:80]
    if found["left_at"] is not None:
        values["left_at"] = None
        if found["person_id"] is not None:
            plan.rejoined.append(found["person_id"])
    changes = {k: v for k, v in values.items() if found[k] != v}
    if changes:
        plan.updated.append((found["id"], changes))
    else:
        plan.unchanged += 1


async def import_roster(
    core: Core,
    *,
    actor_id: int | None,
    data: bytes,
    filename: str = "",
    now: datetime,
    replace: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Check a staff list whole and, if every row is clean and this is no dry run, write it
    in one transaction (audited). Refuses NOT_ALLOWED below organizer."""

    async def run(tx: Tx) -> ImportReport:
        await require_role(tx, actor_id, Role.ORGANIZER)
        parsed = parse(data, filename, core=core, unit_codes=await store.unit_codes(tx.conn))
        plan = await _plan(tx.conn, core, parsed.rows, replace=replace)
        errors = sorted([*parsed.errors, *plan.errors], key=lambda e: e.row)
        write = not errors and not dry_run
        linked = await _write(tx, plan, now=now, parsed=parsed) if write else 0
        if write:
            await audit.record(
                tx.conn,
                actor_id=actor_id,
                action="import_roster",
                target="roster",
                now=now,
                rows=len(parsed.rows),
                created=len(plan.created),
                updated=len(plan.updated),
                left=len(plan.leaving),
                replace=replace,
            )
        return ImportReport(
            rows=len(parsed.rows),
            created=len(plan.created),
            updated=len(plan.updated),
            unchanged=plan.unchanged,
            rejoined=len(plan.rejoined),
            left=len(plan.leaving),
            people_left=len(plan.people_leaving),
            linked=linked,
            errors=errors,
            ignored_columns=parsed.ignored_columns,
            written=write,
        )

    try:
        return await core.write(Call[ImportReport](run))
    finally:
        core.people_cache.clear()


async def _write(tx: Tx, plan: _Plan, *, now: datetime, parsed: ParsedRoster) -> int:
    for values in plan.created:
        await store.insert_roster_entry(
            tx.conn, {**values, "created_at": now, "updated_at": now, "failures": 0}
        )
    for entry_id, changes in plan.updated:
        await store.update_roster_entry(tx.conn, entry_id, **changes, updated_at=now)
    for entry_id in plan.leaving:
        await store.update_roster_entry(tx.conn, entry_id, left_at=now, updated_at=now)
    await store.mark_people_left(tx.conn, plan.people_leaving, now)
    await store.clear_left(tx.conn, plan.rejoined)
    codes = await store.unit_codes(tx.conn)
    return await link_by_name(tx, sorted({codes[r.unit_code] for r in parsed.rows}))


async def link_by_name(tx: Tx, unit_ids: Sequence[int]) -> int:
    """Existing people who registered before the roster came: each is bound to their row
    when the name is unique on both sides within the unit (an organizer's list is the
    authority here; a same-name case stays for the duplicates list)."""
    if not unit_ids:
        return 0
    rows = [r for r in await store.roster_of_units(tx.conn, unit_ids) if r["left_at"] is None]
    free_rows: dict[tuple[int, str], list[Any]] = {}
    all_rows: dict[tuple[int, str], int] = {}
    for r in rows:
        all_rows[(r["unit_id"], r["name_key"])] = all_rows.get((r["unit_id"], r["name_key"]), 0) + 1
        if r["person_id"] is None:
            free_rows.setdefault((r["unit_id"], r["name_key"]), []).append(r)
    people: dict[tuple[int, str], list[int]] = {}
    for p in await store.unrostered_people(tx.conn, unit_ids):
        people.setdefault((p["unit_id"], p["name_key"]), []).append(p["id"])
    linked = 0
    for key, entries in free_rows.items():
        found = people.get(key, [])
        if len(entries) == 1 and all_rows[key] == 1 and len(found) == 1:
            linked += await store.claim_roster_entry(tx.conn, entries[0]["id"], found[0])
    return linked


async def roster_sizes(core: Core) -> dict[int, int]:
    """Current roster size per unit id (units without a roster are absent)."""
    async with core.read() as conn:
        return await store.roster_sizes(conn)


def describe(error: RowError, gettext: Callable[[str], str]) -> str:
    """A row's problem in the reader's language (the edge passes its gettext)."""
    detail = {k: ", ".join(v) if isinstance(v, list) else v for k, v in error.detail.items()}
    return gettext(ROSTER_PROBLEMS[error.problem]).format(**detail)
