"""A person's own data as files to download: the JSON export as it is, and a CSV of their
actions (facts, then canteen checks) that spreadsheet programs open safely."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi.responses import Response


def json_download(data: dict[str, Any]) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(body, media_type="application/json", headers=_download("greentally-me.json"))


def csv_download(data: dict[str, Any]) -> Response:
    rows = [*data.get("facts", []), *(_as_row(c) for c in data.get("canteen_checks", []))]
    columns = list(dict.fromkeys(key for row in rows for key in row)) or ["id"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    # A BOM so spreadsheet programs open the Chinese text as UTF-8.
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers=_download("greentally-me.csv"),
    )


def _as_row(check: dict[str, Any]) -> dict[str, Any]:
    """A canteen check as a CSV row beside the facts: kind says what it is."""
    return {
        "kind": "canteen_check",
        "id": check.get("id"),
        "occurred_on": check.get("checked_on"),
        "created_at": check.get("created_at"),
        "status": check.get("status"),
        "evidence_path": check.get("evidence_path"),
        "unit_id": check.get("unit_id"),
        "canteen": check.get("unit_name_zh"),
        "check_kind": check.get("kind"),
        "passed": check.get("passed"),
        "notes": check.get("notes"),
    }


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: a cell must not start a formula.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _download(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
