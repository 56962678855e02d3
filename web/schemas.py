"""Request and response bodies of the JSON API (responses reuse the core's frozen results)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from campaigns.results import (
    Balance,
    CampaignView,
    EventView,
    FactView,
    PersonView,
    Progress,
    Role,
    TripAdvice,
)

INT32 = 2**31 - 1
# An id or a count: a whole number every backend stores (PostgreSQL's integer is 32-bit).
Id = Annotated[int, Field(ge=1, le=INT32)]


# A calendar day: an ISO string in JSON ("2023-07-12"), so not strict like the rest.
Day = Annotated[date | None, Field(strict=False)]


class Body(BaseModel):
    # Numbers are finite: nan, inf and 1e400 are refused in words, not stored. Types are
    # strict: `true` is not 1 km and "3" is not 3 (a client sending them has a bug to see).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class FormBody:
    """Mixin for the multipart twins of the bodies: the photo arrives beside the fields,
    every one of them a string, so these read numbers from text."""

    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="ignore", allow_inf_nan=False, strict=False
    )


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


class LinkSignIn(Body):
    token: str = Field(max_length=200, description="The secret of the bot's one-time link.")


class Registration(IdempotentBody):
    name: str = Field(max_length=200)
    unit_id: Id
    verifier: str | None = Field(
        default=None,
        max_length=64,
        description=(
            "Asked for (verifier_required) when the unit's staff roster has this name: the "
            "staff number or the phone's last four digits. The right one makes this device "
            "that roster person's; a wrong one is refused (verifier_wrong) and counted."
        ),
    )


class TelegramRegistration(Body):
    init_data: str | None = Field(
        None, max_length=4096, description="Telegram's initData, unless sent as `tma` auth."
    )
    name: str = Field("", max_length=200, description="Empty: the Telegram account's name.")
    unit_id: Id
    verifier: str | None = Field(
        None,
        max_length=64,
        description="The staff number or phone's last four digits, when the roster asks "
        "(verifier_required), as for `POST /people`.",
    )


class LanguageChoice(Body):
    language: Literal["zh", "en"]


class SelfCheckIn(IdempotentBody):
    scan_token: str | None = Field(None, description="The `t` of a rotating code's URL.")


class TokenScan(IdempotentBody):
    token: str = Field(max_length=200, description="A person's personal QR token.")


class CheckInFor(IdempotentBody):
    person_id: Id


class WalkIn(IdempotentBody):
    """Someone at the door without a phone: found on the roster or registered on the spot,
    then checked in."""

    name: str = Field(max_length=200)
    unit_id: Id
    verifier: str | None = Field(
        default=None,
        max_length=64,
        description="A staff number, when several on the unit's roster share the name.",
    )


class Redeem(IdempotentBody):
    token: str = Field(max_length=200, description="The person's personal QR token.")


class Trip(IdempotentBody):
    mode: str
    km: float
    day: Day = None


class Plate(IdempotentBody):
    meal: str
    day: Day = None


class ServiceHours(IdempotentBody):
    hours: float
    day: Day = None


class Headcount(IdempotentBody):
    code: str = Field(max_length=64)
    heads: Id


class CanteenCheck(IdempotentBody):
    unit_id: Id
    kind: Literal["self", "spot"]
    passed: bool
    notes: str = Field("", max_length=2000)
    day: Day = None


class TripForm(FormBody, Trip):
    model_config = FormBody.model_config


class PlateForm(FormBody, Plate):
    model_config = FormBody.model_config


class ServiceHoursForm(FormBody, ServiceHours):
    model_config = FormBody.model_config


class HeadcountForm(FormBody, Headcount):
    model_config = FormBody.model_config


class CanteenCheckForm(FormBody, CanteenCheck):
    model_config = FormBody.model_config


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


class DoorCheckIn(BaseModel):
    """A check-in made at the door, with whom it checked in (for the scanner to show)."""

    fact: FactView
    campaign: CampaignView
    event: EventView | None
    repeated: bool
    advice: TripAdvice | None = None
    points_capped: bool = False
    person: PersonPublic


class DoorUndo(BaseModel):
    fact: FactView
    person: PersonPublic


class RewardOut(BaseModel):
    id: int
    name_zh: str
    name_en: str
    price: int
    stock: int


class RedemptionOut(BaseModel):
    reward: RewardOut
    person: PersonPublic
    balance: int = Field(description="The person's points after the redemption.")
    repeated: bool
