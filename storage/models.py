"""Typed SQLAlchemy models. Facts are append-only: a correction voids, never deletes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC without zone (portable), hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    has_canteen: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(80))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="participant")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    qr_token: Mapped[str] = mapped_column(String(64), unique=True)
    login: Mapped[str | None] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the registration form's idempotency key: a double-tapped "join" makes one person
    registration_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    registration_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # the display name normalised (NFKC, no spaces, case-folded): registration matches on it
    name_key: Mapped[str] = mapped_column(String(80), default="")
    # registered while someone of the same name (and unit) existed: an organizer decides
    possible_duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_people_unit_name", "unit_id", "name_key"),)


class Campaign(Base):
    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title_zh: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(160))
    theme_zh: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16))  # event | habit
    habit: Mapped[str | None] = mapped_column(String(16))  # trip | plate | service | sorting
    counting_rule: Mapped[str] = mapped_column(String(24))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    counts_toward_goal: Mapped[bool] = mapped_column(Boolean, default=True)
    target: Mapped[int | None] = mapped_column(Integer)


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title_zh: Mapped[str] = mapped_column(String(160))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checkin_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checkin_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int | None] = mapped_column(Integer)
    rotating: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Fact(Base):
    """One participation. `counted` is the person-times it adds; `count_key` makes a second
    count of the same person/event or person/campaign/day impossible in the database."""

    __tablename__ = "facts"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    mode: Mapped[str | None] = mapped_column(String(16))
    quantity: Mapped[float] = mapped_column(Float, default=0.0)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(16))
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(8), default="counted")  # counted|pending|void
    evidence_path: Mapped[str | None] = mapped_column(String(255))
    evidence_status: Mapped[str | None] = mapped_column(String(12))  # pending | ok | rejected
    co2_g: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0)
    counted: Mapped[int] = mapped_column(Integer, default=0)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    # what the keyed request asked for: the same key with another payload is refused
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    count_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    __table_args__ = (
        Index("ix_facts_person_day", "person_id", "occurred_on"),
        Index("ix_facts_evidence_path", "evidence_path"),  # the photo-review queue
        # The approval queue. Partial: an index of every status would tempt the planner to
        # read all counted facts where another index serves (the dashboard's photo count).
        Index(
            "ix_facts_pending",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )


class LedgerEntry(Base):
    """Carbon-inclusive points, append-only; a balance is a sum."""

    __tablename__ = "ledger"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    fact_id: Mapped[int | None] = mapped_column(ForeignKey("facts.id"), index=True)
    reward_id: Mapped[int | None] = mapped_column(ForeignKey("rewards.id"))
    delta: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # earn | reverse | redeem
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))


class Reward(Base):
    __tablename__ = "rewards"
    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160), default="")
    price: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Tally(Base):
    """A stored total, kept in step with the facts in the same transaction."""

    __tablename__ = "tallies"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    dim: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    person_times: Mapped[int] = mapped_column(Integer, default=0)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)
    facts: Mapped[int] = mapped_column(Integer, default=0)
    co2_g: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0)


class TallyPerson(Base):
    """Who is behind a tally's `people` figure (distinct people with a counted fact)."""

    __tablename__ = "tally_people"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    dim: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class CanteenCheck(Base):
    __tablename__ = "canteen_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # self | spot
    checked_on: Mapped[date] = mapped_column(Date)
    by_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    passed: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    evidence_path: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(8), default="counted")
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # "c:<unit>:<kind>:<day>": the first check of a canteen of a kind on a day pays; others
    # are kept, with no points
    pay_key: Mapped[str | None] = mapped_column(String(80), unique=True)


class RosterEntry(Base):
    """A row of a unit's staff list, imported by organizers. Registration matches people
    against it; verifiers (staff number, phone's last four digits) are keyed hashes."""

    __tablename__ = "roster_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80))
    # the row's identity within its unit, for re-imports: the staff number's hash, or the name
    row_key: Mapped[str] = mapped_column(String(80))
    staff_no_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), unique=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # wrong verifier answers, counted where every instance sees them
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failures_since: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_roster_entries_unit_name", "unit_id", "name_key"),
        Index("uq_roster_entries_unit_row", "unit_id", "row_key", unique=True),
    )


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(60), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")


class LoginToken(Base):
    """A one-time sign-in link; only the hash of its secret is kept."""

    __tablename__ = "login_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # signin: a volunteer's web sign-in link; link: a code that binds another device
    purpose: Mapped[str] = mapped_column(String(8), default="signin")


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered webhook update runs once."""

    __tablename__ = "processed_updates"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """An organizer's personal API token: only the SHA-256 of its secret is kept; `scope` is
    read or write; a revoked token is refused from the moment it is revoked."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(8))  # read | write
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # the secret's first characters, to tell apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint("scope IN ('read', 'write')", name="scope"),)


class WebSession(Base):
    """A signed-in web session (password, link or Telegram): the cookie names it by a secret
    whose hash is kept here, so it can be ended server-side (sign-out, sign out everywhere,
    a new password, a new role) and expires when idle."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- field (issue 14): energy patrols, paper sign-in sheets, meter readings ---------------


class Building(Base):
    """A unit's building: patrolled room by room, metered, with its floor area."""

    __tablename__ = "buildings"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    floor_area_m2: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("uq_buildings_unit_name", "unit_id", "name", unique=True),)


class Room(Base):
    """A room of a building; `code` is what its printed QR label holds."""

    __tablename__ = "rooms"
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    floor: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("uq_rooms_building_name", "building_id", "name", unique=True),)


class Patrol(Base):
    """One volunteer's visit of one building on one evening (a local day); its service
    fact is the person-time it counts."""

    __tablename__ = "patrols"
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    day: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fact_id: Mapped[int | None] = mapped_column(ForeignKey("facts.id"))

    __table_args__ = (
        Index(
            "uq_patrols_building_volunteer_day", "building_id", "volunteer_id", "day", unique=True
        ),
    )


class RoomVisit(Base):
    """What a volunteer found in a room: a fact behind a patrol, voided (never edited) to
    correct. `findings` is a comma list of finding keys; empty means all was off."""

    __tablename__ = "room_visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrols.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(16))
    findings: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_path: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(8), default="counted")  # counted | void
    # "v:<patrol>:<room>": one live visit of a room per patrol; cleared by a void
    visit_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class PaperSheet(Base):
    """A printed sign-in sheet of an event: its rows are fixed when it is printed, so the
    sheet entered back is matched row by row."""

    __tablename__ = "paper_sheets"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    evidence_path: Mapped[str | None] = mapped_column(String(255))


class PaperRow(Base):
    """A row of a paper sheet: a roster person printed on it, or a blank row whose name is
    written in by hand. `person_id` is bound on the first entry, so a second entry of the
    same sheet finds the same person (and the fact's key, `paper:<sheet>:<row>`)."""

    __tablename__ = "paper_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("paper_sheets.id"))
    row_no: Mapped[int] = mapped_column(Integer)
    roster_entry_id: Mapped[int | None] = mapped_column(ForeignKey("roster_entries.id"))
    name: Mapped[str] = mapped_column(String(80), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    fact_id: Mapped[int | None] = mapped_column(ForeignKey("facts.id"))
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("uq_paper_rows_sheet_row", "sheet_id", "row_no", unique=True),)


class MeterReading(Base):
    """A meter's reading (cumulative kWh or m³) on a day: a fact, voided to correct."""

    __tablename__ = "meter_readings"
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # electricity | water
    read_on: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    occasion: Mapped[str] = mapped_column(String(16), default="monthly")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default="counted")  # counted | void
    # a reading far from the meter's usual use, kept because the reader confirmed it
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # "m:<building>:<kind>:<day>": one live reading of a meter per day; cleared by a void
    reading_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    __table_args__ = (
        CheckConstraint("kind IN ('electricity', 'water')", name="kind"),
        Index("ix_meter_readings_building_kind_day", "building_id", "kind", "read_on"),
    )


# --- chat doors beyond Telegram: WeCom (issue 15) ------------------------------------------


class ExternalIdentity(Base):
    """A person's account on another chat platform (WeCom; DingTalk later): the platform,
    the organisation (WeCom's CorpID) and the user id, compared without case as WeCom
    compares them (`user_key` is the case-folded id, `user_id` the id as sent)."""

    __tablename__ = "external_identities"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    corp_id: Mapped[str] = mapped_column(String(64))
    user_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("uq_external_identities_account", "platform", "corp_id", "user_key", unique=True),
    )


class WecomInbox(Base):
    """A WeCom callback accepted: `dedupe_key` (MsgId, or user+CreateTime+event) makes a
    retried callback one row; the worker claims a row, does its work and marks it done."""

    __tablename__ = "wecom_inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    corp_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # the message's fields, JSON
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_wecom_inbox_waiting", "done_at", "id"),)


class Announcement(Base):
    """An organizer's announcement (an event, a campaign day) to chosen units; who it
    reached is its outbox rows."""

    __tablename__ = "announcements"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    unit_ids: Mapped[str] = mapped_column(Text)  # JSON list of the chosen units
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: CLI
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class ChatOutbox(Base):
    """A message to send on a chat platform (wecom | telegram), once: `dedupe_key` names
    its cause (a callback's reply, an announcement to a person). Claimed before the send,
    `sent_at` after it: a row claimed and never confirmed is not sent again."""

    __tablename__ = "chat_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    body: Mapped[str] = mapped_column(Text)
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failure: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        Index("ix_chat_outbox_waiting", "platform", "claimed_at", "id"),
        Index("ix_chat_outbox_recent", "platform", "recipient", "sent_at"),
    )
