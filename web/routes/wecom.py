"""The WeCom door's web edge: the callback (URL verification and encrypted POSTs) and the
OAuth sign-in of pages opened inside WeCom. Mounted when the door is on (greentally/app.py)."""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.requests import Request
from starlette.responses import Response

from campaigns.labels import N_
from web.deps import ViewerDep, forget_cookie, safe_next, set_cookie
from web.security import AuthMethod
from wecom.client import WeComError
from wecom.crypto import CryptoRefused
from wecom.messages import MAX_BODY

if TYPE_CHECKING:
    from wecom.door import WeComDoor

log = logging.getLogger(__name__)

CALLBACK_PATH = "/wecom/callback"
STATE_COOKIE = "gt_wecom_oauth"
CODE_REFUSED = N_(
    "This WeCom sign-in was used already or has expired. Open the page from WeCom again."
)
NOT_A_MEMBER = N_("Your WeCom account could not be matched to a unit here. Ask the organizers.")

router = APIRouter(tags=["pages"])


def door_of(request: Request) -> WeComDoor:
    door: WeComDoor = request.app.state.wecom
    return door


async def callback(request: Request) -> Response:
    """GET: WeCom checks the URL (answer the plain echostr). POST: a message or event,
    answered with an empty 200 once it is verified, decrypted and recorded (or on its way
    there); a forged, foreign or stale one gets 403 and is never read."""
    door = door_of(request)
    query = dict(request.query_params)
    try:
        if request.method == "GET":
            return PlainTextResponse(door.verify(query))
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        await door.receive(query, body)
    except CryptoRefused as exc:
        log.warning("WeCom callback refused: %s", exc.problem.value)
        return Response(status_code=403)
    return Response(status_code=200)


@router.get("/wecom/oauth")
async def oauth_start(viewer: ViewerDep, next: str = "/me") -> Response:  # noqa: A002
    """Send a page opened inside WeCom through WeCom's OAuth (snsapi_base: no prompt)."""
    door = door_of(viewer.request)
    config = door.config
    state = secrets.token_urlsafe(16)
    back = f"{config.public_url.rstrip('/')}/wecom/signin"
    params = urlencode(
        {
            "appid": config.corp_id,
            "redirect_uri": back,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
            "agentid": config.agent_id,
        },
        quote_via=quote,
    )
    url = f"{config.oauth_base.rstrip('/')}/connect/oauth2/authorize?{params}#wechat_redirect"
    response = RedirectResponse(url, status_code=302)
    value = json.dumps({"s": state, "n": safe_next(next, "/me")})
    set_cookie(viewer.state, response, STATE_COOKIE, value, max_age=600)
    return response


@router.get("/wecom/signin", response_class=HTMLResponse)
async def oauth_back(viewer: ViewerDep, code: str = "", state: str = "") -> Response:
    """WeCom sends the browser back with a single-use code: the member it names is signed
    in (bound to their person the first time), then on to the page they opened."""
    door = door_of(viewer.request)
    saved = _saved_state(viewer.request.cookies.get(STATE_COOKIE))
    if not code or saved is None or not hmac.compare_digest(saved["s"], state):
        return _refused(viewer, CODE_REFUSED)
    try:
        user_id = await door.client.user_id_of_code(code)
    except WeComError as exc:
        log.info("WeCom OAuth code refused: %s", exc.errcode)
        return _refused(viewer, CODE_REFUSED)
    joined = await door.person(user_id) if user_id else None
    if joined is None:
        return _refused(viewer, NOT_A_MEMBER)
    session = await viewer.start_session(joined.person, AuthMethod.WECOM)
    response = RedirectResponse(safe_next(saved["n"], "/me"), status_code=303)
    viewer.sign_in(response, session)
    forget_cookie(viewer.state, response, STATE_COOKIE)
    return response


def _saved_state(raw: str | None) -> dict[str, str] | None:
    try:
        value: Any = json.loads(raw or "")
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("s"), str):
        return None
    return {"s": value["s"], "n": str(value.get("n") or "/me")}


def _refused(viewer: Any, msgid: str) -> Response:
    message = viewer.lang.gettext(msgid)
    response: Response = viewer.render(
        "error.html", status_code=400, reason="wecom_signin", message=message
    )
    forget_cookie(viewer.state, response, STATE_COOKIE)
    return response


SIGNED_IN_PAGES = ("/me", "/log", "/e/")
WECOM_BROWSER = b"wxwork"  # WeCom's (and 政务微信's) in-app browser names itself so


class WeComSignIn:
    """Pages opened inside WeCom by someone not signed in go through WeCom's OAuth first
    (no prompt: snsapi_base), so a poster scanned with WeCom's own scanner is one tap.
    A plain ASGI middleware: it looks at a header and a cookie, nothing more."""

    def __init__(self, app: Any, *, session_cookie: str) -> None:
        self.app = app
        self.cookie = session_cookie.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and self._wants(scope):
            path = scope["path"]
            query = scope.get("query_string", b"").decode("latin-1")
            here = f"{path}?{query}" if query else path
            response = RedirectResponse(f"/wecom/oauth?next={quote(here, safe='')}", 302)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _wants(self, scope: Any) -> bool:
        if not str(scope["path"]).startswith(SIGNED_IN_PAGES):
            return False
        headers = dict(scope.get("headers") or [])
        if WECOM_BROWSER not in headers.get(b"user-agent", b"").lower():
            return False
        return self.cookie + b"=" not in headers.get(b"cookie", b"")
