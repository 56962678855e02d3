"""The field rules (issue 14), read from rules.toml's [patrol] and [meters] tables: pure."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from campaigns.rules import RULES_FILE


@dataclass(frozen=True)
class FieldRules:
    patrol_points: int
    findings: tuple[str, ...]
    jump_factor: float
    min_intervals: int
    targets: dict[str, float]  # energy_per_person, energy_per_m2, water_per_person, carbon_per_m2
    targets_source: tuple[str, str]  # (en, zh)
    grid_kg_per_kwh: dict[int, float]
    grid_source: tuple[str, str]

    def grid_factor(self, year: int) -> float:
        """kg CO2 per kWh for a year's use: that year's factor, else the latest before it,
        else the earliest."""
        years = sorted(self.grid_kg_per_kwh)
        earlier = [y for y in years if y <= year]
        return self.grid_kg_per_kwh[earlier[-1] if earlier else years[0]]


@cache
def load_field_rules(path: Path = RULES_FILE) -> FieldRules:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    patrol, meters = data["patrol"], data["meters"]
    return FieldRules(
        patrol_points=int(patrol["points"]),
        findings=tuple(patrol["findings"]),
        jump_factor=float(meters["jump_factor"]),
        min_intervals=int(meters["min_intervals"]),
        targets={
            key: float(meters[f"target_{key}"])
            for key in ("energy_per_person", "energy_per_m2", "water_per_person", "carbon_per_m2")
        },
        targets_source=(meters["targets_source"], meters["targets_source_zh"]),
        grid_kg_per_kwh={int(y): float(v) for y, v in meters["grid_kg_per_kwh"].items()},
        grid_source=(meters["grid_source"], meters["grid_source_zh"]),
    )
