"""Who calls the JSON API, and what its routers share.

Callers authenticate with the session cookie (unsafe methods then carry `X-CSRF-Token`,
which GET /api/v1/session hands out) or, inside a Telegram Mini App, with
`Authorization: tma <initData>`, checked on every request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, File, Request, UploadFile

from campaigns import people
from campaigns.results import PersonView, Role
from web.deps import StateDep, Viewer, ViewerDep, csrf_cookie_of, same_origin
from web.errors import REASON_STATUS, WebReason, WebRefused
from web.routes.account import telegram_user
from web.schemas import PersonPublic, Problem
from web.security import AuthMethod, Session
from web.telegram_auth import TelegramUser

API_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem} for status in sorted(set(REASON_STATUS.values()))
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PhotoFile = Annotated[UploadFile | None, File(description="JPEG, PNG or WebP; cleaned.")]


@dataclass
class Caller:
    viewer: Viewer
    telegram: TelegramUser | None = None  # a verified Telegram user (maybe not joined yet)

    @property
    def person(self) -> PersonView:
        if self.viewer.person is None and self.telegram is not None:
            raise WebRefused(WebReason.TELEGRAM_NOT_REGISTERED)
        return self.viewer.require_person()

    def require(self, role: Role) -> PersonView:
        self.person  # noqa: B018 - the Telegram refusal first, when it applies
        return self.viewer.require(role)

    @property
    def now(self) -> Any:
        return self.viewer.now

    def today(self, day: date | None = None) -> date:
        return day or self.viewer.state.core.today(self.viewer.now)


async def get_caller(request: Request, viewer: ViewerDep, state: StateDep) -> Caller:
    auth = request.headers.get("authorization", "")
    if auth[:4].lower() == "tma ":
        user = telegram_user(viewer, auth[4:].strip())
        person = await people.find_by_telegram(state.core, user.id)
        viewer.person, viewer.session = None, None
        if person is not None and not person.deleted:
            viewer.person = person
            viewer.session = Session(person.id, AuthMethod.TELEGRAM, int(time.time()))
        return Caller(viewer, user)
    if request.method not in SAFE_METHODS and (
        not same_origin(request, state.settings)
        or not state.signer.csrf_ok(csrf_cookie_of(request), request.headers.get("x-csrf-token"))
    ):
        raise WebRefused(WebReason.CSRF_FAILED)
    return Caller(viewer)


CallerDep = Annotated[Caller, Depends(get_caller)]


def api_key(value: str | None) -> str | None:
    return f"api:{value}" if value else None


def public(person: PersonView) -> PersonPublic:
    """What others may see of a person: no token, no Telegram id."""
    return PersonPublic(
        id=person.id,
        display_name=person.display_name,
        unit_name_zh=person.unit_name_zh,
        unit_name_en=person.unit_name_en,
    )
