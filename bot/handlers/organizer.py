"""/stats for organizers, /login: a one-time web sign-in link for volunteers and organizers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import render
from bot.handlers.common import require_person
from bot.photos import EvidenceFolder
from campaigns import links, people, totals
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import PersonView, Role
from campaigns.settings import Settings

router = Router(name=__name__)

LOGIN_TTL_SECONDS = 900
RECENT_DAYS = 7


def login_url(settings: Settings, token: str) -> str:
    """The web's one-time sign-in address."""
    return links.signin_link_url(settings.public_url, token)


@router.message(Command("login"))
async def login(
    message: Message,
    *,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    settings: Settings,
    clock: Callable[[], datetime],
    photos: EvidenceFolder,
) -> None:
    if await require_person(message, person, state, photos) is None:
        return
    assert person is not None
    try:
        token = await people.issue_login_token(
            core, person_id=person.id, now=clock(), ttl_seconds=LOGIN_TTL_SECONDS
        )
    except Refused as exc:
        if exc.reason is not Reason.NOT_ALLOWED:
            raise
        await message.answer(  # the core's refusal, in words that say what to do instead
            _("The web sign-in is for volunteers and organizers. Everything else works right here.")
        )
        return
    await message.answer(
        ngettext(
            "🔑 Your one-time sign-in link (valid for {minutes} minute, works once):\n{url}\n"
            "Do not forward it: whoever opens it is signed in as you.",
            "🔑 Your one-time sign-in link (valid for {minutes} minutes, works once):\n{url}\n"
            "Do not forward it: whoever opens it is signed in as you.",
            LOGIN_TTL_SECONDS // 60,
        ).format(minutes=LOGIN_TTL_SECONDS // 60, url=login_url(settings, token)),
        link_preview_options={"is_disabled": True},  # type: ignore[arg-type]
    )


@router.message(Command("stats"))
async def stats(
    message: Message,
    *,
    person: PersonView | None,
    state: FSMContext,
    core: Core,
    clock: Callable[[], datetime],
    photos: EvidenceFolder,
) -> None:
    if await require_person(message, person, state, photos) is None:
        return
    assert person is not None
    if not person.can(Role.ORGANIZER):
        await message.answer(_("Statistics are for organizers. Try /progress for the year's goal."))
        return
    now = clock()
    today = core.today(now)
    overview = await totals.overview(core, year=today.year)
    days = await totals.by_day(core, year=today.year)
    t = overview.progress.totals
    lines = [
        render.progress_line(overview.progress),
        _("Person-times {times} · headcounts {heads} · people {people}").format(
            times=t.person_times, heads=t.headcount, people=t.people
        ),
        _("CO₂ avoided {co2} · points issued {points}").format(
            co2=render.co2(t.co2_g), points=t.points
        ),
        _("Canteens {canteens}: self-evaluated {self_rate}%, spot-checked {spot_rate}%").format(
            canteens=overview.canteens.canteens,
            self_rate=f"{overview.canteens.self_rate * 100:.0f}",
            spot_rate=f"{overview.canteens.spot_rate * 100:.0f}",
        ),
    ]
    if overview.reconciled_at is not None:
        verdict = (
            _("totals match the facts") if overview.reconciled_ok else _("MISMATCH — run reconcile")
        )
        lines.append(
            _("Last reconcile {at}: {verdict}").format(
                at=render.local_time(overview.reconciled_at, core.tz, now=now), verdict=verdict
            )
        )
    since = today - timedelta(days=RECENT_DAYS - 1)
    recent = [d for d in days if d.day >= since]
    if recent:
        lines.append("")
        lines.append(
            ngettext("Last {days} day:", "Last {days} days:", RECENT_DAYS).format(days=RECENT_DAYS)
        )
        lines.extend(f"{render.day(d.day)}  {d.totals.toward_goal}" for d in recent)
    await message.answer("\n".join(lines))
