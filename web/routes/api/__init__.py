"""The JSON API (/api/v1): the participant's and the door's actions, the logging forms' twins."""

from fastapi import APIRouter

from web.routes.api import door, log, participant

api_router = APIRouter()
for module in (participant, door, log):
    api_router.include_router(module.router)

__all__ = ["api_router"]
