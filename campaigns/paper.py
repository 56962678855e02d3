"""Paper sign-in sheets (纸质签到表) for people without a smartphone: printed per event with
the roster's names (or blank rows), entered back as ticks. Each ticked row becomes a
check-in with the channel `paper`, matched to the roster person, once per sheet and row."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from campaigns import audit, text
from campaigns.actions import _actor
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.identity import name_key
from campaigns.joining import create_person, row_person
from campaigns.reasons import Reason
from campaigns.recording import checkin_key, fact_row, write_fact
from campaigns.results import Channel, FactKind, Role
from storage import field as store
from storage import identity as identity_store
from storage import queries
from storage.models import PaperRow, PaperSheet
from storage.writer import Call, Tx

ROWS_PER_PAGE = 25
MAX_ROWS = 1000
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off paper


def row_code(sheet_code: str, row_no: int) -> str:
    """The short code printed on a row: the sheet's code and the row's number."""
    return f"{sheet_code}-{row_no:03d}"


@dataclass(frozen=True)
class SheetRow:
    row_no: int
    code: str
    name: str  # printed (a roster person) or written in (a blank row, once entered)
    from_roster: bool
    person_id: int | None
    entered: bool  # a check-in was stored from this row
    channel: str | None  # the check-in's channel, when one exists


@dataclass(frozen=True)
class SheetView:
    id: int
    code: str
    event_id: int
    event_code: str
    event_title_zh: str
    event_title_en: str
    starts_at: datetime
    place: str
    unit_id: int | None
    unit_name_zh: str
    unit_name_en: str
    created_at: datetime
    rows: tuple[SheetRow, ...]

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // ROWS_PER_PAGE))


@dataclass(frozen=True)
class RowOutcome:
    row_no: int
    name: str
    outcome: str  # checked_in | entered_before | already_checked_in


@dataclass(frozen=True)
class EntryReport:
    sheet_code: str
    outcomes: tuple[RowOutcome, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


def _new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(6))


def clean_sheet_code(code: str) -> str:
    return (code or "").strip().upper()


async def create_sheet(
    core: Core,
    *,
    actor_id: int | None,
    event_id: int,
    unit_id: int,
    blank_rows: int,
    with_roster: bool = True,
    now: datetime,
) -> SheetView:
    """A sign-in sheet for an event: one row per current roster person of the unit (when
    asked), then blank rows. Refuses NOT_ALLOWED (below organizer), UNKNOWN_EVENT,
    UNKNOWN_UNIT, INVALID_QUANTITY (no rows, or more than MAX_ROWS)."""
    if isinstance(blank_rows, bool) or not 0 <= blank_rows <= MAX_ROWS:
        raise Refused(Reason.INVALID_QUANTITY)

    async def run(tx: Tx) -> SheetView:
        if actor_id is not None:
            await _actor(tx, actor_id, Role.ORGANIZER)
        if await queries.event(tx.conn, event_id=event_id) is None:
            raise Refused(Reason.UNKNOWN_EVENT)
        if await queries.unit(tx.conn, unit_id) is None:
            raise Refused(Reason.UNKNOWN_UNIT)
        roster = await store.current_roster(tx.conn, unit_id) if with_roster else []
        total = len(roster) + blank_rows
        if total == 0 or total > MAX_ROWS:
            raise Refused(Reason.INVALID_QUANTITY)
        values = {
            "event_id": event_id,
            "unit_id": unit_id,
            "created_at": now,
            "created_by_id": actor_id,
        }
        sheet_id = None
        while sheet_id is None:  # a code already taken: draw again
            sheet_id = await store.insert(tx.conn, PaperSheet, {**values, "code": _new_code()})
        rows = [
            {
                "sheet_id": sheet_id,
                "row_no": n,
                "roster_entry_id": r["id"],
                "name": r["name"],
                "person_id": r["person_id"],
            }
            for n, r in enumerate(roster, start=1)
        ]
        rows += [
            {
                "sheet_id": sheet_id,
                "row_no": n,
                "roster_entry_id": None,
                "name": "",
                "person_id": None,
            }
            for n in range(len(roster) + 1, total + 1)
        ]
        for row in rows:
            await store.insert(tx.conn, PaperRow, row)
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="print_paper_sheet",
            target=f"event:{event_id}",
            now=now,
            rows=total,
        )
        return await _sheet_view(tx.conn, sheet_id)

    return await core.write(Call[SheetView](run))


async def _sheet_view(conn: Any, sheet_id: int) -> SheetView:
    s = await store.sheet(conn, id=sheet_id)
    if s is None:
        raise Refused(Reason.UNKNOWN_SHEET)
    ev = await queries.event(conn, event_id=s["event_id"])
    assert ev is not None
    unit = await queries.unit(conn, s["unit_id"]) if s["unit_id"] else None
    rows = await store.sheet_rows(conn, sheet_id)
    return SheetView(
        id=s["id"],
        code=s["code"],
        event_id=ev["id"],
        event_code=ev["code"],
        event_title_zh=ev["title_zh"],
        event_title_en=ev["title_en"],
        starts_at=ev["starts_at"],
        place=ev["place"],
        unit_id=s["unit_id"],
        unit_name_zh=unit["name_zh"] if unit else "",
        unit_name_en=unit["name_en"] if unit else "",
        created_at=s["created_at"],
        rows=tuple(
            SheetRow(
                row_no=r["row_no"],
                code=row_code(s["code"], r["row_no"]),
                name=r["name"],
                from_roster=r["roster_entry_id"] is not None,
                person_id=r["person_id"],
                entered=r["fact_id"] is not None and r["fact_status"] != "void",
                channel=r["fact_channel"],
            )
            for r in rows
        ),
    )


async def get_sheet(core: Core, code: str) -> SheetView:
    """A sheet by its printed code. Refuses UNKNOWN_SHEET."""
    async with core.read() as conn:
        s = await store.sheet(conn, code=clean_sheet_code(code))
        if s is None:
            raise Refused(Reason.UNKNOWN_SHEET)
        return await _sheet_view(conn, s["id"])


async def sheets_of_event(core: Core, event_id: int) -> list[SheetView]:
    async with core.read() as conn:
        return [
            await _sheet_view(conn, s["id"]) for s in await store.sheets_of_event(conn, event_id)
        ]


async def _row_person_id(tx: Tx, sheet: Any, row: Any, name: str, now: datetime) -> int:
    """The person a row stands for: the one bound by an earlier entry, the roster row's
    person (made and bound if the row had none), or for a written-in name the unit's
    roster person or only person of that name, else a new person (flagged when
    namesakes exist)."""
    if row["person_id"] is not None:
        return await identity_store.merged_target(tx.conn, row["person_id"])
    if row["roster_entry_id"] is not None:
        entry = await identity_store.roster_entry(tx.conn, row["roster_entry_id"])
        return (await row_person(tx, entry, now=now)).id
    key = name_key(name)
    unit_id = sheet["unit_id"]
    candidates = await identity_store.roster_candidates(tx.conn, unit_id=unit_id, name_key=key)
    if len(candidates) == 1:
        return (await row_person(tx, candidates[0], now=now)).id
    people = await store.people_named_in_unit(tx.conn, unit_id=unit_id, name_key=key)
    if len(people) == 1 and not candidates:
        return int(people[0]["id"])
    person = await create_person(
        tx,
        name=name,
        key=key,
        unit_id=unit_id,
        role=Role.PARTICIPANT,
        language="zh",
        telegram_id=None,
        now=now,
        flagged=bool(people or candidates),
    )
    return person.id


async def enter_sheet(
    core: Core,
    *,
    actor_id: int,
    code: str,
    ticked: list[int],
    names: dict[int, str] | None = None,
    now: datetime,
    evidence_path: str | None = None,
) -> EntryReport:
    """Enter a filled sheet: each ticked row a check-in (channel `paper`, logged by the
    actor) of the row's person at the sheet's event, dated the event's day. Entering the
    same sheet again changes nothing; a person already checked in by another channel is
    reported, not counted twice. Everything is checked before anything is written.

    Refuses NOT_ALLOWED (below volunteer), UNKNOWN_SHEET, UNKNOWN_SHEET_ROW (detail row),
    SHEET_ROW_NAME_REQUIRED (detail row: a ticked blank row without a name),
    WINDOW_NOT_OPEN (before the event's check-in opens), NAME_TOO_LONG, HIDDEN_CHARACTERS."""
    names = names or {}
    sheet_code = clean_sheet_code(code)
    written_in = {
        n: text.clean_name(v, max_length=core.rules.max_name_length)
        for n, v in names.items()
        if (v or "").strip()
    }

    async def run(tx: Tx) -> EntryReport:
        actor = await _actor(tx, actor_id, Role.VOLUNTEER)
        sheet = await store.sheet(tx.conn, code=sheet_code)
        if sheet is None:
            raise Refused(Reason.UNKNOWN_SHEET)
        await store.lock_sheet(tx.conn, sheet["id"])
        ev = await queries.event(tx.conn, event_id=sheet["event_id"])
        assert ev is not None
        if now < ev["checkin_opens_at"]:
            raise Refused(Reason.WINDOW_NOT_OPEN, opens=ev["checkin_opens_at"])
        rows = {r["row_no"]: r for r in await store.sheet_rows(tx.conn, sheet["id"])}
        for n in sorted(set(ticked)):
            if n not in rows:
                raise Refused(Reason.UNKNOWN_SHEET_ROW, row=n)
            if rows[n]["roster_entry_id"] is None and not rows[n]["name"] and n not in written_in:
                raise Refused(Reason.SHEET_ROW_NAME_REQUIRED, row=n)
        goal = await queries.counts_toward_goal(tx.conn, ev["campaign_id"])
        day = ev["starts_at"].astimezone(core.tz).date()
        outcomes = []
        for n in sorted(set(ticked)):
            row = rows[n]
            name = row["name"] or written_in[n]
            idem = f"paper:{sheet['id']}:{n}"
            if await queries.fact(tx.conn, idempotency_key=idem) is not None:
                outcomes.append(RowOutcome(n, name, "entered_before"))
                continue
            person_id = await _row_person_id(tx, sheet, row, name, now)
            if row["person_id"] is None:
                await store.bind_row_person(tx.conn, row["id"], person_id)
                if not row["name"]:
                    await store.set_values(tx.conn, PaperRow, row["id"], name=name)
            person = await queries.person(tx.conn, id=person_id)
            if await queries.fact(tx.conn, count_key=checkin_key(ev["id"], person_id)):
                outcomes.append(RowOutcome(n, name, "already_checked_in"))
                continue
            fact = fact_row(
                kind=FactKind.CHECKIN,
                person_id=person_id,
                unit_id=person["unit_id"] if person else sheet["unit_id"],
                campaign_id=ev["campaign_id"],
                event_id=ev["id"],
                occurred_on=day,
                now=now,
                channel=Channel.PAPER.value,
                logged_by_id=actor["id"],
                points=core.rules.points["checkin"],
                counted=1,
                idempotency_key=idem,
                count_key=checkin_key(ev["id"], person_id),
            )
            try:
                written = await write_fact(
                    tx, fact, counts_toward_goal=goal, ledger_person=person_id
                )
            except Refused:  # checked in by phone meanwhile: that insert wrote nothing
                outcomes.append(RowOutcome(n, name, "already_checked_in"))
                continue
            await store.set_values(
                tx.conn, PaperRow, row["id"], fact_id=written["id"], entered_at=now
            )
            outcomes.append(RowOutcome(n, name, "checked_in"))
        if evidence_path and sheet["evidence_path"] is None:
            await store.set_values(tx.conn, PaperSheet, sheet["id"], evidence_path=evidence_path)
        await audit.record(
            tx.conn,
            actor_id=actor["id"],
            action="enter_paper_sheet",
            target=f"sheet:{sheet['code']}",
            now=now,
            checked_in=sum(1 for o in outcomes if o.outcome == "checked_in"),
        )
        return EntryReport(sheet_code=sheet["code"], outcomes=tuple(outcomes))

    return await core.write(Call[EntryReport](run))
