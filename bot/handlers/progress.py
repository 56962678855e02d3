"""/progress (the year's goal and each campaign) and /top (units by share taking part)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import render, texts
from bot.filters import MenuText
from bot.handlers.common import clear_flow, lang
from bot.photos import EvidenceFolder
from campaigns import totals
from campaigns.core import Core

router = Router(name=__name__)

TOP_UNITS = 10


@router.message(Command("progress"))
@router.message(MenuText(texts.MENU_PROGRESS))
async def progress(
    message: Message,
    core: Core,
    clock: Callable[[], datetime],
    state: FSMContext,
    photos: EvidenceFolder,
) -> None:
    await clear_flow(state, photos)  # a menu entry leaves whatever flow was open
    year = core.today(clock()).year
    overview = await totals.overview(core, year=year)
    lines = [
        render.progress_line(overview.progress),
        ngettext(
            "{people} person took part · {co2} CO₂ avoided",
            "{people} people took part · {co2} CO₂ avoided",
            overview.progress.totals.people,
        ).format(
            people=overview.progress.totals.people, co2=render.co2(overview.progress.totals.co2_g)
        ),
    ]
    shown = [c for c in overview.campaigns if c.totals.toward_goal or c.campaign.counts_toward_goal]
    if shown:
        lines.append("")
        lines.append(_("By campaign:"))
    for item in shown:
        lines.append(
            ngettext(
                "• {campaign}: {count} person-time",
                "• {campaign}: {count} person-times",
                item.totals.toward_goal,
            ).format(campaign=item.campaign.title(lang()), count=item.totals.toward_goal)
        )
    await message.answer("\n".join(lines))


@router.message(Command("top"))
async def top(message: Message, core: Core, clock: Callable[[], datetime]) -> None:
    year = core.today(clock()).year
    units = await totals.unit_ranking(core, year=year, limit=TOP_UNITS)
    if not units:
        await message.answer(_("No unit has a headcount on record yet."))
        return
    lines = [_("🏆 Units by share of staff taking part ({year}):").format(year=year)]
    for rank, item in enumerate(units, start=1):
        lines.append(
            _("{rank}. {unit}: {percent}% ({people} of {headcount})").format(
                rank=rank,
                unit=item.unit.name(lang()),
                percent=f"{item.share * 100:.0f}",
                people=item.rolled.people,
                headcount=item.rolled_headcount,
            )
        )
    await message.answer("\n".join(lines))
