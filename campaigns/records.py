"""The records list an organizer filters (event, unit with its subtree, dates, kind,
status, a name), in keyset pages, and the same filter for its export; an event's
attendees and its arrivals by quarter-hour."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from campaigns import catalog
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.figures import Slot, arrivals_by_quarter
from campaigns.labels import KIND_LABELS, STATUS_LABELS
from campaigns.reasons import Reason
from campaigns.reports import subtree_ids
from campaigns.results import FactView, pick
from campaigns.views import fact_view
from storage import reports as store
from storage.reports import FactWhere

PAGE = 100
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class RecordFilter:
    """What an organizer asked for; empty fields mean any. `status` takes every key of
    `labels.STATUS_LABELS` (so "pending" works once facts can wait for approval)."""

    start: date | None = None
    end: date | None = None
    event_id: int | None = None
    campaign_id: int | None = None
    unit_id: int | None = None
    kind: str = ""
    status: str = ""
    q: str = ""

    def checked(self) -> RecordFilter:
        """Refuses INVALID_INPUT: an unknown kind or status, a range backwards or over three
        years."""
        if self.kind and self.kind not in KIND_LABELS:
            raise Refused(Reason.INVALID_INPUT, field="kind")
        if self.status and self.status not in STATUS_LABELS:
            raise Refused(Reason.INVALID_INPUT, field="status")
        if (
            self.start
            and self.end
            and (self.end < self.start or (self.end - self.start).days > MAX_DAYS)
        ):
            raise Refused(Reason.INVALID_INPUT, field="end")
        return replace(self, q=self.q.strip()[:80])

    def query(self) -> dict[str, str]:
        """The filter as query parameters (for the next page and the export links)."""
        values: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "event": self.event_id,
            "campaign": self.campaign_id,
            "unit": self.unit_id,
            "kind": self.kind,
            "status": self.status,
            "q": self.q,
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


@dataclass(frozen=True)
class RecordLine:
    fact: FactView
    person_name: str
    logger_name: str
    unit_code: str
    unit_name_zh: str
    unit_name_en: str
    campaign_slug: str
    campaign_zh: str
    campaign_en: str
    counting_rule: str
    event_zh: str
    event_en: str
    evidence_status: str | None

    def campaign(self, lang: str) -> str:
        return pick(lang, self.campaign_zh, self.campaign_en)

    def unit(self, lang: str) -> str:
        return pick(lang, self.unit_name_zh, self.unit_name_en)

    def event(self, lang: str) -> str:
        return pick(lang, self.event_zh, self.event_en)


def _line(r: Any) -> RecordLine:
    return RecordLine(
        fact=fact_view(r),
        person_name=r["person_name"] or "",
        logger_name=r["logger_name"] or "",
        unit_code=r["unit_code"] or "",
        unit_name_zh=r["unit_name_zh"] or "",
        unit_name_en=r["unit_name_en"] or "",
        campaign_slug=r["campaign_slug"],
        campaign_zh=r["campaign_zh"],
        campaign_en=r["campaign_en"] or "",
        counting_rule=r["counting_rule"],
        event_zh=r["event_zh"] or "",
        event_en=r["event_en"] or "",
        evidence_status=r["evidence_status"],
    )


async def _where(core: Core, f: RecordFilter) -> FactWhere:
    units = None
    if f.unit_id is not None:
        units = subtree_ids(await catalog.list_units(core), [f.unit_id])
    return FactWhere(
        start=f.start,
        end=f.end,
        event_id=f.event_id,
        campaign_id=f.campaign_id,
        unit_ids=units,
        kinds=(f.kind,) if f.kind else (),
        statuses=(f.status,) if f.status else (),
        text=f.q,
    )


@dataclass(frozen=True)
class RecordPage:
    filter: RecordFilter
    lines: list[RecordLine]
    older: int | None  # the `before` of the next (older) page, when there is one


async def record_page(
    core: Core, f: RecordFilter, *, before: int | None = None, limit: int = PAGE
) -> RecordPage:
    """One page of records under the filter, newest first. Refuses INVALID_INPUT."""
    f = f.checked()
    where = await _where(core, f)
    async with core.read() as conn:
        rows = await store.fact_page(conn, where, limit=limit + 1, before_id=before)
    lines = [_line(r) for r in rows[:limit]]
    older = lines[-1].fact.id if len(rows) > limit else None
    return RecordPage(f, lines, older)


async def record_export(core: Core, f: RecordFilter) -> list[RecordLine]:
    """Every record under the filter (voided ones too), oldest day first. Refuses
    INVALID_INPUT, and a filter without both dates (an export names its period)."""
    f = f.checked()
    if f.start is None or f.end is None:
        raise Refused(Reason.INVALID_INPUT, field="start")
    where = await _where(core, f)
    async with core.read_bulk() as conn:
        rows = await store.fact_export(conn, where)
    return [_line(r) for r in rows]


async def attendees(
    core: Core, *, event_id: int, q: str = "", before: int | None = None, limit: int = PAGE
) -> RecordPage:
    """Who checked in at an event (name, unit, time, channel, who scanned), newest first,
    searchable by name. Refuses UNKNOWN_EVENT."""
    await catalog.get_event(core, event_id=event_id)
    f = RecordFilter(event_id=event_id, kind="checkin", q=q)
    return await record_page(core, f, before=before, limit=limit)


async def all_attendees(core: Core, *, event_id: int, q: str = "") -> list[RecordLine]:
    """Every check-in of an event (voided ones too, marked), for its export."""
    await catalog.get_event(core, event_id=event_id)
    f = RecordFilter(event_id=event_id, kind="checkin", q=q).checked()
    async with core.read_bulk() as conn:
        rows = await store.fact_export(conn, await _where(core, f))
    return [_line(r) for r in rows]


async def arrivals(core: Core, *, event_id: int) -> list[Slot]:
    """An event's counted check-ins per quarter-hour, local time."""
    async with core.read() as conn:
        times = await store.arrival_times(conn, event_id)
    return arrivals_by_quarter(times, core.tz)
