"""JSON API /api/v1, logging: trips, clean plates, service hours, booth headcounts and
canteen checks. Each takes JSON, or at `…/photo` the same fields as multipart form data
with a photo as evidence (cleaned and stored as the forms do; dropped again when the
action is refused or repeated).

No `from __future__ import annotations` here: `_twins` builds its routes' signatures from
the body types it is given, which FastAPI reads from the live annotations."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form
from pydantic import BaseModel

from campaigns import actions
from campaigns.actions import CanteenCheckView
from campaigns.results import Channel, Recorded, Role
from web.routes.api.caller import API_ERRORS, Caller, CallerDep, PhotoFile, api_key
from web.routes.common import with_photo
from web.schemas import (
    CanteenCheck,
    CanteenCheckForm,
    Headcount,
    HeadcountForm,
    Plate,
    PlateForm,
    ServiceHours,
    ServiceHoursForm,
    Trip,
    TripForm,
)

router = APIRouter(prefix="/api/v1", tags=["api"], responses=API_ERRORS)
Act = Callable[[Caller, Any, str | None], Awaitable[Any]]


def _twins(
    path: str,
    body: type[BaseModel],
    form: type[BaseModel],
    act: Act,
    model: type,
    *,
    role: Role = Role.PARTICIPANT,
    summary: str,
) -> None:
    """Register `path` (JSON) and `path/photo` (multipart, with a photo) over one action."""

    async def as_json(payload: body, caller: CallerDep) -> Any:  # type: ignore[valid-type]
        return await act(caller, payload, None)

    async def with_a_photo(
        payload: Annotated[form, Form()],  # type: ignore[valid-type]
        caller: CallerDep,
        photo: PhotoFile = None,
    ) -> Any:
        caller.require(role)  # refused before any photo is stored
        state, day = caller.viewer.state, caller.today()
        return await with_photo(state, photo, day=day, act=lambda ev: act(caller, payload, ev))

    photo_words = " (multipart form data, with a photo as evidence)"
    for route, endpoint, words in (
        (path, as_json, ""),
        (path + "/photo", with_a_photo, photo_words),
    ):
        router.add_api_route(
            route,
            endpoint,
            methods=["POST"],
            response_model=model,
            status_code=201,
            summary=summary + words,
            name=endpoint.__name__ + route.replace("/", "_"),
        )


async def _trip(caller: Caller, body: Trip, evidence: str | None) -> Recorded:
    return await actions.log_trip(
        caller.viewer.state.core,
        person_id=caller.person.id,
        mode=body.mode,
        km=body.km,
        day=caller.today(body.day),
        now=caller.now,
        channel=Channel.API,
        idempotency_key=api_key(body.idempotency_key),
        evidence_path=evidence,
    )


async def _plate(caller: Caller, body: Plate, evidence: str | None) -> Recorded:
    return await actions.log_plate(
        caller.viewer.state.core,
        person_id=caller.person.id,
        meal=body.meal,
        day=caller.today(body.day),
        now=caller.now,
        channel=Channel.API,
        idempotency_key=api_key(body.idempotency_key),
        evidence_path=evidence,
    )


async def _service(caller: Caller, body: ServiceHours, evidence: str | None) -> Recorded:
    volunteer = caller.require(Role.VOLUNTEER)
    return await actions.log_service(
        caller.viewer.state.core,
        volunteer_id=volunteer.id,
        hours=body.hours,
        day=caller.today(body.day),
        now=caller.now,
        channel=Channel.API,
        idempotency_key=api_key(body.idempotency_key),
        evidence_path=evidence,
    )


async def _headcount(caller: Caller, body: Headcount, evidence: str | None) -> Recorded:
    volunteer = caller.require(Role.VOLUNTEER)
    return await actions.log_headcount(
        caller.viewer.state.core,
        volunteer_id=volunteer.id,
        code=body.code,
        heads=body.heads,
        now=caller.now,
        channel=Channel.API,
        idempotency_key=api_key(body.idempotency_key),
        evidence_path=evidence,
    )


async def _canteen(caller: Caller, body: CanteenCheck, evidence: str | None) -> CanteenCheckView:
    person = caller.require(Role.VOLUNTEER) if body.kind == "spot" else caller.person
    return await actions.log_canteen_check(
        caller.viewer.state.core,
        person_id=person.id,
        unit_id=body.unit_id,
        kind=body.kind,
        passed=body.passed,
        notes=body.notes,
        day=caller.today(body.day),
        now=caller.now,
        channel=Channel.API,
        idempotency_key=api_key(body.idempotency_key),
        evidence_path=evidence,
    )


VOLUNTEER = Role.VOLUNTEER
_twins("/trips", Trip, TripForm, _trip, Recorded, summary="A green trip")
_twins("/plates", Plate, PlateForm, _plate, Recorded, summary="A clean-plate meal")
_twins(
    "/service-hours",
    ServiceHours,
    ServiceHoursForm,
    _service,
    Recorded,
    role=VOLUNTEER,
    summary="Volunteer service hours",
)
_twins(
    "/headcounts",
    Headcount,
    HeadcountForm,
    _headcount,
    Recorded,
    role=VOLUNTEER,
    summary="A booth headcount at an event",
)
_twins(
    "/canteen-checks",
    CanteenCheck,
    CanteenCheckForm,
    _canteen,
    CanteenCheckView,
    summary="Self-evaluation of one's own unit's canteen, or a spot check",
)
