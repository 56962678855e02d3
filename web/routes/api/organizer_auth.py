"""Who may call the organizer API: an organizer's personal token (`Authorization: Bearer`,
checked and audited on every request; a read token may not write), or an organizer's own
browser session (writes then carry `X-CSRF-Token`, as the rest of the API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from campaigns import api_tokens
from campaigns.results import PersonView, Role
from web.deps import ViewerDep, csrf_cookie_of, same_origin
from web.errors import WebReason, WebRefused

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else None


async def require_api_organizer(request: Request, viewer: ViewerDep) -> PersonView:
    """The organizer behind this request. Refuses API_TOKEN_REFUSED, API_TOKEN_READ_ONLY,
    CSRF_FAILED, ORGANIZER_REQUIRED."""
    state = viewer.state
    write = request.method not in SAFE_METHODS
    secret = bearer(request)
    if secret is not None:
        use = await api_tokens.use_token(
            state.core,
            secret=secret,
            write=write,
            method=request.method,
            path=request.url.path,
            now=viewer.now,
        )
        viewer.person = use.person
        return use.person
    if write and (
        not same_origin(request, state.settings)
        or not state.signer.csrf_ok(csrf_cookie_of(request), request.headers.get("x-csrf-token"))
    ):
        raise WebRefused(WebReason.CSRF_FAILED)
    if viewer.person is None:
        raise WebRefused(WebReason.ORGANIZER_REQUIRED)
    return viewer.require(Role.ORGANIZER)


ApiOrganizerDep = Annotated[PersonView, Depends(require_api_organizer)]
