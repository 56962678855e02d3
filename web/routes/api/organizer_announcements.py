"""Organizer API (/api/v1/organizer): announcements, the twins of the console's
announcements page, on the same core functions."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from campaigns import announcements
from web.deps import ViewerDep
from web.routes.api.caller import API_ERRORS
from web.routes.api.organizer import twin
from web.routes.api.organizer_auth import ApiOrganizerDep, require_api_organizer
from web.schemas import Body as StrictBody
from web.schemas import Id

router = APIRouter(
    prefix="/api/v1/organizer",
    tags=["organizer"],
    responses=API_ERRORS,
    dependencies=[Depends(require_api_organizer)],
)


class AnnouncementIn(StrictBody):
    body: str = Field(max_length=4000, description="The text, at most 1,000 characters")
    unit_ids: list[Id] = Field(min_length=1, max_length=500)


class AnnouncementOut(BaseModel):
    id: int
    body: str
    unit_ids: list[int]
    created_at: datetime
    recipients: int
    sent: int
    waiting: int
    failed: int
    unconfirmed: int = Field(description="Handed to the platform when a process stopped")


def _out(view: announcements.AnnouncementView) -> AnnouncementOut:
    return AnnouncementOut(
        id=view.id,
        body=view.body,
        unit_ids=view.unit_ids,
        created_at=view.created_at,
        recipients=view.recipients,
        sent=view.sent,
        waiting=view.waiting,
        failed=view.failed,
        unconfirmed=view.unconfirmed,
    )


@router.get(
    "/announcements",
    response_model=list[AnnouncementOut],
    openapi_extra=twin("GET /console/announcements"),
)
async def list_announcements(viewer: ViewerDep) -> list[AnnouncementOut]:
    """The latest announcements and how far each has gone."""
    return [_out(a) for a in await announcements.recent(viewer.state.core)]


@router.post(
    "/announcements",
    response_model=AnnouncementOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=twin("POST /console/announcements"),
)
async def announce(body: AnnouncementIn, me: ApiOrganizerDep, viewer: ViewerDep) -> AnnouncementOut:
    """Queue an announcement to the members of these units (WeCom, else Telegram)."""
    view = await announcements.announce(
        viewer.state.core,
        actor_id=me.id,
        body=body.body,
        unit_ids=body.unit_ids,
        now=viewer.now,
        corp_id=viewer.state.settings.wecom_corp_id,
    )
    return _out(view)
