"""Where every CO₂ figure comes from: the emission factors of the rules file, each with its
published source in Chinese and English, for the public /sources page."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from campaigns.results import pick
from campaigns.rules import RULES_FILE


@dataclass(frozen=True)
class Factor:
    key: str  # mode name, "plate" or "car"
    value: float
    unit: str  # "g/person-km" or "g/meal"
    source_zh: str
    source_en: str
    used: bool = True  # False for figures shown for comparison only

    def source(self, lang: str) -> str:
        return pick(lang, self.source_zh, self.source_en)


def factors(path: Path = RULES_FILE) -> list[Factor]:
    """Every factor in the rules file, in the file's order."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    out = [
        Factor(
            name,
            float(m["avoided_g_per_km"]),
            "g/person-km",
            m.get("source_zh", m["source"]),
            m["source"],
        )
        for name, m in raw["modes"].items()
    ]
    plate = raw["plate"]
    out.append(
        Factor(
            "plate",
            float(plate["co2_g_per_meal"]),
            "g/meal",
            plate.get("source_zh", plate["source"]),
            plate["source"],
        )
    )
    ref = raw["reference"]
    out.append(
        Factor(
            "car",
            float(ref["car_g_per_km"]),
            "g/person-km",
            ref.get("car_source_zh", ref["car_source"]),
            ref["car_source"],
            used=False,
        )
    )
    return out
