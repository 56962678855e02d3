"""What a unit's energy patrols found: per room and per week, repeat offenders first, and
the trend since the first patrol."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from campaigns.core import Core
from campaigns.patrols import BuildingView, RoomView, list_buildings
from storage import field as store


@dataclass(frozen=True)
class RoomFindings:
    room: RoomView
    building_name: str
    visits: int
    with_findings: int  # visits that found something left on
    findings: tuple[tuple[str, int], ...]  # finding key, times found; most first
    last_visit: date | None
    last_findings: tuple[str, ...]

    @property
    def repeat(self) -> bool:
        return self.with_findings >= 2


@dataclass(frozen=True)
class WeekRow:
    week_start: date  # the Monday
    patrols: int
    visits: int
    with_findings: int

    @property
    def share_pct(self) -> float:
        return round(self.with_findings / self.visits * 100, 1) if self.visits else 0.0


@dataclass(frozen=True)
class VisitLine:
    id: int
    day: date
    room_name: str
    building_name: str
    volunteer_name: str
    findings: tuple[str, ...]
    channel: str


@dataclass(frozen=True)
class PatrolReport:
    unit_id: int
    buildings: tuple[BuildingView, ...]
    rooms: tuple[RoomFindings, ...]  # repeat offenders first, then by findings
    weeks: tuple[WeekRow, ...]  # from the first patrol's week to the last, none skipped
    recent: tuple[VisitLine, ...]
    first_day: date | None

    @property
    def visits(self) -> int:
        return sum(r.visits for r in self.rooms)

    def room(self, room_id: int) -> RoomFindings | None:
        return next((r for r in self.rooms if r.room.id == room_id), None)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def unit_report(core: Core, *, unit_id: int) -> PatrolReport:
    """Findings of every patrol of the unit's buildings."""
    buildings = await list_buildings(core, unit_id=unit_id)
    async with core.read() as conn:
        visits = (
            await store.visits_of_buildings(conn, [b.id for b in buildings]) if buildings else []
        )
    names = {b.id: b.name for b in buildings}
    per_room: dict[int, list[dict[str, object]]] = defaultdict(list)
    for v in visits:
        per_room[v["room_id"]].append(dict(v))
    rooms = []
    for b in buildings:
        for room in b.rooms:
            seen = per_room.get(room.id, [])
            found = [tuple(f for f in str(v["findings"]).split(",") if f) for v in seen]
            counter = Counter(f for fs in found for f in fs)
            rooms.append(
                RoomFindings(
                    room=room,
                    building_name=b.name,
                    visits=len(seen),
                    with_findings=sum(1 for fs in found if fs),
                    findings=tuple(counter.most_common()),
                    last_visit=seen[-1]["day"] if seen else None,  # type: ignore[arg-type]
                    last_findings=found[-1] if found else (),
                )
            )
    rooms.sort(
        key=lambda r: (not r.repeat, -r.with_findings, r.building_name, r.room.floor, r.room.name)
    )
    weeks: dict[date, list[int]] = {}
    patrols_by_week: dict[date, set[int]] = defaultdict(set)
    for v in visits:
        monday = _monday(v["day"])
        cell = weeks.setdefault(monday, [0, 0])
        cell[0] += 1
        cell[1] += bool(v["findings"])
        patrols_by_week[monday].add(hash((v["building_id"], v["volunteer_id"], v["day"])))
    week_rows = []
    if weeks:
        monday, last = min(weeks), max(weeks)
        while monday <= last:
            visits_n, found_n = weeks.get(monday, [0, 0])
            week_rows.append(
                WeekRow(monday, len(patrols_by_week.get(monday, ())), visits_n, found_n)
            )
            monday += timedelta(days=7)
    recent = tuple(
        VisitLine(
            id=v["id"],
            day=v["day"],
            room_name=next(
                (r.name for b in buildings for r in b.rooms if r.id == v["room_id"]), ""
            ),
            building_name=names.get(v["building_id"], ""),
            volunteer_name=v["volunteer_name"],
            findings=tuple(f for f in v["findings"].split(",") if f),
            channel=v["channel"],
        )
        for v in reversed(visits[-30:])
    )
    return PatrolReport(
        unit_id=unit_id,
        buildings=tuple(buildings),
        rooms=tuple(rooms),
        weeks=tuple(week_rows),
        recent=recent,
        first_day=visits[0]["day"] if visits else None,
    )
