"""Words for results: what the core returned, in the person's language. No rules here.

Dates and times are written as each language writes them (Babel, from the CLDR: 10:00 and
7月12日 in Chinese, 10:00 AM and Jul 12 in English); counts take their plural (ngettext:
"1 person-time", "2 person-times"; Chinese has one form)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.dates import format_skeleton, format_time, get_datetime_format

from campaigns import labels
from campaigns.actions import CanteenCheckView
from campaigns.errors import Refused
from campaigns.messages import message_for
from campaigns.reasons import Reason
from campaigns.results import (
    Balance,
    FactKind,
    FactView,
    Progress,
    Recorded,
    TripAdvice,
)

BAR_WIDTH = 10


def number(value: float) -> str:
    """3.0 → "3", 2.5 → "2.5"."""
    return f"{value:g}"


def locale() -> str:
    """The language being spoken (a Babel locale: "zh", "en")."""
    return get_i18n().current_locale


def day(value: date, *, year: bool = False) -> str:
    """ "7月12日" / "Jul 12" (with the year: "2023年7月12日" / "Jul 12, 2023")."""
    return format_skeleton("yMMMd" if year else "MMMd", value, locale=locale())


def local_time(moment: datetime, tz: tzinfo, *, now: datetime | None = None) -> str:
    """The time alone when it is today (local): "09:12" / "9:12 AM"; else the date too,
    its year when another: "7月11日 09:12" / "Jul 11, 9:12 AM"."""
    here = moment.astimezone(tz)
    clock = format_time(here, "short", locale=locale())
    today = now.astimezone(tz).date() if now is not None else None
    if today == here.date():
        return clock
    when = day(here.date(), year=today is None or today.year != here.year)
    pattern = str(get_datetime_format("medium", locale=locale()))
    return pattern.replace("{1}", when).replace("{0}", clock)


def count_n(value: float) -> int:
    """The n a plural form is chosen by: 1 for exactly one, else a whole number (1.5 hours
    take the plural, as English says them)."""
    return 1 if value == 1 else max(2, int(value))


def co2(grams: int) -> str:
    if abs(grams) < 1000:
        return _("{value} g").format(value=grams)
    return _("{value} kg").format(value=f"{grams / 1000:.1f}")


def bar(percent: float) -> str:
    filled = max(0, min(BAR_WIDTH, round(percent / 100 * BAR_WIDTH)))
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


def progress_line(progress: Progress) -> str:
    return ngettext(
        "{year} goal: {bar} {done}/{goal} person-time ({percent}%)",
        "{year} goal: {bar} {done}/{goal} person-times ({percent}%)",
        progress.goal,
    ).format(
        year=progress.year,
        bar=bar(progress.percent),
        done=progress.totals.toward_goal,
        goal=progress.goal,
        percent=f"{progress.percent:.1f}",
    )


def refusal(exc: Refused, *, tz: tzinfo, now: datetime) -> str:
    """The one place a refusal becomes words (times shown in local time)."""
    detail: dict[str, Any] = {
        key: local_time(value, tz, now=now) if isinstance(value, datetime) else value
        for key, value in exc.detail.items()
    }
    text = message_for(exc.reason, detail, _, tz)
    if exc.reason is Reason.ALREADY_CHECKED_IN:
        return "✅ " + text  # a friendly answer: the person is in, nothing went wrong
    return text


def mode_name(mode: str) -> str:
    name = labels.MODE_NAMES.get(mode)
    return _(name) if name else mode


def meal_name(meal: str) -> str:
    label = labels.MEAL_LABELS.get(meal)
    return _(label) if label else meal


def advice(tip: TripAdvice | None) -> str:
    if tip is None:
        return ""
    if tip.fits:
        return _("👍 That fits the “135” advice for {mode} (up to {band} km).").format(
            mode=mode_name(tip.mode), band=number(tip.band_km)
        )
    if tip.suggested_mode:
        return _("💡 “135” tip: for {km} km, {mode} is the greener choice.").format(
            km=number(tip.km), mode=mode_name(tip.suggested_mode)
        )
    return ""


def earned(fact: FactView, *, capped: bool) -> str:
    line = _("+{points} points · {co2} CO₂ avoided").format(points=fact.points, co2=co2(fact.co2_g))
    if capped:
        line += "\n" + _("Today's cap is reached: this entry earns no more points.")
    return line


def recorded(rec: Recorded, *, lang: str, progress: Progress | None = None) -> str:
    """The answer to a successful action."""
    fact = rec.fact
    lines: list[str]
    if fact.kind is FactKind.CHECKIN:
        title = rec.event.title(lang) if rec.event else rec.campaign.title(lang)
        lines = [_("✅ Checked in: {event}").format(event=title)]
    elif fact.kind is FactKind.TRIP:
        lines = [
            _("🚲 Green trip logged: {km} km by {mode}.").format(
                km=number(fact.quantity), mode=mode_name(fact.mode or "")
            )
        ]
    elif fact.kind is FactKind.PLATE:
        lines = [_("🍽 Clean plate logged: {meal}.").format(meal=meal_name(fact.mode or ""))]
    elif fact.kind is FactKind.SERVICE:
        lines = [
            ngettext(
                "⏱ Logged {hours} hour of volunteer service.",
                "⏱ Logged {hours} hours of volunteer service.",
                count_n(fact.quantity),
            ).format(hours=number(fact.quantity))
        ]
    elif fact.kind is FactKind.HEADCOUNT:
        title = rec.event.title(lang) if rec.event else rec.campaign.title(lang)
        heads = fact.headcount or int(fact.quantity)
        lines = [
            ngettext(
                "👥 Headcount logged: {heads} person at {event}.",
                "👥 Headcount logged: {heads} people at {event}.",
                heads,
            ).format(heads=heads, event=title)
        ]
    else:
        lines = [_("Recorded.")]
    # `rec.repeated` (the same idempotency key again) is said nowhere here: the bot's keys
    # are made from the update, so a repeat is this same update run again after a failure
    # or a crash, whose first answer never reached the person. They hear it as it was.
    if fact.status == "pending":  # counts, and earns, once an organizer approves it
        lines.append(
            "⏳ "
            + _(
                "Sent for approval: an organizer checks it, and then it counts toward the "
                "goal and earns its points."
            )
        )
    else:
        lines.append(earned(fact, capped=rec.points_capped))
    tip = advice(rec.advice)
    if tip:
        lines.append(tip)
    if progress is not None:
        lines.append(progress_line(progress))
    return "\n".join(lines)


def canteen_check(check: CanteenCheckView, *, unit: str) -> str:
    """The answer to a logged canteen self-evaluation or spot check."""
    verdict = _("passed") if check.passed else _("not passed")
    if check.kind == "self":
        head = _("🍽 Self-evaluation recorded: {unit}, {verdict}.")
    else:
        head = _("🍽 Spot check recorded: {unit}, {verdict}. Thank you!")
    lines = [head.format(unit=unit, verdict=verdict)]
    if not check.repeated:  # a repeat is this same update again (above); its points went then
        lines.append(_("+{points} points").format(points=check.points))
    return "\n".join(lines)


def balance(total: Balance) -> str:
    return _("Points: {points}\nCO₂ avoided: {co2}\nEntries: {facts}").format(
        points=total.points, co2=co2(total.co2_g), facts=total.facts
    )


KIND_ICONS = {
    FactKind.CHECKIN: "✅",
    FactKind.TRIP: "🚲",
    FactKind.PLATE: "🍽",
    FactKind.SERVICE: "⏱",
    FactKind.HEADCOUNT: "👥",
    FactKind.SORTING: "♻",
}


def history_line(fact: FactView) -> str:
    icon = KIND_ICONS.get(fact.kind, "•")
    what = {
        FactKind.CHECKIN: lambda: _("check-in"),
        FactKind.TRIP: lambda: _("{km} km by {mode}").format(
            km=number(fact.quantity), mode=mode_name(fact.mode or "")
        ),
        FactKind.PLATE: lambda: _("clean plate, {meal}").format(meal=meal_name(fact.mode or "")),
        FactKind.SERVICE: lambda: _("{hours} h of service").format(hours=number(fact.quantity)),
        FactKind.HEADCOUNT: lambda: _("headcount {heads}").format(heads=fact.headcount),
        FactKind.SORTING: lambda: _("garbage sorting"),
    }.get(fact.kind, lambda: str(fact.kind))()
    if fact.status == "pending":
        return f"{day(fact.occurred_on)} {icon} {what} ⏳ " + _("waiting for approval")
    void = " " + _("(void)") if fact.void_reason else ""
    return f"{day(fact.occurred_on)} {icon} {what} +{fact.points}{void}"
