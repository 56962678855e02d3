"""Facts for the year-end check, as rows and as CSV; every total traces back to these."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from campaigns.core import Core
from storage import queries

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
    """CSV with a BOM so Excel opens the Chinese correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
