"""Request and response bodies of the JSON API (responses reuse the core's frozen results)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from campaigns.results import Balance, FactView, PersonView, Progress, Role


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """Every API error: a stable machine reason and words in the caller's language."""

    reason: str
    message: str


class IdempotentBody(Body):
    idempotency_key: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{16,64}$", description="Repeat it to get the first answer."
    )


class PasswordSignIn(Body):
    login: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class TelegramSignIn(Body):
    init_data: str = Field(max_length=4096)


class Registration(Body):
    name: str = Field(max_length=200)
    unit_id: int


class SelfCheckIn(IdempotentBody):
    scan_token: str | None = Field(None, description="The `t` of a rotating code's URL.")


class TokenScan(IdempotentBody):
    token: str = Field(max_length=200, description="A person's personal QR token.")


class CheckInFor(IdempotentBody):
    person_id: int


class Trip(IdempotentBody):
    mode: str
    km: float
    day: date | None = None


class Plate(IdempotentBody):
    meal: str
    day: date | None = None


class ServiceHours(IdempotentBody):
    hours: float
    day: date | None = None


class Headcount(IdempotentBody):
    code: str
    heads: int


class CanteenCheck(IdempotentBody):
    unit_id: int
    kind: Literal["self", "spot"]
    passed: bool
    notes: str = Field("", max_length=2000)
    day: date | None = None


class PersonPublic(BaseModel):
    """What a volunteer's name search shows: no token, no Telegram id."""

    id: int
    display_name: str
    unit_name_zh: str
    unit_name_en: str


class SessionOut(BaseModel):
    person: PersonView | None
    role: Role | None
    strong: bool
    csrf_token: str


class MeOut(BaseModel):
    person: PersonView
    balance: Balance


class ProgressOut(BaseModel):
    progress: Progress
    percent: float


class HistoryOut(BaseModel):
    facts: list[FactView]
