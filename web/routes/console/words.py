"""How the console writes values: dates the way each language writes them, grouped numbers,
ratios with one decimal, the counting words with their gettext contexts, and the label
tables of `campaigns.labels` translated. Handed to every console template as `w`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from fastapi.responses import HTMLResponse

from campaigns import labels
from web.deps import Viewer
from web.i18n import Lang, translations

COUNT_CONTEXT = labels.COUNT_CONTEXT
_DAY = {"zh": "M月d日（EEE）", "en": "EEE d MMM"}
_DAY_YEAR = {"zh": "y年M月d日（EEE）", "en": "EEE d MMM y"}


@dataclass(frozen=True)
class Words:
    lang: Lang
    this_year: int

    def _(self, message: str) -> str:
        return self.lang.gettext(message)

    def p(self, context: str, message: str) -> str:
        """pgettext: a word whose Chinese depends on what it names."""
        return str(translations(self.lang.code).pgettext(context, message))

    def count(self, figure: str) -> str:
        """The label of a figure: person_times, people, headcount, staff or persons."""
        return self.p(*COUNT_CONTEXT[figure])

    # values ---------------------------------------------------------------------------

    def day(self, value: date | None) -> str:
        if value is None:
            return ""
        pattern = (_DAY if value.year == self.this_year else _DAY_YEAR)[self.lang.code]
        return format_date(value, pattern, locale=self.lang.locale)

    def when(self, value: datetime | None) -> str:
        """A moment, in local time: 12月2日（周三）14:05 / Wed 2 Dec, 14:05."""
        if value is None:
            return ""
        local = value.astimezone(self.lang.tz)
        pattern = (_DAY if local.year == self.this_year else _DAY_YEAR)[self.lang.code]
        sep = " " if self.lang.code == "zh" else ", "
        return format_datetime(value, pattern, tzinfo=self.lang.tz, locale=self.lang.locale) + (
            sep + self.clock(value)
        )

    def clock(self, value: datetime) -> str:
        return format_time(value, "HH:mm", tzinfo=self.lang.tz, locale=self.lang.locale)

    def n(self, value: float | int | None) -> str:
        """A whole number, grouped: 12,345."""
        return self.lang.number(value or 0, 0)

    def up(self, value: float | None) -> str:
        """A number rounded up: a 'needed per day' of 68.2 asks for 69."""
        return self.n(math.ceil(value or 0))

    def pct(self, ratio: float | None) -> str:
        """A ratio (0–1) as a percentage with one decimal: 12.5%, 0.0%."""
        return self.one(100 * (ratio or 0)) + "%"

    def one(self, value: float | None) -> str:
        """One decimal, always shown: 2.0, 1,234.5."""
        return format_decimal(value or 0, format="#,##0.0", locale=self.lang.locale)

    def kg(self, grams: int | float | None) -> str:
        """CO2 in kilograms with one decimal, grouped."""
        return self.one((grams or 0) / 1000)

    # labels ---------------------------------------------------------------------------

    def label(self, table: Mapping[str, str], key: Any) -> str:
        """A value through its label table; an unknown value is named as such, never raw."""
        raw = getattr(key, "value", key)
        if raw in table:
            return self._(table[raw])
        return self._("(unknown: {value})").format(value=raw)

    def kind(self, key: Any) -> str:
        return self.label(labels.KIND_LABELS, key)

    def channel(self, key: Any) -> str:
        return self.label(labels.CHANNEL_LABELS, key)

    def status(self, key: Any) -> str:
        return self.label(labels.STATUS_LABELS, key)

    def role(self, key: Any) -> str:
        return self.label(labels.ROLE_LABELS, key)

    def rule(self, key: Any) -> str:
        return self.label(labels.RULE_LABELS, key)

    def mode(self, key: Any) -> str:
        table = {**labels.MODE_LABELS, **labels.MEAL_LABELS}
        return self.label(table, key)

    def scope(self, key: Any) -> str:
        return self.label(labels.TOKEN_SCOPE_LABELS, key)

    def void_reason(self, text: str | None) -> str:
        if not text:
            return ""
        if text in labels.SYSTEM_VOID_REASONS:
            return self._(labels.SYSTEM_VOID_REASONS[text])
        return text


def words_for(viewer: Viewer) -> Words:
    return Words(viewer.lang, viewer.state.core.today(viewer.now).year)


def render(
    viewer: Viewer, template: str, /, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A console page: the viewer's render with `w` (values and labels) and `pgettext`."""
    w = words_for(viewer)
    return viewer.render(template, status_code=status_code, w=w, pgettext=w.p, **context)
