"""Small helpers the page routes share: idempotency keys, answers, unit lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.responses import RedirectResponse

from campaigns import catalog
from campaigns.core import Core
from campaigns.results import Recorded, UnitView
from web.deps import Viewer

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def idempotency_key(value: str | None) -> str | None:
    """The form's one-time key, namespaced; a malformed one is ignored, not trusted."""
    if value and _KEY.match(value):
        return f"web:{value}"
    return None


def answer(viewer: Viewer, recorded: Recorded) -> RedirectResponse:
    """Post/redirect/get: the answer page reads a signed summary of what was recorded."""
    fact = recorded.fact
    advice = recorded.advice
    data: dict[str, Any] = {
        "k": str(fact.kind),
        "f": fact.id,
        "p": fact.points,
        "g": fact.co2_g,
        "q": fact.quantity,
        "m": fact.mode,
        "n": fact.counted,
        "d": fact.occurred_on.isoformat(),
        "cap": recorded.points_capped,
        "rep": recorded.repeated,
        "cid": recorded.campaign.id,
        "c": recorded.event.code if recorded.event else None,
        "a": [advice.fits, advice.band_km, advice.suggested_mode] if advice else None,
    }
    token = viewer.state.signer.dump_result(data)
    return RedirectResponse(f"/done?r={token}", status_code=303)


@dataclass(frozen=True)
class UnitOption:
    id: int
    label: str
    depth: int


async def unit_options(core: Core, lang: str, query: str | None) -> list[UnitOption]:
    """The unit tree for a <select>, indented by depth; a query narrows it to matches."""
    if query and query.strip():
        found = await catalog.search_units(core, query=query.strip(), limit=30)
        return [UnitOption(u.id, u.name(lang), 0) for u in found]
    units = await catalog.list_units(core)
    return [UnitOption(u.id, u.name(lang), d) for u, d in _with_depth(units)]


def _with_depth(units: list[UnitView]) -> list[tuple[UnitView, int]]:
    parents = {u.id: u.parent_id for u in units}
    out = []
    for unit in units:
        depth, parent, seen = 0, unit.parent_id, set()
        while parent is not None and parent in parents and parent not in seen:
            seen.add(parent)
            depth += 1
            parent = parents[parent]
        out.append((unit, min(depth, 4)))
    return out


def parse_int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
