"""Energy patrols (节能巡查): buildings and rooms, a volunteer's room visits, and what a
unit's patrols found. A patrol is one volunteer's visit of one building on one day; it
counts as that volunteer's service by the service rule (one person-time per volunteer per
day), and each room visit is a fact behind it."""

from __future__ import annotations

import csv
import io
import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from campaigns import audit, text
from campaigns.actions import _actor, _habit_campaign
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.field_rules import load_field_rules
from campaigns.identity import request_fingerprint, scoped_key
from campaigns.reasons import Reason
from campaigns.recording import RetryAlone, day_key, fact_row, write_fact
from campaigns.results import FactKind, Role
from storage import field as store
from storage import queries
from storage.models import Building, Patrol, Room, RoomVisit
from storage.writer import Call, Tx

# Room codes: what a label's QR holds (and the bot's deep link `r_<code>`); no 0/o, 1/l.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
PATROL_MODE = "patrol"  # the service fact's mode: a patrol, not typed-in hours
NIGHT_ENDS = timedelta(hours=4)  # a visit before 04:00 is the evening before's patrol


def new_room_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def clean_room_code(code: str) -> str:
    """A room code as typed or scanned (a whole link, or the bot's `r_` payload)."""
    code = (code or "").strip().lower().rstrip("/")
    code = code.rsplit("/", 1)[-1]
    return code.removeprefix("r_")


@dataclass(frozen=True)
class RoomView:
    id: int
    code: str
    name: str
    floor: int
    building_id: int


@dataclass(frozen=True)
class BuildingView:
    id: int
    unit_id: int
    code: str
    name: str
    floor_area_m2: float
    rooms: tuple[RoomView, ...] = ()


@dataclass(frozen=True)
class VisitView:
    id: int
    room: RoomView
    building: BuildingView
    findings: tuple[str, ...]
    visited_at: datetime
    patrol_id: int
    rooms_done: tuple[str, ...]  # rooms of this patrol so far, in order
    counted: bool  # this patrol added the volunteer's person-time for the day
    points: int
    repeated: bool = False

    @property
    def all_off(self) -> bool:
        return not self.findings


def _room(r: Any) -> RoomView:
    return RoomView(
        id=r["id"], code=r["code"], name=r["name"], floor=r["floor"], building_id=r["building_id"]
    )


def _building(b: Any, rooms: tuple[RoomView, ...] = ()) -> BuildingView:
    return BuildingView(
        id=b["id"],
        unit_id=b["unit_id"],
        code=b["code"],
        name=b["name"],
        floor_area_m2=float(b["floor_area_m2"]),
        rooms=rooms,
    )


def _area(value: float) -> float:
    if isinstance(value, bool) or not math.isfinite(value) or value < 0 or value > 10_000_000:
        raise Refused(Reason.INVALID_QUANTITY)
    return round(float(value), 1)


async def _organizer(tx: Tx, actor_id: int | None) -> None:
    if actor_id is not None:
        await _actor(tx, actor_id, Role.ORGANIZER)


async def _save_building(
    tx: Tx, *, unit_id: int, name: str, floor_area_m2: float, now: datetime
) -> int:
    if await queries.unit(tx.conn, unit_id) is None:
        raise Refused(Reason.UNKNOWN_UNIT)
    found = await store.building(tx.conn, unit_id=unit_id, name=name)
    if found is not None:
        if float(found["floor_area_m2"]) != floor_area_m2:
            await store.set_values(tx.conn, Building, found["id"], floor_area_m2=floor_area_m2)
        return int(found["id"])
    values = {
        "unit_id": unit_id,
        "code": "b" + new_room_code(),
        "name": name,
        "floor_area_m2": floor_area_m2,
        "created_at": now,
    }
    new_id = await store.insert(tx.conn, Building, values)
    if new_id is None:  # another instance saved it meanwhile
        again = await store.building(tx.conn, unit_id=unit_id, name=name)
        assert again is not None
        return int(again["id"])
    return new_id


async def _add_rooms(tx: Tx, building_id: int, rooms: list[tuple[str, int]], now: datetime) -> int:
    added = 0
    for name, floor in rooms:
        if await store.room(tx.conn, building_id=building_id, name=name) is not None:
            continue
        values = {
            "building_id": building_id,
            "code": new_room_code(),
            "name": name,
            "floor": floor,
            "created_at": now,
        }
        added += (await store.insert(tx.conn, Room, values)) is not None
    return added


def _name(core: Core, value: str) -> str:
    return text.clean_name(value, max_length=core.rules.max_name_length * 2)


async def save_building(
    core: Core,
    *,
    actor_id: int | None,
    unit_id: int,
    name: str,
    floor_area_m2: float,
    rooms: list[tuple[str, int]] | None = None,
    now: datetime,
) -> BuildingView:
    """Register a unit's building (or change its floor area) and add rooms to it; a room
    already there is kept with its label. Refuses NOT_ALLOWED (below organizer),
    UNKNOWN_UNIT, NAME_REQUIRED, NAME_TOO_LONG, HIDDEN_CHARACTERS, INVALID_QUANTITY (an
    area below zero)."""
    name = _name(core, name)
    area = _area(floor_area_m2)
    wanted = [(_name(core, n), int(f)) for n, f in rooms or []]

    async def run(tx: Tx) -> BuildingView:
        await _organizer(tx, actor_id)
        building_id = await _save_building(
            tx, unit_id=unit_id, name=name, floor_area_m2=area, now=now
        )
        added = await _add_rooms(tx, building_id, wanted, now)
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="save_building",
            target=f"building:{building_id}",
            now=now,
            name=name,
            rooms_added=added,
        )
        return await _building_view(tx.conn, building_id)

    return await core.write(Call[BuildingView](run))


ROOM_COLUMNS = ("unit_code", "building", "floor_area_m2", "room", "floor")


def parse_rooms_csv(data: str) -> tuple[list[dict[str, str]], list[int]]:
    """Rows of a rooms CSV (`unit_code,building,floor_area_m2,room,floor`) and the numbers
    of the rows that are not complete."""
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    rows, bad = [], []
    for n, raw in enumerate(reader, start=2):
        row = {k: (raw.get(k) or "").strip() for k in ROOM_COLUMNS}
        if not row["unit_code"] or not row["building"] or not row["room"]:
            bad.append(n)
            continue
        rows.append(row)
    return rows, bad


async def import_rooms_csv(
    core: Core, *, actor_id: int | None, data: str, now: datetime
) -> tuple[int, int]:
    """Buildings and rooms from CSV, all or nothing: (buildings, rooms added). Refuses
    ROWS_REFUSED (detail rows: the numbers of incomplete rows), UNKNOWN_UNIT (detail code),
    INVALID_QUANTITY (an area or floor that is no number), and the name refusals."""
    rows, bad = parse_rooms_csv(data)
    if bad or not rows:
        raise Refused(Reason.ROWS_REFUSED, count=len(bad) or 1, rows=bad)
    plan: dict[tuple[str, str], tuple[float, list[tuple[str, int]]]] = {}
    for row in rows:
        try:
            area = _area(float(row["floor_area_m2"] or 0))
            floor = int(row["floor"] or 1)
        except ValueError:
            raise Refused(Reason.INVALID_QUANTITY) from None
        key = (row["unit_code"], _name(core, row["building"]))
        _, rooms = plan.setdefault(key, (area, []))
        plan[key] = (max(area, plan[key][0]), rooms)
        rooms.append((_name(core, row["room"]), floor))

    async def run(tx: Tx) -> tuple[int, int]:
        await _organizer(tx, actor_id)
        ids = {}
        for code, _ in plan:
            unit_id = await queries.unit_id_by_code(tx.conn, code)
            if unit_id is None:
                raise Refused(Reason.UNKNOWN_UNIT, code=code)
            ids[code] = unit_id
        added = 0
        for (code, name), (area, rooms) in plan.items():
            building_id = await _save_building(
                tx, unit_id=ids[code], name=name, floor_area_m2=area, now=now
            )
            added += await _add_rooms(tx, building_id, rooms, now)
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="import_rooms",
            target="rooms",
            now=now,
            buildings=len(plan),
            rooms_added=added,
        )
        return len(plan), added

    return await core.write(Call[tuple[int, int]](run))


async def _building_view(conn: Any, building_id: int) -> BuildingView:
    b = await store.building(conn, id=building_id)
    if b is None:
        raise Refused(Reason.UNKNOWN_BUILDING)
    rooms = tuple(_room(r) for r in await store.rooms(conn, [building_id]))
    return _building(b, rooms)


async def get_building(core: Core, building_id: int) -> BuildingView:
    """A building with its rooms. Refuses UNKNOWN_BUILDING."""
    async with core.read() as conn:
        return await _building_view(conn, building_id)


async def list_buildings(core: Core, *, unit_id: int | None = None) -> list[BuildingView]:
    async with core.read() as conn:
        found = await store.buildings(conn, unit_id)
        rooms = await store.rooms(conn, [b["id"] for b in found]) if found else []
    by_building: dict[int, list[RoomView]] = {}
    for r in rooms:
        by_building.setdefault(r["building_id"], []).append(_room(r))
    return [_building(b, tuple(by_building.get(b["id"], []))) for b in found]


async def find_room(core: Core, code: str) -> tuple[RoomView, BuildingView]:
    """The room a label names, with its building. Refuses UNKNOWN_ROOM."""
    async with core.read() as conn:
        r = await store.room(conn, code=clean_room_code(code))
        if r is None:
            raise Refused(Reason.UNKNOWN_ROOM)
        b = await store.building(conn, id=r["building_id"])
    assert b is not None
    return _room(r), _building(b)


def check_findings(findings: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The findings in the rules' order, each once. Refuses UNKNOWN_FINDING."""
    known = load_field_rules().findings
    chosen = {f.strip() for f in findings if f.strip()}
    if chosen - set(known):
        raise Refused(Reason.UNKNOWN_FINDING)
    return tuple(f for f in known if f in chosen)


async def _patrol(
    tx: Tx,
    core: Core,
    *,
    building_id: int,
    person: dict[str, Any],
    day: date,
    now: datetime,
    channel: str,
) -> tuple[int, bool, int]:
    """The volunteer's patrol of the building that day, made with its service fact on the
    first room: (patrol id, whether it counted a person-time now, points)."""
    found = await store.patrol(tx.conn, building_id=building_id, volunteer_id=person["id"], day=day)
    if found is not None:
        return int(found["id"]), False, 0
    camp = await _habit_campaign(tx, "service", day)
    _, _, pts = await queries.day_usage(
        tx.conn, person_id=person["id"], kind=FactKind.SERVICE.value, day=day, pending=False
    )
    points = core.rules.capped_points("service", load_field_rules().patrol_points, pts)
    row = fact_row(
        kind=FactKind.SERVICE,
        person_id=person["id"],
        unit_id=person["unit_id"],
        campaign_id=int(camp["id"]),
        occurred_on=day,
        now=now,
        channel=channel,
        mode=PATROL_MODE,
        logged_by_id=person["id"],
        points=points,
        counted=1,
        count_key=day_key(int(camp["id"]), person["id"], day),
    )
    written = await write_fact(
        tx, row, counts_toward_goal=bool(camp["counts_toward_goal"]), ledger_person=person["id"]
    )
    values = {
        "building_id": building_id,
        "volunteer_id": person["id"],
        "day": day,
        "started_at": now,
        "fact_id": written["id"],
    }
    patrol_id = await store.insert(tx.conn, Patrol, values)
    if patrol_id is None:
        raise RetryAlone  # another instance began this patrol: run again, alone
    return patrol_id, bool(written["counted"]), int(written["points"])


def patrol_day(core: Core, now: datetime) -> date:
    """The evening a visit belongs to: a patrol that runs past midnight is still that
    evening's (one patrol, one person-time) until NIGHT_ENDS, local time."""
    return core.today(now - NIGHT_ENDS)


async def record_visit(
    core: Core,
    *,
    volunteer_id: int,
    room_code: str,
    findings: list[str] | tuple[str, ...],
    now: datetime,
    channel: str,
    note: str = "",
    evidence_path: str | None = None,
    idempotency_key: str | None = None,
) -> VisitView:
    """What a volunteer found in a room on tonight's patrol of its building; the first
    room of the evening begins the patrol (the volunteer's service that day; past midnight,
    until NIGHT_ENDS, still the evening's).

    Refuses UNKNOWN_ROOM, UNKNOWN_FINDING, NOT_ALLOWED (below volunteer),
    ROOM_ALREADY_VISITED (detail at), NO_ACTIVE_CAMPAIGN (no volunteer-service campaign
    that day), HIDDEN_CHARACTERS (the note), IDEMPOTENCY_KEY_REUSED."""
    code = clean_room_code(room_code)
    chosen = check_findings(findings)
    note = text.check((note or "").strip()[:500], field="Note")
    key = scoped_key(f"p{volunteer_id}", "visit", idempotency_key)
    fingerprint = request_fingerprint("visit", code, ",".join(chosen), note)
    day = patrol_day(core, now)

    async def run(tx: Tx) -> VisitView:
        if key and (first := await store.visit(tx.conn, idempotency_key=key)) is not None:
            stored = first["idempotency_fingerprint"]
            if stored is not None and stored != fingerprint:
                raise Refused(Reason.IDEMPOTENCY_KEY_REUSED)
            return await _visit_view(tx.conn, first, counted=False, points=0, repeated=True)
        person = await _actor(tx, volunteer_id, Role.VOLUNTEER)
        room_row = await store.room(tx.conn, code=code)
        if room_row is None:
            raise Refused(Reason.UNKNOWN_ROOM)
        await store.lock_building(tx.conn, room_row["building_id"])
        existing = await store.patrol(
            tx.conn, building_id=room_row["building_id"], volunteer_id=person["id"], day=day
        )
        if existing is not None:
            done = await store.visit(tx.conn, visit_key=f"v:{existing['id']}:{room_row['id']}")
            if done is not None:
                raise Refused(Reason.ROOM_ALREADY_VISITED, at=done["visited_at"])
        patrol_id, counted, points = await _patrol(
            tx,
            core,
            building_id=room_row["building_id"],
            person=person,
            day=day,
            now=now,
            channel=channel,
        )
        values = {
            "patrol_id": patrol_id,
            "room_id": room_row["id"],
            "visited_at": now,
            "channel": channel,
            "findings": ",".join(chosen),
            "note": note,
            "evidence_path": evidence_path,
            "status": "counted",
            "visit_key": f"v:{patrol_id}:{room_row['id']}",
            "idempotency_key": key,
            "idempotency_fingerprint": fingerprint if key else None,
        }
        visit_id = await store.insert(tx.conn, RoomVisit, values)
        if visit_id is None:
            raise RetryAlone  # the same room or key stored meanwhile: the retry answers
        row = await store.visit(tx.conn, id=visit_id)
        return await _visit_view(tx.conn, row, counted=counted, points=points)

    return await core.write(Call[VisitView](run))


async def _visit_view(
    conn: Any, row: Any, *, counted: bool, points: int, repeated: bool = False
) -> VisitView:
    r = await store.room(conn, id=row["room_id"])
    assert r is not None
    b = await store.building(conn, id=r["building_id"])
    done = await store.patrol_visits(conn, row["patrol_id"])
    return VisitView(
        id=row["id"],
        room=_room(r),
        building=_building(b),
        findings=tuple(f for f in row["findings"].split(",") if f),
        visited_at=row["visited_at"],
        patrol_id=row["patrol_id"],
        rooms_done=tuple(v["room_name"] for v in done),
        counted=counted,
        points=points,
        repeated=repeated,
    )


async def void_visit(
    core: Core, *, actor_id: int, visit_id: int, reason: str, now: datetime
) -> None:
    """Void a room visit with a reason (kept, marked). Refuses NOT_ALLOWED (below
    organizer), REASON_REQUIRED, UNKNOWN_FACT, ALREADY_VOID."""
    reason = text.check((reason or "").strip(), field="Reason")
    if not reason:
        raise Refused(Reason.REASON_REQUIRED)

    async def run(tx: Tx) -> None:
        await _actor(tx, actor_id, Role.ORGANIZER)
        row = await store.visit(tx.conn, id=visit_id)
        if row is None:
            raise Refused(Reason.UNKNOWN_FACT)
        if row["status"] == "void":
            raise Refused(Reason.ALREADY_VOID)
        await store.set_values(
            tx.conn,
            RoomVisit,
            visit_id,
            status="void",
            visit_key=None,
            void_reason=reason,
            voided_at=now,
            voided_by_id=actor_id,
        )
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="void_room_visit",
            target=f"visit:{visit_id}",
            now=now,
            reason=reason,
        )

    await core.write(Call[None](run))
