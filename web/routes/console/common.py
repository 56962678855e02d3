"""What the console's routers share: the role guards, the live hub, the live figures."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request

from campaigns import access
from campaigns.live import LiveHub
from campaigns.results import PersonView, Role
from web.deps import ViewerDep
from web.errors import WebReason, WebRefused
from web.i18n import Lang
from web.routes.console.words import Words

HEARTBEAT_SECONDS = 15


async def require_organizer(viewer: ViewerDep) -> PersonView:
    """An organizer or admin signed in strongly; anyone else gets 403."""
    if viewer.person is None:
        raise WebRefused(WebReason.ORGANIZER_REQUIRED)
    return viewer.require(Role.ORGANIZER)


async def require_volunteer(viewer: ViewerDep) -> PersonView:
    if viewer.person is None:
        raise WebRefused(WebReason.VOLUNTEER_REQUIRED)
    return viewer.require(Role.VOLUNTEER)


OrganizerDep = Annotated[PersonView, Depends(require_organizer)]
VolunteerDep = Annotated[PersonView, Depends(require_volunteer)]


def year_of(viewer: Any, year: int | None) -> int:
    this = viewer.state.core.today(viewer.now).year
    return year if year is not None and 2000 <= year <= this + 1 else this


def live_hub(request: Request) -> LiveHub:
    """One hub per app, made on first use (Redis fan-out when a Redis URL is set)."""
    hub: LiveHub | None = getattr(request.app.state, "console_live", None)
    if hub is None:
        state = request.app.state.web
        hub = LiveHub(
            state.core,
            year=lambda: state.core.today(state.clock()).year,
            redis_url=state.settings.redis_url,
        )
        request.app.state.console_live = hub
    return hub


def live_figures(lang: Lang, data: dict[str, Any]) -> dict[str, str]:
    """The live counter's figures, formatted for the viewer's language."""
    w = Words(lang, 0)
    goal = data["goal"]
    percent = 0.0 if goal <= 0 else min(100.0, 100.0 * data["toward_goal"] / goal)
    return {
        "toward_goal": w.n(data["toward_goal"]),
        "person_times": w.n(data["person_times"]),
        "headcount": w.n(data["headcount"]),
        "people": w.n(data["people"]),
        "co2": w.kg(data["co2_g"]),
        "points": w.n(data["points"]),
        "percent": w.one(percent),
        "percent_raw": f"{percent:.1f}",
    }


async def audit_export(
    viewer: Any,
    what: str,
    *,
    first: date | None = None,
    last: date | None = None,
    unit: list[int] | None = None,
    rows: int | None = None,
) -> None:
    """Who took which data out (campaigns.access, the audit log), by the console or the API."""
    await access.record_export(
        viewer.state.core,
        actor_id=viewer.person.id if viewer.person else None,
        what=f"{'api' if viewer.request.url.path.startswith('/api/') else 'console'}:{what}",
        now=viewer.now,
        start=first.isoformat() if first else None,
        end=last.isoformat() if last else None,
        units=unit or [],
        rows=rows,
    )
