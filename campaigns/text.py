"""Text hygiene, for every door: what a stored or shown string may hold.

Refused everywhere (Reason.HIDDEN_CHARACTERS): NUL and the other control characters but
tab and line breaks (PostgreSQL cannot store NUL; the rest garble exports and logs),
bidirectional overrides and isolates (they make a name read backwards, "Trojan Source"),
lone surrogates (no encoding can store them), and a value with nothing visible in it
(zero-width spaces alone look empty but are not). Zero-width joiners stay allowed inside
text that has visible characters: emoji sequences and some scripts need them.

Names are held to more (`clean_name`): at least one visible letter, digit or symbol.
Search queries only read, so there the same characters are dropped instead (`clean_query`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from campaigns.errors import Refused
from campaigns.reasons import Reason

# C0 (but tab, LF, CR) and C1 controls, DEL; bidi embeddings, overrides, isolates and marks;
# surrogates (only reachable through a JSON "\ud800" escape).
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Characters that take no room on screen: whitespace, zero-width marks, fillers and blanks
# (Hangul fillers and the blank Braille pattern render as nothing in most fonts).
_INVISIBLE = (
    "\\s\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200d\u2060-\u2064\u3164"
    "\u2800\ufeff\uffa0"
)
_VISIBLE = re.compile(f"[^{_INVISIBLE}]")
_STRIP = re.compile(f"{_FORBIDDEN.pattern}|[{_INVISIBLE.replace(chr(92) + 's', '')}]")


def problem(value: str) -> bool:
    """True when `value` holds a refused character or is non-empty yet shows nothing."""
    return bool(_FORBIDDEN.search(value)) or (bool(value) and not _VISIBLE.search(value))


def check(value: str, *, field: str = "") -> str:
    """`value` unchanged. Refuses HIDDEN_CHARACTERS (naming `field`, a msgid or '')."""
    if problem(value):
        raise Refused(Reason.HIDDEN_CHARACTERS, field=field)
    return value


def first_problem(fields: Iterable[tuple[str, str]]) -> str | None:
    """The name of the first (name, value) pair whose value `problem` refuses, else None."""
    for name, value in fields:
        if problem(value):
            return name
    return None


def _visible_char(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] not in "ZCM" and not _STRIP.match(ch)


def clean_name(value: str | None, *, max_length: int) -> str:
    """A display name, its whitespace collapsed. Refuses HIDDEN_CHARACTERS (controls, bidi
    overrides), NAME_REQUIRED (nothing visible: empty, spaces, zero-width characters or
    combining marks alone) and NAME_TOO_LONG."""
    text = value or ""
    if _FORBIDDEN.search(text):
        raise Refused(Reason.HIDDEN_CHARACTERS, field="")
    text = " ".join(text.split())
    if not any(_visible_char(ch) for ch in text):
        raise Refused(Reason.NAME_REQUIRED)
    if len(text) > max_length:
        raise Refused(Reason.NAME_TOO_LONG, max_length=max_length)
    return text


def clean_query(value: str | None) -> str:
    """A search query with controls and invisible characters dropped, trimmed."""
    return _STRIP.sub("", value or "").strip()
