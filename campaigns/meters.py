"""Meter readings beside participation: electricity (kWh) and water (m³) per building.
Readings are facts: refused before anything is written when implausible, voided (never
edited) to correct."""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from campaigns import audit, text
from campaigns.actions import _actor
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.field_rules import FieldRules, load_field_rules
from campaigns.identity import request_fingerprint, scoped_key
from campaigns.reasons import Reason
from campaigns.results import Role
from storage import field as store
from storage.models import MeterReading
from storage.writer import Call, Tx

KINDS = ("electricity", "water")
OCCASIONS = ("monthly", "before_week", "after_week")
MAX_VALUE = 1e12


@dataclass(frozen=True)
class Reading:
    building_id: int
    kind: str
    read_on: date
    value: float
    occasion: str = "monthly"


@dataclass(frozen=True)
class ReadingView:
    id: int
    building_id: int
    kind: str
    read_on: date
    value: float
    occasion: str
    flagged: bool
    status: str
    channel: str
    building_name: str = ""
    repeated: bool = False


def _view(r: Any, repeated: bool = False) -> ReadingView:
    return ReadingView(
        id=r["id"],
        building_id=r["building_id"],
        kind=r["kind"],
        read_on=r["read_on"],
        value=float(r["value"]),
        occasion=r["occasion"],
        flagged=bool(r["flagged"]),
        status=r["status"],
        channel=r["channel"],
        building_name=r.get("building_name", "") if hasattr(r, "get") else "",
        repeated=repeated,
    )


def check_value(kind: str, value: float, occasion: str) -> float:
    """Refuses UNKNOWN_METER, INVALID_INPUT (an unknown occasion), INVALID_QUANTITY."""
    if kind not in KINDS:
        raise Refused(Reason.UNKNOWN_METER)
    if occasion not in OCCASIONS:
        raise Refused(Reason.INVALID_INPUT)
    if isinstance(value, bool) or not math.isfinite(value) or value < 0 or value > MAX_VALUE:
        raise Refused(Reason.INVALID_QUANTITY)
    return round(float(value), 3)


def _rate(a: tuple[date, float], b: tuple[date, float]) -> float:
    return (b[1] - a[1]) / max(1, (b[0] - a[0]).days)


def plausibility(
    history: Sequence[tuple[date, float]],
    new: tuple[date, float],
    rules: FieldRules,
    *,
    confirm: bool = False,
) -> bool:
    """Whether a new reading fits a meter's live readings (date order): the flag to keep
    it with. Pure. Refuses READING_EXISTS (that day has one), METER_BACKWARDS (below the
    reading before it, or above the one after it), METER_JUMP (unless confirmed: its use
    per day over `jump_factor` times the median of the meter's earlier intervals)."""
    day, value = new
    for d, v in history:
        if d == day:
            raise Refused(Reason.READING_EXISTS, day=d, value=v)
    before = [(d, v) for d, v in history if d < day]
    after = [(d, v) for d, v in history if d > day]
    if before and value < before[-1][1]:
        raise Refused(
            Reason.METER_BACKWARDS, value=value, prev_day=before[-1][0], prev_value=before[-1][1]
        )
    if after and value > after[0][1]:
        raise Refused(Reason.METER_BACKWARDS, value=after[0][1], prev_day=day, prev_value=value)
    if not before:
        return False
    rates = [_rate(a, b) for a, b in zip(before, before[1:], strict=False)]
    if len(rates) < rules.min_intervals:
        return False
    usual = statistics.median(rates)
    rate = _rate(before[-1], new)
    if usual > 0 and rate > rules.jump_factor * usual:
        if not confirm:
            raise Refused(
                Reason.METER_JUMP,
                per_day=round(rate, 1),
                prev_day=before[-1][0],
                factor=f"{rules.jump_factor:g}",
                usual=round(usual, 1),
            )
        return True
    return False


async def record_readings(
    core: Core,
    *,
    actor_id: int | None,
    readings: Sequence[Reading],
    now: datetime,
    channel: str,
    confirm: bool = False,
    idempotency_key: str | None = None,
) -> list[ReadingView]:
    """Store meter readings, all or nothing, each checked against the meter's readings
    and the ones before it in the batch (date order). Refuses NOT_ALLOWED (below
    organizer), UNKNOWN_BUILDING, UNKNOWN_METER, INVALID_QUANTITY, FUTURE_DATE, and the
    plausibility refusals (READING_EXISTS, METER_BACKWARDS, METER_JUMP; detail `row`, the
    reading's place in the batch from 1); IDEMPOTENCY_KEY_REUSED."""
    items = [
        Reading(
            r.building_id, r.kind, r.read_on, check_value(r.kind, r.value, r.occasion), r.occasion
        )
        for r in readings
    ]
    if not items:
        raise Refused(Reason.INVALID_INPUT)
    today = core.today(now)
    if any(r.read_on > today for r in items):
        raise Refused(Reason.FUTURE_DATE)
    rules = load_field_rules()
    key = scoped_key(f"p{actor_id}", "meter", idempotency_key) if len(items) == 1 else None
    first = items[0]
    fingerprint = request_fingerprint(
        "meter", first.building_id, first.kind, first.read_on, first.value
    )

    async def run(tx: Tx) -> list[ReadingView]:
        if key and (done := await store.reading(tx.conn, idempotency_key=key)) is not None:
            if done["idempotency_fingerprint"] != fingerprint:
                raise Refused(Reason.IDEMPOTENCY_KEY_REUSED)
            return [_view(done, repeated=True)]
        if actor_id is not None:
            await _actor(tx, actor_id, Role.ORGANIZER)
        buildings = sorted({r.building_id for r in items})
        for b in buildings:
            if await store.building(tx.conn, id=b) is None:
                raise Refused(Reason.UNKNOWN_BUILDING)
            await store.lock_building(tx.conn, b)
        history: dict[tuple[int, str], list[tuple[date, float]]] = {}
        for stored in await store.readings(tx.conn, buildings):
            history.setdefault((stored["building_id"], stored["kind"]), []).append(
                (stored["read_on"], float(stored["value"]))
            )
        flags = {}
        order = sorted(range(len(items)), key=lambda i: items[i].read_on)
        for i in order:
            r = items[i]
            meter = history.setdefault((r.building_id, r.kind), [])
            try:
                flags[i] = plausibility(meter, (r.read_on, r.value), rules, confirm=confirm)
            except Refused as exc:
                raise Refused(exc.reason, row=i + 1, **exc.detail) from None
            meter.append((r.read_on, r.value))
            meter.sort()
        out = []
        for i, r in enumerate(items):
            values = {
                "building_id": r.building_id,
                "kind": r.kind,
                "read_on": r.read_on,
                "value": r.value,
                "occasion": r.occasion,
                "created_at": now,
                "created_by_id": actor_id,
                "channel": channel,
                "status": "counted",
                "flagged": flags[i],
                "reading_key": f"m:{r.building_id}:{r.kind}:{r.read_on.isoformat()}",
                "idempotency_key": key,
                "idempotency_fingerprint": fingerprint if key else None,
            }
            new_id = await store.insert(tx.conn, MeterReading, values)
            if new_id is None:
                raise Refused(Reason.READING_EXISTS, day=r.read_on, value=r.value, row=i + 1)
            out.append(_view({**values, "id": new_id}))
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="meter_reading",
            target="meters",
            now=now,
            readings=len(out),
            flagged=sum(flags.values()),
        )
        return out

    return await core.write(Call[list[ReadingView]](run))


CSV_COLUMNS = ("building_code", "kind", "read_on", "value", "occasion")


async def import_readings_csv(
    core: Core,
    *,
    actor_id: int | None,
    data: str,
    now: datetime,
    confirm: bool = False,
    channel: str = "web",
) -> list[ReadingView]:
    """Readings from CSV (`building_code,kind,read_on,value[,occasion]`), all or nothing.
    Refuses ROWS_REFUSED (detail rows) for rows that are not readings, UNKNOWN_BUILDING
    (detail code), and every refusal of record_readings (detail row: the CSV's line)."""
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    parsed: list[tuple[int, str, str, date, float, str]] = []
    bad = []
    for n, raw in enumerate(reader, start=2):
        row = {k: (raw.get(k) or "").strip() for k in CSV_COLUMNS}
        try:
            parsed.append(
                (
                    n,
                    row["building_code"],
                    row["kind"],
                    date.fromisoformat(row["read_on"]),
                    float(row["value"]),
                    row["occasion"] or "monthly",
                )
            )
        except ValueError:
            bad.append(n)
    if bad or not parsed:
        raise Refused(Reason.ROWS_REFUSED, count=len(bad) or 1, rows=bad)
    async with core.read() as conn:
        codes = {}
        for _, code, *_ in parsed:
            if code not in codes:
                b = await store.building(conn, code=code)
                if b is None:
                    raise Refused(Reason.UNKNOWN_BUILDING, code=code)
                codes[code] = int(b["id"])
    items = [Reading(codes[c], k, d, v, o) for _, c, k, d, v, o in parsed]
    try:
        return await record_readings(
            core, actor_id=actor_id, readings=items, now=now, channel=channel, confirm=confirm
        )
    except Refused as exc:
        if "row" in exc.detail:
            exc.detail["row"] = parsed[exc.detail["row"] - 1][0]
        raise


async def void_reading(
    core: Core, *, actor_id: int, reading_id: int, reason: str, now: datetime
) -> ReadingView:
    """Void a reading with a reason (kept, marked; its day takes a new reading). Refuses
    NOT_ALLOWED, REASON_REQUIRED, UNKNOWN_FACT, ALREADY_VOID."""
    reason = text.check((reason or "").strip(), field="Reason")
    if not reason:
        raise Refused(Reason.REASON_REQUIRED)

    async def run(tx: Tx) -> ReadingView:
        await _actor(tx, actor_id, Role.ORGANIZER)
        row = await store.reading(tx.conn, id=reading_id)
        if row is None:
            raise Refused(Reason.UNKNOWN_FACT)
        if row["status"] == "void":
            raise Refused(Reason.ALREADY_VOID)
        values = {
            "status": "void",
            "reading_key": None,
            "void_reason": reason,
            "voided_at": now,
            "voided_by_id": actor_id,
        }
        await store.set_values(tx.conn, MeterReading, reading_id, **values)
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="void_meter_reading",
            target=f"reading:{reading_id}",
            now=now,
            reason=reason,
        )
        return _view({**dict(row), **values})

    return await core.write(Call[ReadingView](run))


async def recent(core: Core, *, limit: int = 50) -> list[ReadingView]:
    async with core.read() as conn:
        return [_view(dict(r)) for r in await store.recent_readings(conn, limit=limit)]
