"""Frozen results handed to the edges: no ORM row ever leaves the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Role(StrEnum):
    PARTICIPANT = "participant"
    VOLUNTEER = "volunteer"
    ORGANIZER = "organizer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class Channel(StrEnum):
    WEB = "web"
    BOT = "bot"
    SCANNER = "scanner"
    API = "api"
    CLI = "cli"
    PAPER = "paper"  # a paper sign-in sheet entered back (issue 14)
    WECOM = "wecom"


class FactKind(StrEnum):
    CHECKIN = "checkin"
    TRIP = "trip"
    PLATE = "plate"
    SERVICE = "service"
    HEADCOUNT = "headcount"
    SORTING = "sorting"


def pick(lang: str, zh: str, en: str) -> str:
    """The text in the person's language, falling back to Chinese."""
    return en if lang == "en" and en else zh


@dataclass(frozen=True)
class UnitView:
    id: int
    code: str
    name_zh: str
    name_en: str
    parent_id: int | None
    headcount: int
    has_canteen: bool
    is_demo: bool = False

    def name(self, lang: str) -> str:
        return pick(lang, self.name_zh, self.name_en)


@dataclass(frozen=True)
class PersonView:
    id: int
    display_name: str
    unit_id: int | None
    unit_name_zh: str
    unit_name_en: str
    role: Role
    language: str
    telegram_id: int | None
    qr_token: str
    deleted: bool = False
    # registered while a namesake existed in the unit: organizers see it in the duplicates list
    possible_duplicate: bool = False
    merged_into_id: int | None = None  # merged into another person (organizers did it)
    left: bool = False  # no longer on the unit's staff list

    def unit_name(self, lang: str) -> str:
        return pick(lang, self.unit_name_zh, self.unit_name_en)

    def can(self, role: Role) -> bool:
        return self.role.at_least(role)


@dataclass(frozen=True)
class CampaignView:
    id: int
    slug: str
    title_zh: str
    title_en: str
    theme_zh: str
    kind: str
    habit: str | None
    counting_rule: str
    starts_on: date | None
    ends_on: date | None
    counts_toward_goal: bool
    target: int | None

    def title(self, lang: str) -> str:
        return pick(lang, self.title_zh, self.title_en)


@dataclass(frozen=True)
class EventView:
    id: int
    campaign_id: int
    code: str
    title_zh: str
    title_en: str
    place: str
    starts_at: datetime
    ends_at: datetime
    checkin_opens_at: datetime
    checkin_closes_at: datetime
    capacity: int | None
    rotating: bool
    is_demo: bool
    checked_in: int = 0

    def title(self, lang: str) -> str:
        return pick(lang, self.title_zh, self.title_en)


@dataclass(frozen=True)
class FactView:
    id: int
    kind: FactKind
    person_id: int | None
    unit_id: int | None
    campaign_id: int
    event_id: int | None
    mode: str | None
    quantity: float
    occurred_on: date
    created_at: datetime
    channel: str
    logged_by_id: int | None
    status: str
    co2_g: int
    points: int
    counted: int
    headcount: int
    evidence_path: str | None
    void_reason: str | None


@dataclass(frozen=True)
class TripAdvice:
    """Whether a trip fits the "135" bands: walk ≤ 1 km, bike ≤ 3 km, transit ~5 km."""

    mode: str
    km: float
    fits: bool
    band_km: float
    suggested_mode: str | None


@dataclass(frozen=True)
class Recorded:
    """A fact written (or, when `repeated`, the first answer to the same idempotency key)."""

    fact: FactView
    campaign: CampaignView
    event: EventView | None = None
    repeated: bool = False
    advice: TripAdvice | None = None
    points_capped: bool = False


@dataclass(frozen=True)
class Totals:
    person_times: int = 0
    headcount: int = 0
    people: int = 0
    facts: int = 0
    co2_g: int = 0
    points: int = 0

    @property
    def toward_goal(self) -> int:
        return self.person_times + self.headcount


@dataclass(frozen=True)
class Progress:
    year: int
    goal: int
    totals: Totals
    # entries waiting for an organizer's approval: in no total until approved
    pending: Totals = Totals()

    @property
    def waiting(self) -> int:
        """Person-times (booth heads included) that approval would add, at most."""
        return self.pending.toward_goal

    @property
    def percent(self) -> float:
        return 0.0 if self.goal <= 0 else min(100.0, 100.0 * self.totals.toward_goal / self.goal)


@dataclass(frozen=True)
class CampaignTotals:
    campaign: CampaignView
    totals: Totals


@dataclass(frozen=True)
class UnitTotals:
    unit: UnitView
    own: Totals
    rolled: Totals
    rolled_headcount: int
    depth: int

    @property
    def share(self) -> float:
        """Share of staff taking part (distinct people over headcount), rolled up the tree."""
        if self.rolled_headcount <= 0:
            return 0.0
        return min(1.0, self.rolled.people / self.rolled_headcount)


@dataclass(frozen=True)
class DayTotals:
    day: date
    totals: Totals


@dataclass(frozen=True)
class CanteenRates:
    canteens: int
    self_evaluated: int
    spot_checked: int

    @property
    def self_rate(self) -> float:
        return 0.0 if not self.canteens else self.self_evaluated / self.canteens

    @property
    def spot_rate(self) -> float:
        return 0.0 if not self.canteens else self.spot_checked / self.canteens


@dataclass(frozen=True)
class Overview:
    progress: Progress
    campaigns: list[CampaignTotals] = field(default_factory=list)
    canteens: CanteenRates = CanteenRates(0, 0, 0)
    reconciled_at: datetime | None = None
    reconciled_ok: bool | None = None


@dataclass(frozen=True)
class Balance:
    person_id: int
    points: int
    co2_g: int
    facts: int


@dataclass(frozen=True)
class Mismatch:
    year: int
    dim: str
    key: str
    field: str
    stored: int
    recounted: int


@dataclass(frozen=True)
class ReconcileReport:
    checked: int
    mismatches: list[Mismatch]
    at: datetime

    @property
    def ok(self) -> bool:
        return not self.mismatches
