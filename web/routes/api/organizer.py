"""Organizer API, part one (/api/v1/organizer): campaigns, events, units, people and roles,
rewards and API tokens — each the twin of a console form, on the same core function (the
OpenAPI's `x-console-twin` names it; tests/console/test_api_twins.py holds them together)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import Field

from campaigns import api_tokens, catalog, links, people, planning, qr, reports, rewards
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import CampaignView, EventView, PersonView, Role, UnitView
from web.deps import ViewerDep
from web.routes.api.caller import API_ERRORS
from web.routes.api.organizer_auth import ApiOrganizerDep, bearer, require_api_organizer
from web.routes.common import MAX_INT
from web.routes.console.catalog import units_template_csv
from web.schemas import Body as StrictBody
from web.schemas import Id

router = APIRouter(
    prefix="/api/v1/organizer",
    tags=["organizer"],
    responses=API_ERRORS,
    dependencies=[Depends(require_api_organizer)],
)
PathId = Annotated[int, Path(ge=1, le=MAX_INT)]
MAX_CSV_BYTES = 2 * 1024 * 1024


def twin(*console: str) -> dict[str, Any]:
    """The console action(s) this operation is the twin of, for the OpenAPI."""
    return {"x-console-twin": list(console)}


# campaigns -----------------------------------------------------------------------------


class CampaignIn(StrictBody):
    title_zh: str = Field(min_length=1, max_length=120)
    title_en: str = Field("", max_length=160)
    slug: str = Field("", max_length=80, description="Short name for links; from the title")
    kind: Literal["event", "habit"] = "event"
    habit: Literal["trip", "plate", "service", "sorting"] | None = None
    counting_rule: Literal["per_event", "per_day", "headcount"] = "per_event"
    starts_on: date | None = None
    ends_on: date | None = None
    counts_toward_goal: bool = True
    target: int | None = Field(None, ge=0, le=2**31 - 1)


class CampaignEdit(StrictBody):
    title_zh: str = Field(min_length=1, max_length=120)
    title_en: str = Field("", max_length=160)
    theme_zh: str = Field("", max_length=200)
    counting_rule: Literal["per_event", "per_day", "headcount"] = "per_event"
    starts_on: date | None = None
    ends_on: date | None = None
    counts_toward_goal: bool = True
    target: int | None = Field(None, ge=0, le=2**31 - 1)


@router.get(
    "/campaigns", response_model=list[CampaignView], openapi_extra=twin("GET /console/campaigns")
)
async def list_campaigns(viewer: ViewerDep) -> list[CampaignView]:
    return await catalog.list_campaigns(viewer.state.core)


@router.post(
    "/campaigns",
    response_model=CampaignView,
    status_code=201,
    openapi_extra=twin("POST /console/campaigns"),
)
async def create_campaign(body: CampaignIn, me: ApiOrganizerDep, viewer: ViewerDep) -> CampaignView:
    return await catalog.create_campaign(
        viewer.state.core,
        actor_id=me.id,
        slug=body.slug.strip() or body.title_zh.strip(),
        title_zh=body.title_zh,
        title_en=body.title_en,
        kind=body.kind,
        habit=body.habit,
        counting_rule=body.counting_rule,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        counts_toward_goal=body.counts_toward_goal,
        target=body.target,
        now=viewer.now,
    )


@router.get(
    "/campaigns/{campaign_id}",
    response_model=CampaignView,
    openapi_extra=twin("GET /console/campaigns/{campaign_id}"),
)
async def get_campaign(campaign_id: PathId, viewer: ViewerDep) -> CampaignView:
    return await catalog.get_campaign(viewer.state.core, campaign_id)


@router.put(
    "/campaigns/{campaign_id}",
    response_model=CampaignView,
    openapi_extra=twin("POST /console/campaigns/{campaign_id}"),
)
async def edit_campaign(
    campaign_id: PathId, body: CampaignEdit, me: ApiOrganizerDep, viewer: ViewerDep
) -> CampaignView:
    return await planning.update_campaign(
        viewer.state.core,
        actor_id=me.id,
        campaign_id=campaign_id,
        now=viewer.now,
        **body.model_dump(),
    )


# events --------------------------------------------------------------------------------


class EventIn(StrictBody):
    title_zh: str = Field(min_length=1, max_length=160)
    title_en: str = Field("", max_length=200)
    place: str = Field("", max_length=200)
    starts_at: datetime = Field(description="With a zone (ISO 8601), e.g. 2023-07-12T09:00+08:00")
    ends_at: datetime
    checkin_opens_at: datetime | None = None
    checkin_closes_at: datetime | None = None
    capacity: int | None = Field(None, ge=1, le=2**31 - 1)
    rotating: bool = False


def _aware(value: datetime | None, viewer: ViewerDep) -> datetime | None:
    """A time without a zone is read as local time (China Standard Time)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=viewer.state.core.tz)


def _event_fields(body: EventIn, viewer: ViewerDep) -> dict[str, Any]:
    fields = body.model_dump()
    for key in ("starts_at", "ends_at", "checkin_opens_at", "checkin_closes_at"):
        fields[key] = _aware(fields[key], viewer)
    return fields


@router.get("/events", response_model=list[EventView], openapi_extra=twin("GET /console/events"))
async def list_events(viewer: ViewerDep, campaign_id: int | None = None) -> list[EventView]:
    return await catalog.list_events(viewer.state.core, campaign_id=campaign_id)


@router.post(
    "/campaigns/{campaign_id}/events",
    response_model=EventView,
    status_code=201,
    openapi_extra=twin("POST /console/campaigns/{campaign_id}/events"),
)
async def create_event(
    campaign_id: PathId, body: EventIn, me: ApiOrganizerDep, viewer: ViewerDep
) -> EventView:
    return await catalog.create_event(
        viewer.state.core,
        actor_id=me.id,
        campaign_id=campaign_id,
        now=viewer.now,
        **_event_fields(body, viewer),
    )


@router.get(
    "/events/{event_id}",
    response_model=EventView,
    openapi_extra=twin("GET /console/events/{event_id}"),
)
async def get_event(event_id: PathId, viewer: ViewerDep) -> EventView:
    return await catalog.get_event(viewer.state.core, event_id=event_id)


@router.put(
    "/events/{event_id}",
    response_model=EventView,
    openapi_extra=twin("POST /console/events/{event_id}"),
)
async def edit_event(
    event_id: PathId, body: EventIn, me: ApiOrganizerDep, viewer: ViewerDep
) -> EventView:
    return await catalog.update_event(
        viewer.state.core,
        actor_id=me.id,
        event_id=event_id,
        now=viewer.now,
        **{
            k: v for k, v in _event_fields(body, viewer).items() if v is not None or k == "capacity"
        },
    )


@router.get(
    "/events/{event_id}/qr.png",
    response_class=Response,
    openapi_extra=twin("GET /console/events/{event_id}/qr.png"),
)
async def event_qr(event_id: PathId, viewer: ViewerDep) -> Response:
    """The check-in QR code as PNG (what the poster prints)."""
    event = await catalog.get_event(viewer.state.core, event_id=event_id)
    link = links.checkin_url(viewer.state.settings.public_url, event.code)
    return Response(qr.print_png(link), media_type="image/png")


# units ---------------------------------------------------------------------------------


class UnitIn(StrictBody):
    name_zh: str = Field(min_length=1, max_length=120)
    name_en: str = Field("", max_length=160)
    parent_code: str | None = Field(None, max_length=64)
    headcount: int = Field(0, ge=0, le=2**31 - 1, description="Staff headcount (编制人数)")
    has_canteen: bool = False


@router.get("/units", response_model=list[UnitView], openapi_extra=twin("GET /console/units"))
async def list_units(viewer: ViewerDep) -> list[UnitView]:
    return await catalog.list_units(viewer.state.core)


@router.put("/units/{code}", response_model=UnitView, openapi_extra=twin("POST /console/units"))
async def save_unit(
    code: Annotated[str, Path(min_length=1, max_length=64)],
    body: UnitIn,
    me: ApiOrganizerDep,
    viewer: ViewerDep,
) -> UnitView:
    """Create or change the unit with this code."""
    return await catalog.upsert_unit(
        viewer.state.core,
        actor_id=me.id,
        code=code,
        name_zh=body.name_zh,
        name_en=body.name_en,
        parent_code=(body.parent_code or "").strip() or None,
        headcount=body.headcount,
        has_canteen=body.has_canteen,
        now=viewer.now,
    )


@router.post(
    "/units/import", openapi_extra=twin("POST /console/units/import"), response_model=dict[str, int]
)
async def import_units(
    request: Request,
    me: ApiOrganizerDep,
    viewer: ViewerDep,
    csv_text: Annotated[str, Body(media_type="text/csv", description="The units CSV")] = "",
) -> dict[str, int]:
    """Units from CSV (the console's columns), all or nothing: {"imported": n}."""
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise Refused(Reason.INVALID_INPUT)
    from web.routes.console.catalog import decode_csv  # noqa: PLC0415

    count = await catalog.import_units_csv(
        viewer.state.core, actor_id=me.id, text=decode_csv(raw), now=viewer.now
    )
    return {"imported": count}


@router.get(
    "/units/template.csv",
    response_class=Response,
    openapi_extra=twin("GET /console/units/template.csv"),
)
async def units_template() -> Response:
    return Response(units_template_csv(), media_type="text/csv; charset=utf-8")


# people and roles ----------------------------------------------------------------------


class AccountIn(StrictBody):
    name: str = Field(min_length=1, max_length=80)
    login: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=10, max_length=200)
    role: Literal["volunteer", "organizer", "admin"] = "volunteer"
    unit_id: Id | None = None


class RoleIn(StrictBody):
    role: Role = Field(strict=False)  # a JSON string names the role (strict wants the enum)


@router.get("/people", response_model=list[PersonView], openapi_extra=twin("GET /console/people"))
async def list_people(
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=80)] = "",
    role: Role | None = None,
    unit_id: int | None = None,
) -> list[PersonView]:
    """People by name, role and unit (with the units under it), at most 200."""
    return await planning.list_people(
        viewer.state.core, query=q, role=role, unit_id=unit_id, limit=200
    )


@router.post(
    "/accounts",
    response_model=PersonView,
    status_code=201,
    openapi_extra=twin("POST /console/people"),
)
async def create_account(body: AccountIn, me: ApiOrganizerDep, viewer: ViewerDep) -> PersonView:
    """A volunteer, organizer or admin account with a password."""
    return await planning.create_account(
        viewer.state.core,
        actor_id=me.id,
        login=body.login.strip(),
        password=body.password,
        name=body.name,
        role=Role(body.role),
        unit_id=body.unit_id,
        now=viewer.now,
    )


@router.put(
    "/people/{person_id}/role",
    response_model=PersonView,
    openapi_extra=twin("POST /console/people/{person_id}/role"),
)
async def set_role(
    person_id: PathId, body: RoleIn, me: ApiOrganizerDep, viewer: ViewerDep
) -> PersonView:
    return await people.set_role(
        viewer.state.core, actor_id=me.id, person_id=person_id, role=body.role, now=viewer.now
    )


@router.get(
    "/people/{person_id}/record",
    response_model=reports.PersonRecord,
    openapi_extra=twin("GET /console/people/{person_id}"),
)
async def person_record(
    person_id: PathId,
    viewer: ViewerDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> reports.PersonRecord:
    y = year or viewer.state.core.today(viewer.now).year
    return await reports.person_record(viewer.state.core, person_id=person_id, year=y)


# rewards -------------------------------------------------------------------------------


class RewardIn(StrictBody):
    reward_id: Id | None = Field(None, description="Omit to add a new reward")
    name_zh: str = Field(min_length=1, max_length=120)
    name_en: str = Field("", max_length=160)
    price: int = Field(ge=1, le=2**31 - 1)
    stock: int = Field(ge=0, le=2**31 - 1)
    active: bool = True


@router.get(
    "/rewards", response_model=list[rewards.RewardView], openapi_extra=twin("GET /console/rewards")
)
async def list_rewards(viewer: ViewerDep) -> list[rewards.RewardView]:
    return await rewards.list_rewards(viewer.state.core)


@router.post(
    "/rewards", response_model=rewards.RewardView, openapi_extra=twin("POST /console/rewards")
)
async def save_reward(body: RewardIn, me: ApiOrganizerDep, viewer: ViewerDep) -> rewards.RewardView:
    return await rewards.save_reward(
        viewer.state.core, actor_id=me.id, now=viewer.now, **body.model_dump()
    )


# API tokens ----------------------------------------------------------------------------


class TokenIn(StrictBody):
    name: str = Field(min_length=1, max_length=80)
    scope: Literal["read", "write"] = "read"


class TokenMade(StrictBody):
    token: api_tokens.TokenView
    secret: str = Field(description="Shown once: only its SHA-256 is kept")


@router.get(
    "/tokens", response_model=list[api_tokens.TokenView], openapi_extra=twin("GET /console/tokens")
)
async def list_tokens(me: ApiOrganizerDep, viewer: ViewerDep) -> list[api_tokens.TokenView]:
    return await api_tokens.list_tokens(viewer.state.core, person_id=me.id)


@router.post(
    "/tokens", response_model=TokenMade, status_code=201, openapi_extra=twin("POST /console/tokens")
)
async def create_token(
    body: TokenIn, request: Request, me: ApiOrganizerDep, viewer: ViewerDep
) -> TokenMade:
    """A new token, from a signed-in session only: a token cannot make tokens."""
    if bearer(request) is not None:
        raise Refused(Reason.NOT_ALLOWED)
    new = await api_tokens.create_token(
        viewer.state.core, person_id=me.id, name=body.name, scope=body.scope, now=viewer.now
    )
    return TokenMade(token=new.token, secret=new.secret)


@router.post(
    "/tokens/{token_id}/revoke",
    response_model=api_tokens.TokenView,
    openapi_extra=twin("POST /console/tokens/{token_id}/revoke"),
)
async def revoke_token(
    token_id: PathId, me: ApiOrganizerDep, viewer: ViewerDep
) -> api_tokens.TokenView:
    """Revoke one of your tokens (a leaked one can revoke itself); refused from the next call."""
    return await api_tokens.revoke_token(
        viewer.state.core, person_id=me.id, token_id=token_id, now=viewer.now
    )
