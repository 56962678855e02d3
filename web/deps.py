"""What every route is handed: the core, the settings, and the viewer (person, language, CSRF)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import Depends, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData, UploadFile

from campaigns import access, people, text
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.results import PersonView, Role
from campaigns.settings import Settings
from web.errors import WebReason, WebRefused, field_label
from web.i18n import ENDONYMS, LANGUAGES, Lang, negotiate, pick_language
from web.ratelimit import Limits, SignInGuard
from web.security import (
    CSRF_COOKIE,
    LANG_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    STRONG_COOKIE_MAX_AGE,
    AuthMethod,
    Session,
    Signer,
)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class WebState:
    """Long-lived things the app builds once in create_app and keeps on app.state.web."""

    core: Core
    settings: Settings
    signer: Signer
    templates: Jinja2Templates
    evidence_dir: Path
    clock: Callable[[], datetime] = _utcnow
    limits: Limits = field(init=False)
    sign_in_guard: SignInGuard = field(init=False)

    def __post_init__(self) -> None:
        self.limits = Limits(self.settings)
        self.sign_in_guard = SignInGuard(self.limits)

    @property
    def bot_token(self) -> str | None:
        token = self.settings.bot_token
        return token.get_secret_value() if token is not None else None


# Dependencies are `async def` although they do no I/O: FastAPI runs a plain `def`
# dependency in a worker thread, a hop per dependency per request on the hot path.
def state_of(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


async def get_state(request: Request) -> WebState:
    return state_of(request)


async def get_core(request: Request) -> Core:
    return state_of(request).core


async def get_settings(request: Request) -> Settings:
    return state_of(request).settings


StateDep = Annotated[WebState, Depends(get_state)]
CoreDep = Annotated[Core, Depends(get_core)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass
class Viewer:
    """The person behind this request (if known), their language and their CSRF token."""

    request: Request
    state: WebState
    session: Session | None
    person: PersonView | None
    lang: Lang
    session_ended: bool = False  # the cookie named a session that has ended: forget it

    @property
    def csrf(self) -> str:
        """The token this browser's forms carry (computed only for pages that show one)."""
        return self.state.signer.csrf_token(csrf_cookie_of(self.request))

    @property
    def now(self) -> datetime:
        return self.state.clock()

    @property
    def strong(self) -> bool:
        return self.session is not None and self.session.is_strong(time.time())

    async def hydrate(self) -> None:
        """Load the person behind the session (and their language) from the core."""
        had = self.session
        self.session, self.person, self.lang = await _load_person(
            self.request, self.state, self.session
        )
        self.session_ended = had is not None and self.session is None

    def require_person(self) -> PersonView:
        if self.person is None:
            raise WebRefused(WebReason.SIGN_IN_REQUIRED)
        return self.person

    def require(self, role: Role) -> PersonView:
        """A person of at least `role`, signed in strongly (a typed name is not enough)."""
        person = self.require_person()
        if role is Role.PARTICIPANT:
            return person
        if not person.can(role) or not self.strong:
            reason = (
                WebReason.VOLUNTEER_REQUIRED
                if role is Role.VOLUNTEER
                else WebReason.ORGANIZER_REQUIRED
            )
            raise WebRefused(reason)
        return person

    def render(self, template: str, /, status_code: int = 200, **context: Any) -> HTMLResponse:
        lang = self.lang
        base = {
            "request": self.request,
            "lang": lang,
            "_": lang.gettext,
            "ngettext": lang.ngettext,
            "csrf": self.csrf,
            "viewer": self,
            "person": self.person,
            "languages": [(code, ENDONYMS[code]) for code in LANGUAGES],
            "here": self.here,
            "Role": Role,
        }
        response = self.state.templates.TemplateResponse(
            self.request, template, {**base, **context}, status_code=status_code
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Language"] = lang.html_lang
        if self.session_ended:
            forget_cookie(self.state, response, SESSION_COOKIE)
        return response

    @property
    def here(self) -> str:
        url = self.request.url
        return url.path + (f"?{url.query}" if url.query else "")

    def sign_in(self, response: Any, session: Session) -> None:
        """The session's cookie: a device's lasts longer than a signed-in session's."""
        value = self.state.signer.dump_session(session)
        age = SESSION_MAX_AGE if session.sid is None else STRONG_COOKIE_MAX_AGE
        set_cookie(self.state, response, SESSION_COOKIE, value, max_age=age)

    async def start_session(self, person: PersonView, method: str) -> Session:
        """This viewer signs in as `person`: a password, link or Telegram sign-in opens a
        server-side session (audited); a typed name is a device session. Then `sign_in`."""
        self.person = person
        if method not in AuthMethod.STRONG:
            self.session = Session(person.id, method)
            return self.session
        sid = await access.start_session(
            self.state.core,
            person_id=person.id,
            method=method,
            now=self.now,
            address=client_address(self.request),
        )
        self.session = Session(person.id, method, int(time.time()), sid)
        return self.session

    async def sign_out(self, response: Any, *, everywhere: bool = False) -> None:
        """End this browser's session (or every session of its person) and forget it here."""
        core, session = self.state.core, self.session
        if session is not None and everywhere:
            await access.end_all_sessions(core, person_id=session.person_id, now=self.now)
        elif session is not None and session.sid is not None:
            await access.end_session(core, secret=session.sid, now=self.now)
        forget_cookie(self.state, response, SESSION_COOKIE)
        self.session = None


def client_address(request: Request) -> str:
    """The caller's address: the peer, or what a trusted proxy said (uvicorn's
    proxy_headers with forwarded_allow_ips; nobody is trusted unless configured)."""
    client = request.scope.get("client")
    return str(client[0]) if client else "?"


def set_cookie(
    state: WebState, response: Any, name: str, value: str, *, max_age: int = SESSION_MAX_AGE
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=state.settings.secure_cookies,
        path="/",
    )


def forget_cookie(state: WebState, response: Any, name: str) -> None:
    response.delete_cookie(
        name, httponly=True, samesite="lax", secure=state.settings.secure_cookies, path="/"
    )


def csrf_cookie_of(request: Request) -> str:
    """The browser's CSRF cookie (WebMiddleware makes one for a browser that has none)."""
    value: str = request.scope.get("state", {}).get("csrf_cookie", "")
    return value


async def get_viewer(request: Request, state: StateDep) -> Viewer:
    viewer = light_viewer(request, state)
    await viewer.hydrate()
    return viewer


def light_viewer(request: Request, state: WebState) -> Viewer:
    """The viewer from the signed cookie alone, for hot paths: `hydrate()` loads the person."""
    session = state.signer.load_session(request.cookies.get(SESSION_COOKIE))
    lang = Lang(
        pick_language(
            request.cookies.get(LANG_COOKIE),
            negotiate(request.headers.get("accept-language")),
            state.settings.default_language,
        ),
        state.core.tz,
    )
    return Viewer(request, state, session, None, lang)


async def _load_person(
    request: Request, state: WebState, session: Session | None
) -> tuple[Session | None, PersonView | None, Lang]:
    person: PersonView | None = None
    if session is not None:
        try:
            person = await people.get_person(state.core, session.person_id)
        except Refused:
            person = None
        if person is not None and person.deleted:
            person = None
        if person is not None and session.sid is not None:
            alive = await access.session_alive(
                state.core, secret=session.sid, person_id=person.id, now=state.clock()
            )
            session = replace(session, strong_at=int(time.time())) if alive else None
            person = person if alive else None
        if person is None:
            session = None
    lang = Lang(
        pick_language(
            request.cookies.get(LANG_COOKIE),
            person.language if person else None,
            negotiate(request.headers.get("accept-language")),
            state.settings.default_language,
        ),
        state.core.tz,
    )
    return session, person, lang


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def same_origin(request: Request, settings: Settings) -> bool:
    """False only when the browser says the request came from another site."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    host = urlsplit(origin).netloc
    return host in {request.headers.get("host", ""), urlsplit(settings.public_url).netloc}


def _require_csrf(request: Request, state: WebState, token: str | None) -> None:
    if not same_origin(request, state.settings) or not state.signer.csrf_ok(
        request.cookies.get(CSRF_COOKIE), token
    ):
        raise WebRefused(WebReason.CSRF_FAILED)


async def check_csrf(request: Request, state: StateDep, csrf: Annotated[str, Form()] = "") -> None:
    """Every form post carries the HMAC of this browser's CSRF cookie."""
    _require_csrf(request, state, csrf)


_URLENCODED = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS = 1000  # Starlette's own limit for a parsed form


async def checked_form(request: Request, state: WebState) -> FormData:
    """The posted form, read once, its CSRF token checked.

    A urlencoded form (every form without a file) is parsed from the body directly:
    Starlette's streaming parser cost more than the rest of a check-in. WebMiddleware caps
    the body as it streams in (BodyTooLarge past the cap)."""
    if request.headers.get("content-type", "").split(";", 1)[0].strip() == _URLENCODED:
        body = (await request.body()).decode("utf-8", "replace")
        try:
            fields = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
        except ValueError as exc:  # more fields than any of our forms has: "what you sent"
            error = {"loc": ("body",), "type": "too_many_fields", "msg": str(exc)}
            raise RequestValidationError([error]) from exc
        form = FormData(list[tuple[str, str | UploadFile]](fields))
    else:
        form = await request.form()
    refuse_hidden_text(_request_strings(request))
    refuse_hidden_text(_form_strings(form))
    await rate_guard(request)
    token = form.get("csrf")
    _require_csrf(request, state, token if isinstance(token, str) else None)
    return form


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


CsrfDep = Depends(check_csrf)


def refuse_hidden_text(fields: Iterator[tuple[str, str]]) -> None:
    """The web's one text check (campaigns.text): refuses HIDDEN_CHARACTERS naming the field."""
    bad = text.first_problem(fields)
    if bad is not None:
        raise WebRefused(WebReason.HIDDEN_CHARACTERS, field=field_label((bad,)))


def _strings(value: Any, name: str = "") -> Iterator[tuple[str, str]]:
    """(field, text) for every string in a parsed JSON body, keys included."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key), str(key)
            yield from _strings(item, str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, name)


def _request_strings(request: Request) -> Iterator[tuple[str, str]]:
    yield from request.scope.get("path_params", {}).items()
    if not request.scope.get("query_string"):
        return  # most requests have no query: QueryParams is not built for nothing
    for key, value in request.query_params.multi_items():
        yield key, key
        yield key, value


def _form_strings(form: FormData) -> Iterator[tuple[str, str]]:
    for key, value in form.multi_items():
        yield key, key
        if isinstance(value, str):
            yield key, value


async def text_guard(request: Request) -> None:
    """Every route's path, query, form and JSON strings pass campaigns.text, before anything
    reads or writes them (an app-wide dependency; the hot check-in post uses checked_form)."""
    refuse_hidden_text(_request_strings(request))
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if request.method in SAFE_METHODS_NO_BODY:
        return
    if kind in (_URLENCODED, "multipart/form-data"):
        form = await request.form()  # parsed already for a form route (Starlette caches it)
        refuse_hidden_text(_form_strings(form))
    elif kind == "application/json" or kind.endswith("+json"):
        try:
            body = await request.json()
        except ValueError:
            return  # FastAPI answers invalid JSON itself
        refuse_hidden_text(_strings(body))


SAFE_METHODS_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
# Posts that make a new person (the check-in post only for a phone without a session).
REGISTRATION_ROUTES = frozenset(
    {"/join", "/e/{code}", "/api/v1/people", "/api/v1/people/telegram", "/tg/join"}
)


async def rate_guard(request: Request) -> None:
    """Rate limits (web.ratelimit) before a route runs: the API per person or address,
    event-code lookups from an address that guessed too many, registrations per address.
    Refuses TOO_MANY_REQUESTS with the seconds to wait."""
    state = state_of(request)
    limits, address = state.limits, client_address(request)
    scope = request.scope
    template = getattr(scope.get("route"), "path", "")
    if scope["path"].startswith("/api/"):
        session = state.signer.load_session(request.cookies.get(SESSION_COOKIE))
        key = f"person:{session.person_id}" if session else f"address:{address}"
        if not await limits.hit(limits.api, key):
            await _too_many(limits, limits.api, key)
    if "code" in scope.get("path_params", ()) and not await limits.allowed(
        limits.code_misses, address
    ):
        await _too_many(limits, limits.code_misses, address)
    if (
        request.method == "POST"
        and template in REGISTRATION_ROUTES
        and SESSION_COOKIE not in request.cookies
        and not await limits.hit(limits.registration, address)
    ):
        await _too_many(limits, limits.registration, address)


async def _too_many(limits: Limits, rule: Any, key: str) -> None:
    seconds = await limits.wait(rule, key)
    raise WebRefused(WebReason.TOO_MANY_REQUESTS, seconds=seconds, retry_after=seconds)


async def code_missed(request: Request) -> None:
    """An unknown event code was looked up: counted against the caller's address."""
    state = state_of(request)
    await state.limits.hit(state.limits.code_misses, client_address(request))


async def request_guard(request: Request) -> None:
    """The app-wide dependency: text hygiene, then rate limits."""
    await text_guard(request)
    await rate_guard(request)


def safe_next(value: str | None, default: str = "/") -> str:
    """Only paths on this site: no scheme, no host, no protocol-relative tricks."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
