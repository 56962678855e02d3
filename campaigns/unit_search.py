"""Finding one's unit as people type it: Chinese characters, pinyin ("jiaoyu", "jiao yu ju")
or its initials ("jyj"), the English name, or the unit's code. Pure matching over the
catalog's units; the best matches first (a whole name, then a start, then anywhere)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from campaigns import catalog
from campaigns.core import Core
from campaigns.results import UnitView

_NOT_WORD = re.compile(r"[\s·・.,，。()（）【】\[\]'’\-_/]+")


def fold(text: str) -> str:
    """Lower case, full-width folded to ASCII (ＪＹＪ → jyj), no spaces or punctuation."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "").casefold())


@lru_cache(maxsize=8192)
def spellings(name_zh: str) -> tuple[str, str]:
    """A Chinese name's pinyin without tones, and its initials ("jiaoyuju", "jyj"); letters
    and digits in the name stay as they are."""
    syllables = [fold(s) for s in lazy_pinyin(name_zh, errors="default")]
    initials = [fold(s) for s in lazy_pinyin(name_zh, style=Style.FIRST_LETTER)]
    return "".join(syllables), "".join(initials)


@dataclass(frozen=True)
class Haystack:
    """What a unit can be found by, folded once."""

    unit: UnitView
    names: tuple[str, ...]  # characters, English, pinyin, initials
    code: str

    @classmethod
    def of(cls, unit: UnitView) -> Haystack:
        full, initials = spellings(unit.name_zh)
        return cls(unit, (fold(unit.name_zh), fold(unit.name_en), full, initials), fold(unit.code))


def score(hay: Haystack, query: str) -> int | None:
    """How well a folded query names a unit (lower is better), None when it does not."""
    if not query:
        return None
    if query == hay.code:
        return 0
    best: int | None = None
    for name in hay.names:
        if not name:
            continue
        if name == query:
            rank = 1
        elif name.startswith(query):
            rank = 2
        elif query in name:
            rank = 3
        else:
            continue
        best = rank if best is None else min(best, rank)
    return best


def search(units: list[UnitView], query: str, *, limit: int = 30) -> list[UnitView]:
    """The units a typed query names, best first (then in the catalog's order)."""
    folded = fold(query)
    ranked: list[tuple[int, int, UnitView]] = []
    for order, unit in enumerate(units):
        rank = score(Haystack.of(unit), folded)
        if rank is not None:
            ranked.append((rank, order, unit))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [unit for _, _, unit in ranked[:limit]]


async def find_units(core: Core, *, query: str, limit: int = 30) -> list[UnitView]:
    """Units matching what a person typed: characters, pinyin, initials, English or code."""
    return search(await catalog.list_units(core), query, limit=limit)
