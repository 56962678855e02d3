"""JSON API /api/v1, check-ins: my own, and the door scanner's (a personal QR, a name
found by search, a walk-in without a phone, undo) and handing out rewards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from campaigns import catalog, checkin, joining, people, review, rewards
from campaigns.results import Channel, Recorded, Role
from web.routes.api.caller import API_ERRORS, Caller, CallerDep, api_key, public
from web.routes.common import MAX_INT, join_key
from web.routes.console.common import live_hub
from web.schemas import (
    CheckInFor,
    DoorCheckIn,
    DoorUndo,
    PersonPublic,
    Redeem,
    RedemptionOut,
    RewardOut,
    SelfCheckIn,
    TokenScan,
    WalkIn,
)

router = APIRouter(prefix="/api/v1", tags=["api"], responses=API_ERRORS)
RewardId = Annotated[int, Path(ge=1, le=MAX_INT)]


@router.post("/events/{code}/checkins", response_model=Recorded, status_code=201)
async def self_checkin(code: str, body: SelfCheckIn, caller: CallerDep) -> Recorded:
    v = caller.viewer
    person = caller.person
    return await checkin.check_in(
        v.state.core,
        code=code,
        person_id=person.id,
        now=v.now,
        channel=Channel.API,
        idempotency_key=api_key(body.idempotency_key),
        rotation_token=body.scan_token,
    )


async def _at_door(caller: Caller, request: Request, recorded: Recorded) -> DoorCheckIn:
    """The check-in and whom it checked in; the live dashboard hears of it."""
    person = await people.get_person(caller.viewer.state.core, recorded.fact.person_id or 0)
    live_hub(request).poke()
    return DoorCheckIn(
        fact=recorded.fact,
        campaign=recorded.campaign,
        event=recorded.event,
        repeated=recorded.repeated,
        person=public(person),
    )


@router.post("/events/{code}/scans", response_model=DoorCheckIn, status_code=201)
async def door_scan(code: str, body: TokenScan, caller: CallerDep, request: Request) -> DoorCheckIn:
    """The door scanner: a volunteer checks in the person whose personal QR was scanned;
    the answer names them."""
    volunteer = caller.require(Role.VOLUNTEER)
    recorded = await checkin.check_in_by_token(
        caller.viewer.state.core,
        code=code,
        token=body.token,
        volunteer_id=volunteer.id,
        now=caller.now,
        channel=Channel.SCANNER,
        idempotency_key=api_key(body.idempotency_key),
    )
    return await _at_door(caller, request, recorded)


@router.post("/events/{code}/checkins/for", response_model=DoorCheckIn, status_code=201)
async def checkin_for(
    code: str, body: CheckInFor, caller: CallerDep, request: Request
) -> DoorCheckIn:
    """The name-search fallback at the door: a volunteer checks in a person found by name."""
    volunteer = caller.require(Role.VOLUNTEER)
    recorded = await checkin.check_in(
        caller.viewer.state.core,
        code=code,
        person_id=body.person_id,
        now=caller.now,
        channel=Channel.SCANNER,
        idempotency_key=api_key(body.idempotency_key),
        logged_by_id=volunteer.id,
    )
    return await _at_door(caller, request, recorded)


@router.post("/events/{code}/walk-ins", response_model=DoorCheckIn, status_code=201)
async def walk_in(code: str, body: WalkIn, caller: CallerDep, request: Request) -> DoorCheckIn:
    """Someone without a phone, checked in by name and unit: the unit's roster first (one
    row of that name is that person; several need `verifier`), then the people already
    registered, else a new person. The same idempotency key again makes no second person
    and no second check-in."""
    volunteer = caller.require(Role.VOLUNTEER)
    core, key = caller.viewer.state.core, api_key(body.idempotency_key)
    await catalog.get_event(core, code=code)  # an unknown event refuses before anyone is made
    joined = await joining.walk_in(
        core,
        volunteer_id=volunteer.id,
        name=body.name,
        unit_id=body.unit_id,
        now=caller.now,
        verifier=body.verifier,
        idempotency_key=join_key(key),
    )
    person = joined.person
    recorded = await checkin.check_in_by_token(
        core,
        code=code,
        token=person.qr_token,
        volunteer_id=volunteer.id,
        now=caller.now,
        channel=Channel.SCANNER,
        idempotency_key=key,
    )
    return await _at_door(caller, request, recorded)


@router.get("/people", response_model=list[PersonPublic])
async def search_people(caller: CallerDep, query: str = "") -> list[PersonPublic]:
    """The door's name search (volunteers): names and units, no codes."""
    caller.require(Role.VOLUNTEER)
    found = await people.search_people(caller.viewer.state.core, query=query.strip(), limit=20)
    return [public(p) for p in found if not p.deleted]


@router.post("/events/{code}/undo", response_model=DoorUndo)
async def undo(
    code: str,
    caller: CallerDep,
    request: Request,
    fact: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
) -> DoorUndo:
    """Void the last check-in this volunteer made at this door (within 30 minutes); with
    `fact`, only if that check-in (the one the volunteer was shown) is still the last one,
    else 409 undo_stale and nothing is undone."""
    volunteer = caller.require(Role.VOLUNTEER)
    core = caller.viewer.state.core
    voided = await review.undo_last_checkin(
        core, volunteer_id=volunteer.id, code=code, now=caller.now, fact_id=fact
    )
    person = await people.get_person(core, voided.person_id or 0)
    live_hub(request).poke()
    return DoorUndo(fact=voided, person=public(person))


@router.get("/rewards", response_model=list[RewardOut])
async def reward_list(caller: CallerDep) -> list[RewardOut]:
    """The rewards on offer now."""
    caller.require(Role.VOLUNTEER)
    found = await rewards.list_rewards(caller.viewer.state.core, active_only=True)
    return [_reward(r) for r in found]


def _reward(r: rewards.RewardView) -> RewardOut:
    return RewardOut(id=r.id, name_zh=r.name_zh, name_en=r.name_en, price=r.price, stock=r.stock)


@router.post("/rewards/{reward_id}/redemptions", response_model=RedemptionOut, status_code=201)
async def redeem(reward_id: RewardId, body: Redeem, caller: CallerDep) -> RedemptionOut:
    """A volunteer hands over a reward to the person whose personal QR was scanned."""
    volunteer = caller.require(Role.VOLUNTEER)
    done = await rewards.redeem(
        caller.viewer.state.core,
        reward_id=reward_id,
        token=body.token,
        volunteer_id=volunteer.id,
        now=caller.now,
        idempotency_key=f"redeem:{body.idempotency_key}" if body.idempotency_key else None,
    )
    return RedemptionOut(
        reward=_reward(done.reward),
        person=public(done.person),
        balance=done.balance,
        repeated=done.repeated,
    )
