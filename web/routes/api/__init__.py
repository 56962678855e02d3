"""The JSON API (/api/v1): the participant's and the door's actions, the logging forms' twins,
and the organizer's (/api/v1/organizer, the console's twins)."""

from fastapi import APIRouter

from web.routes.api import (
    door,
    log,
    organizer,
    organizer_announcements,
    organizer_data,
    organizer_field,
    organizer_identity,
    participant,
)

api_router = APIRouter()
for module in (
    participant,
    door,
    log,
    organizer,
    organizer_data,
    organizer_identity,
    organizer_field,
    organizer_announcements,
):
    api_router.include_router(module.router)

__all__ = ["api_router"]
