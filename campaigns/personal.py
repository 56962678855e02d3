"""What one person sees of their own participation: the state of an event's check-in when
they arrive, their history (what each fact was for, rewards handed over, canteen checks),
the rewards they can afford, their unit's standing among its peers, and the personal
participation record for the year-end check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from campaigns import rewards, totals
from campaigns.core import Core
from campaigns.results import Balance, EventView, PersonView, pick
from campaigns.rewards import RewardView
from storage import personal, queries


class DoorState(StrEnum):
    OPEN = "open"
    ALREADY = "already"  # this person is checked in
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    FULL = "full"


@dataclass(frozen=True)
class Arrival:
    """What the check-in page says before any form."""

    state: DoorState
    checked_in_at: datetime | None = None


def door_state(event: EventView, now: datetime, checked_in_at: datetime | None) -> DoorState:
    """The one rule for what a person arriving at a check-in link is told first: their own
    check-in, then the window, then the capacity (the core enforces each again)."""
    if checked_in_at is not None:
        return DoorState.ALREADY
    if now < event.checkin_opens_at:
        return DoorState.NOT_OPEN
    if now > event.checkin_closes_at:
        return DoorState.CLOSED
    if event.capacity is not None and event.checked_in >= event.capacity:
        return DoorState.FULL
    return DoorState.OPEN


async def arrival(core: Core, *, event: EventView, person_id: int | None, now: datetime) -> Arrival:
    """The state of an event's check-in for a person (or a phone nobody is known on)."""
    at = None
    if person_id is not None:
        async with core.read() as conn:
            at = await personal.checkin_at(conn, person_id=person_id, event_id=event.id)
    return Arrival(door_state(event, now, at), at)


# the me page -------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    """One line of a person's history: a fact, a reward handed over or a canteen check."""

    at: datetime
    day: date
    kind: str  # a fact's kind, "redeem" or "canteen"
    title_zh: str
    title_en: str
    detail: str | None = None  # a trip's mode, a meal, a canteen check's kind
    points: int = 0
    co2_g: int = 0
    quantity: float = 0.0
    status: str = "counted"
    passed: bool | None = None

    def title(self, lang: str) -> str:
        return pick(lang, self.title_zh, self.title_en)


@dataclass(frozen=True)
class RewardOffer:
    reward: RewardView
    affordable: bool
    missing: int  # points still to earn; 0 when affordable


@dataclass(frozen=True)
class UnitStanding:
    """The person's unit among the units with the same parent: share of its staff taking
    part this year (people over headcount, rolled up) and its rank."""

    unit_zh: str
    unit_en: str
    share: float
    people: int
    headcount: int
    rank: int
    peers: int

    def unit(self, lang: str) -> str:
        return pick(lang, self.unit_zh, self.unit_en)


@dataclass(frozen=True)
class MeSummary:
    balance: Balance
    history: list[HistoryLine]
    offers: list[RewardOffer]
    standing: UnitStanding | None
    year: int


async def me_summary(
    core: Core, *, person: PersonView, now: datetime, limit: int = 50
) -> MeSummary:
    """Everything the me page shows, in one call."""
    year = core.today(now).year
    balance = await totals.balance(core, person_id=person.id)
    return MeSummary(
        balance=balance,
        history=await history(core, person_id=person.id, limit=limit),
        offers=offers(await rewards.list_rewards(core, active_only=True), balance.points),
        standing=await unit_standing(core, unit_id=person.unit_id, year=year),
        year=year,
    )


def offers(items: list[RewardView], points: int) -> list[RewardOffer]:
    """The rewards in stock, cheapest first, each with whether the points reach it."""
    ranked = sorted((r for r in items if r.stock > 0), key=lambda r: (r.price, r.id))
    return [RewardOffer(r, r.price <= points, max(0, r.price - points)) for r in ranked]


async def history(core: Core, *, person_id: int, limit: int = 50) -> list[HistoryLine]:
    """A person's facts (each naming its event or campaign), redemptions and canteen
    checks, newest first."""
    async with core.read() as conn:
        facts = await personal.history(conn, person_id, limit)
        redeemed = await personal.redemptions(conn, person_id)
        checks = await queries.canteen_checks_of_person(conn, person_id)
    lines = [_fact_line(r, core) for r in facts]
    lines += [
        HistoryLine(
            at=r["created_at"],
            day=core.today(r["created_at"]),
            kind="redeem",
            title_zh=r["name_zh"],
            title_en=r["name_en"],
            points=int(r["delta"]),
        )
        for r in redeemed
    ]
    lines += [
        HistoryLine(
            at=r["created_at"],
            day=r["checked_on"],
            kind="canteen",
            title_zh=r["unit_name_zh"],
            title_en=r["unit_name_en"],
            detail=r["kind"],
            status=r["status"],
            passed=bool(r["passed"]),
        )
        for r in checks
    ]
    lines.sort(key=lambda line: line.at, reverse=True)
    return lines[:limit]


def _fact_line(r: Any, core: Core) -> HistoryLine:
    named = r["event_zh"] is not None
    return HistoryLine(
        at=r["created_at"],
        day=r["occurred_on"],
        kind=r["kind"],
        title_zh=r["event_zh"] if named else r["campaign_zh"],
        title_en=(r["event_en"] or r["event_zh"]) if named else r["campaign_en"],
        detail=r["mode"],
        points=int(r["points"]),
        co2_g=int(r["co2_g"]),
        quantity=float(r["quantity"] or 0),
        status=r["status"],
    )


async def unit_standing(core: Core, *, unit_id: int | None, year: int) -> UnitStanding | None:
    """The unit's share of staff taking part and its rank among the units beside it (the
    same parent), by the rule the dashboard ranks with; None without a unit or headcount."""
    if unit_id is None:
        return None
    rows = await totals.by_unit(core, year=year)
    mine = next((u for u in rows if u.unit.id == unit_id), None)
    if mine is None or mine.rolled_headcount <= 0:
        return None
    peers = [u for u in rows if u.unit.parent_id == mine.unit.parent_id and u.rolled_headcount > 0]
    peers.sort(key=lambda u: (-u.share, -u.rolled.people, u.unit.code))
    rank = next(i for i, u in enumerate(peers, start=1) if u.unit.id == unit_id)
    return UnitStanding(
        unit_zh=mine.unit.name_zh,
        unit_en=mine.unit.name_en,
        share=mine.share,
        people=mine.rolled.people,
        headcount=mine.rolled_headcount,
        rank=rank,
        peers=len(peers),
    )


# the personal record -----------------------------------------------------------------


@dataclass(frozen=True)
class RecordCampaign:
    title_zh: str
    title_en: str
    person_times: int
    facts: int
    counts_toward_goal: bool

    def title(self, lang: str) -> str:
        return pick(lang, self.title_zh, self.title_en)


@dataclass(frozen=True)
class RecordCo2:
    """CO2 avoided by one kind of action (a trip's mode, clean plates) and its source."""

    kind: str
    mode: str | None
    co2_g: int
    quantity: float
    facts: int
    source: str


@dataclass(frozen=True)
class PersonalRecord:
    person: PersonView
    year: int
    campaigns: list[RecordCampaign] = field(default_factory=list)
    service_hours: float = 0.0
    co2: list[RecordCo2] = field(default_factory=list)
    points: int = 0

    @property
    def person_times(self) -> int:
        return sum(c.person_times for c in self.campaigns)

    @property
    def co2_g(self) -> int:
        return sum(c.co2_g for c in self.co2)


async def personal_record(core: Core, *, person: PersonView, year: int) -> PersonalRecord:
    """A person's year from their counted facts: person-times by campaign, service hours,
    CO2 avoided by kind with each factor's source, points earned."""
    async with core.read() as conn:
        rows = await personal.year_by_campaign(
            conn, person.id, date(year, 1, 1), date(year, 12, 31)
        )
    by_campaign: dict[int, dict[str, Any]] = {}
    co2: dict[tuple[str, str | None], list[float]] = {}
    hours = 0.0
    points = 0
    for r in rows:
        c = by_campaign.setdefault(
            r["campaign_id"],
            {
                "zh": r["title_zh"],
                "en": r["title_en"],
                "pt": 0,
                "n": 0,
                "goal": bool(r["counts_toward_goal"]),
            },
        )
        c["pt"] += int(r["person_times"] or 0)
        c["n"] += int(r["facts"] or 0)
        points += int(r["points"] or 0)
        if r["kind"] == "service":
            hours += float(r["quantity"] or 0)
        if r["co2_g"]:
            key = (r["kind"], r["mode"] if r["kind"] == "trip" else None)
            acc = co2.setdefault(key, [0, 0.0, 0])
            acc[0] += int(r["co2_g"])
            acc[1] += float(r["quantity"] or 0)
            acc[2] += int(r["facts"] or 0)
    return PersonalRecord(
        person=person,
        year=year,
        campaigns=[
            RecordCampaign(c["zh"], c["en"], c["pt"], c["n"], c["goal"])
            for c in by_campaign.values()
        ],
        service_hours=hours,
        co2=[
            RecordCo2(kind, mode, int(v[0]), v[1], int(v[2]), _source(core, kind, mode))
            for (kind, mode), v in sorted(co2.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        ],
        points=points,
    )


def _source(core: Core, kind: str, mode: str | None) -> str:
    if kind == "trip" and mode in core.rules.modes:
        return core.rules.modes[mode].source
    if kind == "plate":
        return core.rules.plate_source
    return ""
