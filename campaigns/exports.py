"""Files for the year-end check: CSV and XLSX in the organizer's language, local times,
and every text cell neutralised, so no name can break or hijack a spreadsheet.

A cell that begins with `= + - @` (or a tab or carriage return) would start a formula in a
spreadsheet program: in CSV it gets a leading apostrophe; in XLSX it is stored as a text
cell, which is never evaluated. Control characters (which XLSX cannot hold at all) become
U+FFFD. Every total traces back to the records sheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from campaigns.core import Core
from storage import queries

# Controls except tab, newline and carriage return (those three are neutralised at the start
# of a cell only); DEL and the C1 block too.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
REPLACEMENT = "\ufffd"


def clean_text(value: str) -> str:
    """A text with its control characters replaced (visible, never silently dropped)."""
    return CONTROL.sub(REPLACEMENT, value)


def csv_cell(value: Any) -> Any:
    """A CSV cell: text cleaned and, when it could start a formula, quoted with '."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    text = clean_text(str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


# Tables ------------------------------------------------------------------------------

Gettext = Callable[[str], str]
Pgettext = Callable[[str, str], str]


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    format: str = ""  # an XLSX number format: "0", "0.0", "0.0%", "yyyy-mm-dd hh:mm"…


@dataclass
class Table:
    """One sheet (or one CSV): a localised name, columns and rows of plain values."""

    name: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    total: list[Any] | None = None  # a last row, bold
    indent: list[int] | None = None  # per row: the first cell's indent (a unit's depth)


def to_csv_table(table: Table) -> str:
    """CSV with a BOM (Excel then reads the Chinese as UTF-8), one header row."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([csv_cell(c.header) for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell(v) for v in row])
    if table.total:
        writer.writerow([csv_cell(v) for v in table.total])
    return out.getvalue()


def to_xlsx(tables: Sequence[Table], *, about: Sequence[tuple[str, str]], about_name: str) -> bytes:
    """A workbook: an about sheet (label, value pairs), then one sheet per table, each with
    a frozen header row, column widths and number formats."""
    from openpyxl import Workbook  # noqa: PLC0415 - only when exporting
    from openpyxl.styles import Alignment, Font  # noqa: PLC0415

    book = Workbook()
    first = book.active
    first.title = _sheet_name(about_name)
    bold = Font(bold=True)
    for r, (label, value) in enumerate(about, start=1):
        _put(first.cell(r, 1), label).font = bold
        _put(first.cell(r, 2), value).alignment = Alignment(wrap_text=True, vertical="top")
    first.column_dimensions["A"].width = 22
    first.column_dimensions["B"].width = 90
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.name))
        for c, col in enumerate(table.columns, start=1):
            cell = _put(sheet.cell(1, c), col.header)
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            sheet.column_dimensions[cell.column_letter].width = col.width
        rows = [*table.rows, *([table.total] if table.total else [])]
        for r, row in enumerate(rows, start=2):
            for c, (value, col) in enumerate(zip(row, table.columns, strict=True), start=1):
                cell = _put(sheet.cell(r, c), value)
                if col.format and not isinstance(value, str):
                    cell.number_format = col.format
                if table.total and r == len(rows) + 1:
                    cell.font = bold
            if table.indent and r - 2 < len(table.indent) and table.indent[r - 2]:
                sheet.cell(r, 1).alignment = Alignment(indent=table.indent[r - 2])
        sheet.freeze_panes = "B2" if table.indent is not None else "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _put(cell: Any, value: Any) -> Any:
    """Store a value in a cell; text always as text (never a formula), cleaned."""
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _sheet_name(name: str) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", clean_text(name))[:31] or "-"


def local(value: datetime | None, tz: tzinfo) -> datetime | None:
    """A moment as the local wall-clock time a spreadsheet shows (no zone: XLSX has none)."""
    return None if value is None else value.astimezone(tz).replace(tzinfo=None)


# The command line's export (greentally export): stable snake_case columns for scripts. ---

FACT_COLUMNS = (
    "fact_id",
    "kind",
    "status",
    "occurred_on",
    "created_at_utc",
    "campaign",
    "event",
    "person_id",
    "person",
    "unit_code",
    "unit",
    "mode_or_meal",
    "quantity",
    "person_times",
    "headcount",
    "co2_g",
    "points",
    "channel",
    "logged_by",
    "evidence",
    "void_reason",
)


async def fact_rows(
    core: Core, *, start: date, end: date, unit_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """Every fact (voided ones too, marked) with occurred_on in [start, end]."""
    async with core.read_bulk() as conn:
        rows = await queries.fact_export_rows(conn, start=start, end=end, unit_ids=unit_ids)
    return [
        {
            "fact_id": r["id"],
            "kind": r["kind"],
            "status": r["status"],
            "occurred_on": r["occurred_on"].isoformat(),
            "created_at_utc": r["created_at"].isoformat(timespec="seconds"),
            "campaign": r["slug"],
            "event": r["event_title"] or "",
            "person_id": r["person_id"] or "",
            "person": r["display_name"] or "",
            "unit_code": r["unit_code"] or "",
            "unit": r["unit_name"] or "",
            "mode_or_meal": r["mode"] or "",
            "quantity": r["quantity"],
            "person_times": r["counted"] if r["status"] == "counted" else 0,
            "headcount": r["headcount"] if r["status"] == "counted" else 0,
            "co2_g": r["co2_g"],
            "points": r["points"],
            "channel": r["channel"],
            "logged_by": r["logger_name"] or "",
            "evidence": r["evidence_path"] or "",
            "void_reason": r["void_reason"] or "",
        }
        for r in rows
    ]


def to_csv(rows: list[dict[str, Any]], columns: tuple[str, ...] = FACT_COLUMNS) -> str:
    """CSV with a BOM so Excel opens the Chinese correctly; every cell neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: csv_cell(row.get(k)) for k in columns} for row in rows)
    return out.getvalue()
