"""Languages for the web: the shared gettext catalogs in locales/, and how a request picks one."""

from __future__ import annotations

import datetime as _dt
import gettext as _gettext
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_interval, format_skeleton
from babel.numbers import format_decimal
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
# What each language calls itself, shown in the switch (never translated).
ENDONYMS = {"zh": "中文", "en": "English"}
_BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en_GB"}


@lru_cache(maxsize=8)
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog for a language (a null catalog when it is missing)."""
    return Translations.load(str(LOCALES_DIR), [lang], "messages")


def negotiate(accept_language: str | None) -> str | None:
    """The best of our languages for an Accept-Language header, honouring q-values."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else None


def pick_language(*candidates: str | None) -> str:
    """The first candidate that is one of our languages, else the default."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Lang:
    """One language's words and formats, handed to templates as `lang`."""

    code: str
    tz: tzinfo

    @property
    def _t(self) -> _gettext.NullTranslations:
        return translations(self.code)

    @property
    def locale(self) -> Locale:
        return Locale.parse(_BABEL_LOCALES[self.code])

    @property
    def html_lang(self) -> str:
        return "zh-Hans" if self.code == "zh" else "en"

    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def datetime(self, value: datetime) -> str:
        """A moment in the language's own style: "2026年12月2日 05:00", "2 Dec 2026, 05:00"."""
        return self._join(self.date(value), self.time(value))

    def time(self, value: _dt.datetime) -> str:
        return format_skeleton("Hm", value, tzinfo=self.tz, locale=self.locale)

    def date(self, value: date | _dt.datetime) -> str:
        """A day: "2026年12月2日", "2 Dec 2026" (a datetime is read in the local zone)."""
        day = value.astimezone(self.tz).date() if isinstance(value, _dt.datetime) else value
        return format_skeleton("yMMMd", day, locale=self.locale)

    def span(self, start: _dt.datetime, end: _dt.datetime) -> str:
        """An event's time: "2026年12月2日 05:00–13:00"; across days, both moments."""
        if start.astimezone(self.tz).date() == end.astimezone(self.tz).date():
            hours = format_interval(start, end, "Hm", tzinfo=self.tz, locale=self.locale)
            return self._join(self.date(start), hours)
        return f"{self.datetime(start)} – {self.datetime(end)}"

    def _join(self, day: str, time: str) -> str:
        pattern = str(self.locale.datetime_formats["medium"])
        return pattern.replace("{1}", day).replace("{0}", time)

    def number(self, value: float, digits: int = 1) -> str:
        pattern = "#,##0" + ("." + "#" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def kg(self, grams: int | float) -> str:
        return self.number(grams / 1000, 2)

    def kg_text(self, grams: int | float) -> str:
        """ "0.16 千克" / "0.16 kg", its number and unit held together (no-break space)."""
        return nobreak(self.gettext("{kg} kg").format(kg=self.kg(grams)))

    def nb(self, text: str) -> str:
        """A short phrase kept on one line ("1 / 2000 人次"): spaces made no-break."""
        return nobreak(text)

    def count(self, singular: str, plural: str, n: int, **values: object) -> str:
        """A counted phrase through ngettext ("1 person", "2 people"), number and unit
        held together."""
        text = self.ngettext(singular, plural, n).format(n=self.number(n, 0), **values)
        return nobreak(text)


def nobreak(text: str) -> str:
    """Spaces as no-break spaces: a number never parts from its unit at a line end."""
    return text.replace(" ", "\u00a0")
