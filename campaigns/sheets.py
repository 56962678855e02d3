"""The export's sheets in the organizer's language: the records, an event's attendees, and
the totals by campaign, by unit (rolled up the tree, with participation rates) and by
month, plus the about sheet that states the period and the counting rule in words.

Pure: handed the reader's gettext/pgettext and the rows; campaigns.exports writes files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from campaigns import labels
from campaigns.exports import Column, Gettext, Pgettext, Table, local
from campaigns.labels import N_
from campaigns.records import RecordLine
from campaigns.reports import RangeTotals, TotalsRow
from campaigns.results import Totals, pick

TIME = "yyyy-mm-dd hh:mm"
DAY = "yyyy-mm-dd"
INT = "#,##0"
KG = "#,##0.0"
RATE = "0.0%"
COUNTING_RULE = N_(
    "Person-times count identified participations: an event check-in counts once per person "
    "per event; a habit campaign (green trips, clean plates) at most once per person per "
    "day; volunteer service once per volunteer per day. Booth headcounts are heads counted "
    "by a volunteer at a booth: kept apart, and added to the goal. People are distinct "
    "persons. Voided records are listed and count 0."
)


@dataclass(frozen=True)
class Speech:
    """The reader's words: gettext, pgettext and the label tables through them."""

    gettext: Gettext
    pgettext: Pgettext
    lang: str

    def _(self, message: str) -> str:
        return self.gettext(message)

    def count(self, figure: str) -> str:
        return self.pgettext(*labels.COUNT_CONTEXT[figure])

    def label(self, table: Mapping[str, str], key: Any) -> str:
        raw = getattr(key, "value", key)
        return self.gettext(table[raw]) if raw in table else str(raw or "")

    def void_reason(self, text: str | None) -> str:
        if text and text in labels.SYSTEM_VOID_REASONS:
            return self.gettext(labels.SYSTEM_VOID_REASONS[text])
        return text or ""


def _kg(grams: int) -> float:
    return round(grams / 1000, 1)


def records_table(lines: Sequence[RecordLine], s: Speech, tz: tzinfo) -> Table:
    """Every record with what an auditor reads beside it (voided ones count 0)."""
    _ = s._
    columns = [
        Column(_("Record"), 9, "0"),
        Column(_("Date"), 11, DAY),
        Column(_("Recorded at"), 17, TIME),
        Column(_("What"), 14),
        Column(_("Status"), 11),
        Column(_("Campaign"), 24),
        Column(_("Counting rule"), 26),
        Column(_("Event"), 24),
        Column(_("Name"), 14),
        Column(_("Unit code"), 10),
        Column(_("Unit"), 22),
        Column(_("Mode or meal"), 11),
        Column(_("Quantity"), 9),
        Column(s.count("person_times"), 9, INT),
        Column(s.count("headcount"), 9, INT),
        Column(_("CO₂ avoided (kg)"), 11, KG),
        Column(_("Points"), 8, INT),
        Column(_("Channel"), 12),
        Column(_("Logged by"), 14),
        Column(_("Photo"), 10),
        Column(_("Void reason"), 24),
    ]
    modes = {**labels.MODE_LABELS, **labels.MEAL_LABELS}
    rows = []
    for line in lines:
        f = line.fact
        counted = f.status == "counted"
        rows.append(
            [
                f.id,
                f.occurred_on,
                local(f.created_at, tz),
                s.label(labels.KIND_LABELS, f.kind),
                s.label(labels.STATUS_LABELS, f.status),
                line.campaign(s.lang),
                s.label(labels.RULE_LABELS, line.counting_rule),
                line.event(s.lang),
                line.person_name,
                line.unit_code,
                line.unit(s.lang),
                s.label(modes, f.mode) if f.mode else "",
                f.quantity or None,
                f.counted if counted else 0,
                f.headcount if counted else 0,
                _kg(f.co2_g),
                f.points,
                s.label(labels.CHANNEL_LABELS, f.channel),
                line.logger_name,
                s.label(labels.EVIDENCE_LABELS, line.evidence_status or "pending")
                if f.evidence_path
                else "",
                s.void_reason(f.void_reason),
            ]
        )
    return Table(_("Records"), columns, rows)


def attendees_table(lines: Sequence[RecordLine], s: Speech, tz: tzinfo) -> Table:
    """An event's check-ins: who, from which unit, when, how, scanned by whom."""
    _ = s._
    columns = [
        Column(_("Name"), 16),
        Column(_("Unit"), 26),
        Column(_("Checked in at"), 17, TIME),
        Column(_("Channel"), 13),
        Column(_("Scanned by"), 16),
        Column(_("Status"), 11),
        Column(_("Record"), 9, "0"),
    ]
    rows = [
        [
            line.person_name,
            line.unit(s.lang),
            local(line.fact.created_at, tz),
            s.label(labels.CHANNEL_LABELS, line.fact.channel),
            line.logger_name,
            s.label(labels.STATUS_LABELS, line.fact.status),
            line.fact.id,
        ]
        for line in lines
    ]
    return Table(_("Attendees"), columns, rows)


def _figures(s: Speech) -> list[Column]:
    return [
        Column(s.count("person_times"), 10, INT),
        Column(s.count("headcount"), 10, INT),
        Column(s.count("people"), 10, INT),
        Column(s._("Records"), 9, INT),
        Column(s._("CO₂ avoided (kg)"), 12, KG),
        Column(s._("Points"), 9, INT),
    ]


def _values(t: Totals) -> list[Any]:
    return [t.person_times, t.headcount, t.people, t.facts, _kg(t.co2_g), t.points]


def campaign_table(report: RangeTotals, s: Speech) -> Table:
    _ = s._
    columns = [Column(_("Campaign"), 30), Column(_("Counting rule"), 34), *_figures(s)]
    rows = [
        [row.label(s.lang), s.label(labels.RULE_LABELS, row.counting_rule), *_values(row.totals)]
        for row in report.by["campaign"]
    ]
    return Table(_("By campaign"), columns, rows, _total(report.by["campaign"], s, 2))


def month_table(report: RangeTotals, s: Speech) -> Table:
    _ = s._
    columns = [Column(_("Month"), 10), *_figures(s)]
    rows = [[row.key, *_values(row.totals)] for row in report.by["month"]]
    return Table(_("By month"), columns, rows, _total(report.by["month"], s, 1))


def _total(rows: Sequence[TotalsRow], s: Speech, lead: int) -> list[Any]:
    sums = Totals(*(sum(getattr(r.totals, f) for r in rows) for f in Totals.__dataclass_fields__))
    values = _values(sums)
    values[2] = None  # distinct people do not add up across groups
    return [s._("Total"), *([""] * (lead - 1)), *values]


def unit_table(report: RangeTotals, s: Speech) -> Table:
    """Each unit including the units under it, with its share of staff taking part."""
    _ = s._
    columns = [
        Column(_("Unit"), 30),
        Column(_("Unit code"), 10),
        Column(s.count("staff"), 10, INT),
        Column(s.count("people"), 10, INT),
        Column(_("Participation rate"), 12, RATE),
        Column(s.count("person_times"), 10, INT),
        Column(_("Person-times of the unit itself"), 12, INT),
        Column(_("CO₂ avoided (kg)"), 12, KG),
    ]
    rolled = report.rolled_units()
    rows = [
        [
            u.unit.name(s.lang),
            u.unit.code,
            u.rolled_headcount,
            u.rolled.people,
            round(u.share, 4) if u.rolled_headcount else None,
            u.rolled.person_times,
            u.own.person_times,
            _kg(u.rolled.co2_g),
        ]
        for u in rolled
    ]
    return Table(_("By unit"), columns, rows, indent=[min(u.depth, 6) for u in rolled])


def about(
    report: RangeTotals, s: Speech, *, generated: datetime, tz: tzinfo, scope: str
) -> list[tuple[str, str]]:
    _ = s._
    local_now = local(generated, tz)
    return [
        (_("GreenTally export"), _("Green and low-carbon campaigns: participation records")),
        (_("Period"), f"{report.start.isoformat()} – {report.end.isoformat()}"),
        (_("Units"), scope),
        (_("Made at"), local_now.strftime("%Y-%m-%d %H:%M") if local_now else ""),
        (_("Times"), _("China Standard Time (UTC+8)")),
        (_("Counting rule"), _(COUNTING_RULE)),
        (
            _("By unit"),
            _(
                "A unit's figures include the units under it. Participation rate = people "
                "taking part / staff headcount."
            ),
        ),
    ]


def scope_words(report: RangeTotals, s: Speech, chosen: Sequence[int]) -> str:
    if not chosen:
        return s._("All units")
    names = {u.id: pick(s.lang, u.name_zh, u.name_en) for u in report.units}
    return (
        "、".join(names.get(i, str(i)) for i in chosen) + " " + s._("(with the units under them)")
    )
