"""Small helpers the page routes share: idempotency keys, answers, unit lists, numbers,
photos kept only when they are used."""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from fastapi import UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from campaigns import catalog, evidence, unit_search
from campaigns.core import Core
from campaigns.results import Recorded, UnitView
from web.deps import Viewer, WebState
from web.errors import status_for, words_for
from web.evidence import evidence_from

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_INT = 2**31 - 1  # every id and count fits a 32-bit signed column on every backend
SEARCH_LIMIT = 30
OPTIONS_LIMIT = 80
T = TypeVar("T")


def idempotency_key(value: str | None) -> str | None:
    """The form's one-time key, namespaced; a malformed one is ignored, not trusted."""
    if value and _KEY.match(value):
        return f"web:{value}"
    return None


def join_key(key: str | None) -> str | None:
    """The registration's key for an action's key: a resent form registers one person."""
    return f"join:{key}" if key else None


def answer(viewer: Viewer, recorded: Recorded, *, flagged: bool = False) -> RedirectResponse:
    """Post/redirect/get: the answer page reads a signed summary of what was recorded.
    `flagged`: the person was just registered beside a namesake (say how to link phones)."""
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
        "w": fact.status == "pending",
        "dup": flagged,
    }
    token = viewer.state.signer.dump_result(data)
    return RedirectResponse(f"/done?r={token}", status_code=303)


# numbers --------------------------------------------------------------------------------


def parse_int(value: str | None) -> int | None:
    """A whole number from 1 to MAX_INT, or None (empty, not a number, out of range)."""
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if 1 <= number <= MAX_INT else None


def parse_number(value: str | None) -> float | None:
    """A finite decimal ("2.5", "2,5", "2，5"), or None: nan, inf and 1e400 are not numbers."""
    try:
        number = float((value or "").strip().replace(",", ".").replace("，", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# photos ---------------------------------------------------------------------------------


async def with_photo(
    state: WebState,
    photo: UploadFile | None,
    *,
    day: date,
    act: Callable[[str | None], Awaitable[T]],
) -> T:
    """Store the photo (cleaned), run the action with it, and keep the file only when the
    action used it: a refusal, a crash or a repeated submit (whose first answer has its own
    photo) deletes it again.

    A cancelled request keeps it: the writer still runs a command handed to it (an
    acknowledged write is never dropped), so its fact may point at the file; a stray file
    is the lesser harm than a fact whose photo is gone."""
    stored = await evidence_from(photo, state.evidence_dir, day=day)
    try:
        result = await act(stored)
    except Exception:
        discard_photos(state, [stored])
        raise
    if getattr(result, "repeated", False):
        discard_photos(state, [stored])
    return result


def discard_photos(state: WebState, paths: Iterable[str | None]) -> None:
    """Delete stored evidence photos by their recorded paths (never outside the folder)."""
    for path in paths:
        evidence.discard(state.evidence_dir, path)


# joining --------------------------------------------------------------------------------


async def join_form(
    viewer: Viewer,
    *,
    next_url: str,
    unit_q: str | None,
    name: str,
    unit_id: str,
    error: Exception | None = None,
    **extra: Any,
) -> HTMLResponse:
    """The join form (name and unit, once), again with what was typed and any refusal."""
    status, message, reason = 200, None, None
    if error is not None:
        reason, message = words_for(error, viewer.lang.gettext, viewer.lang.tz)
        status = status_for(reason)
    units = await unit_options(viewer.state.core, viewer.lang.code, unit_q)
    verify = await verify_step(viewer, reason, name, parse_int(unit_id))
    return viewer.render(
        "join.html",
        status_code=status,
        units=units,
        unit_q=unit_q or "",
        next=next_url,
        name=name[:40],
        unit_id=parse_int(unit_id),
        message=message,
        reason=reason,
        verify=verify,
        **extra,
    )


# joining --------------------------------------------------------------------------------

VERIFY_REASONS = {"verifier_required", "verifier_wrong", "verifier_locked"}


@dataclass(frozen=True)
class VerifyStep:
    """The registration's second step: the name and unit given, and a verifier to ask."""

    name: str
    unit_id: int
    unit_name: str


async def verify_step(
    viewer: Viewer, reason: str | None, name: str, unit_id: int | None
) -> VerifyStep | None:
    """When the roster asks who this is: the step that asks for the staff number or the
    phone's last four digits (the form keeps the name and unit as given)."""
    if reason not in VERIFY_REASONS or unit_id is None:
        return None
    unit = await catalog.get_unit(viewer.state.core, unit_id)
    return VerifyStep(
        name=name.strip()[:40], unit_id=unit.id, unit_name=unit.name(viewer.lang.code)
    )


# units ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitOption:
    id: int
    label: str
    depth: int = 0


@dataclass(frozen=True)
class UnitChoice:
    """The units a form offers after a search: the options, how many units the search
    itself named (0: "nothing found", shown with a hint) and the one to preselect when the
    search named exactly one."""

    options: list[UnitOption]
    query: str = ""
    matched: int = 0
    chosen: int | None = None
    chosen_label: str = ""

    def __iter__(self) -> Iterator[UnitOption]:
        return iter(self.options)

    def __len__(self) -> int:
        return len(self.options)


async def unit_options(core: Core, lang: str, query: str | None) -> UnitChoice:
    """The units a form offers: the top of the tree, or for a search the matches (by
    characters, pinyin or initials) and the units under each match, each named with its
    parent ("Parent › Unit"). The whole tree is never inlined: a county's units would
    outweigh the page. A search that finds nothing offers the top of the tree again."""
    units = await catalog.list_units(core)
    by_id = {u.id: u for u in units}
    top = [UnitOption(u.id, u.name(lang)) for u in units if u.parent_id not in by_id]
    text = (query or "").strip()
    if not text:
        return UnitChoice(top)
    found = unit_search.search(units, text, limit=SEARCH_LIMIT)
    if not found:
        return UnitChoice(top, query=text)
    chosen = _with_children(found, units)[:OPTIONS_LIMIT]
    options = [UnitOption(u.id, unit_label(u, by_id, lang)) for u in chosen]
    single = found[0] if len(found) == 1 else None
    if single is None:
        return UnitChoice(options, query=text, matched=len(found))
    label = unit_label(single, by_id, lang)
    return UnitChoice(options, query=text, matched=1, chosen=single.id, chosen_label=label)


def unit_label(unit: UnitView, by_id: dict[int, UnitView], lang: str) -> str:
    parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
    return f"{parent.name(lang)} › {unit.name(lang)}" if parent else unit.name(lang)


def _with_children(found: list[UnitView], units: list[UnitView]) -> list[UnitView]:
    """Each match followed by the units directly under it, each unit once."""
    children: dict[int, list[UnitView]] = {}
    for unit in units:
        if unit.parent_id is not None:
            children.setdefault(unit.parent_id, []).append(unit)
    out: list[UnitView] = []
    seen: set[int] = set()
    for unit in found:
        for item in (unit, *children.get(unit.id, [])):
            if item.id not in seen:
                seen.add(item.id)
                out.append(item)
    return out
