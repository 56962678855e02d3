"""Console: campaigns, events, the unit tree (with CSV import) and people with their roles."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaigns import catalog, people, planning, records, rosters
from campaigns.errors import Refused
from campaigns.labels import RULE_LABELS
from campaigns.reasons import Reason
from campaigns.results import Role
from web.deps import CsrfDep, Viewer, ViewerDep
from web.errors import status_for, words_for
from web.routes.common import parse_int
from web.routes.console.charts import arrivals_chart
from web.routes.console.words import Words, render

router = APIRouter()
RULE_CHOICES = list(RULE_LABELS.items())
MAX_CSV_BYTES = 2 * 1024 * 1024


def _local(viewer: Viewer, value: str) -> datetime | None:
    """A datetime-local field, read as local time in the campaign's zone."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=viewer.state.core.tz)
    except ValueError:
        return None


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def local_input(viewer: Viewer, value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(viewer.state.core.tz).strftime("%Y-%m-%dT%H:%M")


def _error(viewer: Viewer, exc: Exception, template: str, **context: Any) -> Response:
    reason, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
    return render(viewer, template, status_code=status_for(reason), message=message, **context)


# campaigns -----------------------------------------------------------------------------


async def _campaigns_page(viewer: Viewer, **context: Any) -> Response:
    campaigns = await catalog.list_campaigns(viewer.state.core)
    template = "console/campaigns.html"
    context["rule_choices"] = RULE_CHOICES
    if "exc" in context:
        return _error(viewer, context.pop("exc"), template, campaigns=campaigns, **context)
    return render(viewer, template, campaigns=campaigns, message=None, **context)


@router.get("/campaigns", response_class=HTMLResponse)
async def campaigns_page(viewer: ViewerDep) -> Response:
    return await _campaigns_page(viewer)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
async def campaign_page(campaign_id: int, viewer: ViewerDep) -> Response:
    core = viewer.state.core
    campaign = await catalog.get_campaign(core, campaign_id)
    events = await catalog.list_events(core, campaign_id=campaign_id)
    return render(
        viewer,
        "console/campaign.html",
        campaign=campaign,
        events=events,
        rule_choices=RULE_CHOICES,
        message=None,
        local_input=local_input,
    )


@router.post("/campaigns", dependencies=[CsrfDep])
async def create_campaign(
    *,
    viewer: ViewerDep,
    slug: Annotated[str, Form(max_length=80)] = "",
    title_zh: Annotated[str, Form(max_length=120)] = "",
    title_en: Annotated[str, Form(max_length=160)] = "",
    kind: Annotated[str, Form()] = "event",
    habit: Annotated[str, Form()] = "",
    counting_rule: Annotated[str, Form()] = "per_event",
    starts_on: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
    counts_toward_goal: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    try:
        created = await catalog.create_campaign(
            viewer.state.core,
            actor_id=organizer.id,
            slug=slug.strip() or title_zh.strip(),
            title_zh=title_zh,
            title_en=title_en,
            kind=kind,
            habit=habit or None,
            counting_rule=counting_rule,
            starts_on=_day(starts_on),
            ends_on=_day(ends_on),
            counts_toward_goal=bool(counts_toward_goal),
            target=parse_int(target),
            now=viewer.now,
        )
    except Refused as exc:
        return await _campaigns_page(viewer, exc=exc)
    return RedirectResponse(f"/console/campaigns/{created.id}", status_code=303)


@router.post("/campaigns/{campaign_id}", dependencies=[CsrfDep])
async def edit_campaign(
    *,
    campaign_id: int,
    viewer: ViewerDep,
    title_zh: Annotated[str, Form(max_length=120)] = "",
    title_en: Annotated[str, Form(max_length=160)] = "",
    theme_zh: Annotated[str, Form(max_length=200)] = "",
    counting_rule: Annotated[str, Form()] = "per_event",
    starts_on: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
    counts_toward_goal: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    core = viewer.state.core
    try:
        await planning.update_campaign(
            core,
            actor_id=organizer.id,
            campaign_id=campaign_id,
            now=viewer.now,
            title_zh=title_zh,
            title_en=title_en,
            theme_zh=theme_zh,
            counting_rule=counting_rule,
            starts_on=_day(starts_on),
            ends_on=_day(ends_on),
            counts_toward_goal=bool(counts_toward_goal),
            target=parse_int(target),
        )
    except Refused as exc:
        campaign = await catalog.get_campaign(core, campaign_id)
        events = await catalog.list_events(core, campaign_id=campaign_id)
        return _error(
            viewer,
            exc,
            "console/campaign.html",
            campaign=campaign,
            events=events,
            rule_choices=RULE_CHOICES,
            local_input=local_input,
        )
    return RedirectResponse(f"/console/campaigns/{campaign_id}?saved=1", status_code=303)


# events --------------------------------------------------------------------------------


@router.get("/events", response_class=HTMLResponse)
async def events_page(viewer: ViewerDep) -> Response:
    core = viewer.state.core
    events = await catalog.list_events(core)
    campaigns = {c.id: c for c in await catalog.list_campaigns(core)}
    return render(viewer, "console/events.html", events=events, campaigns=campaigns)


@router.get("/events/{event_id}", response_class=HTMLResponse)
async def event_page(event_id: int, viewer: ViewerDep, q: str = "", before: str = "") -> Response:
    core = viewer.state.core
    event = await catalog.get_event(core, event_id=event_id)
    return await _event_page(viewer, event, q=q, before=before)


async def _event_page(
    viewer: Viewer, event: Any, *, q: str = "", before: str = "", **context: Any
) -> Response:
    core = viewer.state.core
    campaign = await catalog.get_campaign(core, event.campaign_id)
    page = await records.attendees(core, event_id=event.id, q=q, before=parse_int(before))
    slots = await records.arrivals(core, event_id=event.id)
    w = Words(viewer.lang, core.today(viewer.now).year)
    template = "console/event.html"
    values = {
        "event": event,
        "campaign": campaign,
        "local_input": local_input,
        "page": page,
        "q": page.filter.q,
        "first": before == "",
        "slots": slots,
        "arrivals_svg": arrivals_chart(slots, w) if slots else "",
    }
    if "exc" in context:
        return _error(viewer, context.pop("exc"), template, **values)
    return render(viewer, template, message=None, **values)


EventForm = dict[str, Any]


def _event_fields(viewer: Viewer, form: EventForm) -> dict[str, Any]:
    return {
        "title_zh": form["title_zh"],
        "title_en": form["title_en"],
        "place": form["place"],
        "starts_at": _local(viewer, form["starts_at"]),
        "ends_at": _local(viewer, form["ends_at"]),
        "checkin_opens_at": _local(viewer, form["opens"]),
        "checkin_closes_at": _local(viewer, form["closes"]),
        "capacity": parse_int(form["capacity"]),
        "rotating": bool(form["rotating"]),
    }


@router.post("/campaigns/{campaign_id}/events", dependencies=[CsrfDep])
async def create_event(
    *,
    campaign_id: int,
    viewer: ViewerDep,
    title_zh: Annotated[str, Form(max_length=160)] = "",
    title_en: Annotated[str, Form(max_length=200)] = "",
    place: Annotated[str, Form(max_length=200)] = "",
    starts_at: Annotated[str, Form()] = "",
    ends_at: Annotated[str, Form()] = "",
    opens: Annotated[str, Form()] = "",
    closes: Annotated[str, Form()] = "",
    capacity: Annotated[str, Form()] = "",
    rotating: Annotated[str, Form()] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    core = viewer.state.core
    fields = _event_fields(viewer, locals())
    try:
        if fields["starts_at"] is None or fields["ends_at"] is None:
            raise Refused(Reason.INVALID_INPUT)
        event = await catalog.create_event(
            core, actor_id=organizer.id, campaign_id=campaign_id, now=viewer.now, **fields
        )
    except Refused as exc:
        campaign = await catalog.get_campaign(core, campaign_id)
        events = await catalog.list_events(core, campaign_id=campaign_id)
        return _error(
            viewer,
            exc,
            "console/campaign.html",
            campaign=campaign,
            events=events,
            rule_choices=RULE_CHOICES,
            local_input=local_input,
        )
    return RedirectResponse(f"/console/events/{event.id}", status_code=303)


@router.post("/events/{event_id}", dependencies=[CsrfDep])
async def edit_event(
    *,
    event_id: int,
    viewer: ViewerDep,
    title_zh: Annotated[str, Form(max_length=160)] = "",
    title_en: Annotated[str, Form(max_length=200)] = "",
    place: Annotated[str, Form(max_length=200)] = "",
    starts_at: Annotated[str, Form()] = "",
    ends_at: Annotated[str, Form()] = "",
    opens: Annotated[str, Form()] = "",
    closes: Annotated[str, Form()] = "",
    capacity: Annotated[str, Form()] = "",
    rotating: Annotated[str, Form()] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    core = viewer.state.core
    fields = _event_fields(viewer, locals())
    changes = {k: v for k, v in fields.items() if v is not None or k == "capacity"}
    try:
        if not fields["title_zh"].strip():
            raise Refused(Reason.INVALID_INPUT)
        await catalog.update_event(
            core, actor_id=organizer.id, event_id=event_id, now=viewer.now, **changes
        )
    except Refused as exc:
        event = await catalog.get_event(core, event_id=event_id)
        return await _event_page(viewer, event, exc=exc)
    return RedirectResponse(f"/console/events/{event_id}?saved=1", status_code=303)


# units ---------------------------------------------------------------------------------


async def _units_page(
    viewer: Viewer, *, exc: Exception | None = None, imported: int | None = None
) -> Response:
    units = catalog.tree_order(await catalog.list_units(viewer.state.core))
    sizes = await rosters.roster_sizes(viewer.state.core)
    if exc is not None:
        return _error(
            viewer, exc, "console/units.html", units=units, imported=None, roster_sizes=sizes
        )
    return render(
        viewer,
        "console/units.html",
        units=units,
        imported=imported,
        message=None,
        roster_sizes=sizes,
    )


@router.get("/units", response_class=HTMLResponse)
async def units_page(viewer: ViewerDep, imported: int | None = None) -> Response:
    return await _units_page(viewer, imported=imported)


@router.post("/units", dependencies=[CsrfDep])
async def save_unit(
    *,
    viewer: ViewerDep,
    code: Annotated[str, Form(max_length=64)] = "",
    name_zh: Annotated[str, Form(max_length=120)] = "",
    name_en: Annotated[str, Form(max_length=160)] = "",
    parent_code: Annotated[str, Form(max_length=64)] = "",
    headcount: Annotated[str, Form()] = "0",
    has_canteen: Annotated[str, Form()] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    try:
        await catalog.upsert_unit(
            viewer.state.core,
            actor_id=organizer.id,
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            parent_code=parent_code.strip() or None,
            headcount=parse_int(headcount) or 0,
            has_canteen=bool(has_canteen),
            now=viewer.now,
        )
    except Refused as exc:
        return await _units_page(viewer, exc=exc)
    return RedirectResponse("/console/units", status_code=303)


@router.post("/units/import", dependencies=[CsrfDep])
async def import_units(viewer: ViewerDep, file: Annotated[UploadFile, File()]) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    raw = await file.read(MAX_CSV_BYTES + 1)
    try:
        if len(raw) > MAX_CSV_BYTES:
            raise Refused(Reason.INVALID_INPUT)
        text = decode_csv(raw)
        count = await catalog.import_units_csv(
            viewer.state.core, actor_id=organizer.id, text=text, now=viewer.now
        )
    except Refused as exc:
        return await _units_page(viewer, exc=exc)
    return RedirectResponse(f"/console/units?imported={count}", status_code=303)


def decode_csv(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 as Excel in China saves CSV."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise Refused(Reason.INVALID_INPUT) from exc


def units_template_csv() -> str:
    return (
        "\ufeffcode,name_zh,name_en,parent_code,headcount,has_canteen\n"
        "edu,县教育局,County Education Bureau,,40,yes\n"
        "edu-s1,县第一中学,No. 1 Middle School,edu,120,yes\n"
    )


@router.get("/units/template.csv")
async def units_template(viewer: ViewerDep) -> Response:
    return Response(
        units_template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="units.csv"'},
    )


# people --------------------------------------------------------------------------------


async def _people_page(
    viewer: Viewer, q: str, role: str, unit_id: int | None, exc: Exception | None = None
) -> Response:
    core = viewer.state.core
    found = await planning.list_people(
        core,
        query=q,
        role=Role(role) if role in Role.__members__.values() else None,
        unit_id=unit_id,
        limit=200,
    )
    units = catalog.tree_order(await catalog.list_units(core))
    context: dict[str, Any] = {
        "found": found,
        "q": q,
        "role": role,
        "unit_id": unit_id,
        "units": units,
        "roles": list(Role),
    }
    if exc is not None:
        return _error(viewer, exc, "console/people.html", **context)
    return render(viewer, "console/people.html", message=None, **context)


@router.get("/people", response_class=HTMLResponse)
async def people_page(
    viewer: ViewerDep, q: str = "", role: str = "", unit_id: str = ""
) -> Response:
    return await _people_page(viewer, q.strip()[:80], role, parse_int(unit_id))


@router.post("/people/{person_id}/role", dependencies=[CsrfDep])
async def set_role(
    person_id: int,
    viewer: ViewerDep,
    role: Annotated[str, Form()] = "participant",
    back: Annotated[str, Form()] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    try:
        await people.set_role(
            viewer.state.core,
            actor_id=organizer.id,
            person_id=person_id,
            role=Role(role),
            now=viewer.now,
        )
    except (Refused, ValueError) as exc:
        error = exc if isinstance(exc, Refused) else Refused(Reason.INVALID_INPUT)
        return await _people_page(viewer, "", "", None, exc=error)
    target = back if back.startswith("/console/") else "/console/people"
    return RedirectResponse(target, status_code=303)


@router.post("/people", dependencies=[CsrfDep])
async def create_account(
    *,
    viewer: ViewerDep,
    name: Annotated[str, Form(max_length=80)] = "",
    login: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form()] = "volunteer",
    unit_id: Annotated[str, Form()] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    try:
        await planning.create_account(
            viewer.state.core,
            actor_id=organizer.id,
            login=login.strip(),
            password=password,
            name=name,
            role=Role(role),
            unit_id=parse_int(unit_id),
            now=viewer.now,
        )
    except (Refused, ValueError) as exc:
        error = exc if isinstance(exc, Refused) else Refused(Reason.INVALID_INPUT)
        return await _people_page(viewer, "", "", None, exc=error)
    return RedirectResponse(f"/console/people?q={login.strip()}", status_code=303)
