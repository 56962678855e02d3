"""Pure rules: points, caps, CO2 and the "135" advice, read from rules.toml."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaigns.results import TripAdvice

RULES_FILE = Path(__file__).with_name("rules.toml")


@dataclass(frozen=True)
class Mode:
    name: str
    avoided_g_per_km: float
    max_km: float
    band_km: float
    source: str


@dataclass(frozen=True)
class Cap:
    max_entries_per_day: int | None
    max_points_per_day: int | None
    max_hours_per_day: float | None
    max_per_entry: int | None = None  # a plausibility bound on one entry's quantity


@dataclass(frozen=True)
class Rules:
    points: dict[str, int]
    caps: dict[str, Cap]
    modes: dict[str, Mode]
    meals: tuple[str, ...]
    plate_co2_g: int
    plate_source: str
    max_days_back: int
    max_name_length: int
    car_g_per_km: float
    trip_min_km: float = 0.1
    service_waits: bool = True
    headcount_wait_over: int | None = 50
    photo_required: frozenset[str] = frozenset()

    def trip_co2_g(self, mode: str, km: float) -> int:
        """Grams of CO2 avoided by a trip (rounded down to whole grams)."""
        return math.floor(self.modes[mode].avoided_g_per_km * km)

    def advice_135(self, mode: str, km: float) -> TripAdvice:
        """Whether a trip fits its "135" band; suggests the band's mode when it does not.

        Advice only: a green trip outside its band is still recorded."""
        band = self.modes[mode].band_km
        fits = km <= band if mode in {"walk", "bike"} else km >= self.modes["bike"].band_km
        suggested = None if fits else _band_mode(self, km)
        return TripAdvice(mode=mode, km=km, fits=fits, band_km=band, suggested_mode=suggested)

    def capped_points(self, kind: str, earned: int, already_today: int) -> int:
        """Points still allowed today under the kind's daily cap."""
        cap = self.caps.get(kind)
        if cap is None or cap.max_points_per_day is None:
            return earned
        return max(0, min(earned, cap.max_points_per_day - already_today))

    def service_points(self, hours: float) -> int:
        return int(hours) * self.points["service_per_hour"]

    def waits(self, kind: str, *, quantity: float = 0, by_organizer: bool = False) -> bool:
        """Whether an entry waits for an organizer's approval before it counts."""
        if kind in self.photo_required:
            return True
        if kind == "service":
            return self.service_waits and not by_organizer
        if kind == "headcount":
            return self.headcount_wait_over is not None and quantity > self.headcount_wait_over
        return False

    def credit(self, kind: str, *, mode: str | None, quantity: float) -> tuple[int, int]:
        """(points before any daily cap, grams of CO2 avoided) an entry earns."""
        if kind == "trip" and mode is not None:
            return self.points["trip"], self.trip_co2_g(mode, quantity)
        if kind == "plate":
            return self.points["plate"], self.plate_co2_g
        if kind == "service":
            return self.service_points(quantity), 0
        return self.points.get(kind, 0), 0


def _band_mode(rules: Rules, km: float) -> str:
    if km <= rules.modes["walk"].band_km:
        return "walk"
    if km <= rules.modes["bike"].band_km:
        return "bike"
    return "bus"


def _cap(raw: dict[str, Any]) -> Cap:
    return Cap(
        max_entries_per_day=raw.get("max_entries_per_day"),
        max_points_per_day=raw.get("max_points_per_day"),
        max_hours_per_day=raw.get("max_hours_per_day"),
        max_per_entry=raw.get("max_per_entry"),
    )


def load_rules(path: Path = RULES_FILE) -> Rules:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    approval = raw.get("approval", {})
    modes = {
        name: Mode(
            name=name,
            avoided_g_per_km=float(m["avoided_g_per_km"]),
            max_km=float(m["max_km"]),
            band_km=float(m["band_km"]),
            source=m["source"],
        )
        for name, m in raw["modes"].items()
    }
    return Rules(
        points={k: int(v) for k, v in raw["points"].items()},
        caps={k: _cap(v) for k, v in raw["caps"].items()},
        modes=modes,
        meals=tuple(raw["plate"]["meals"]),
        plate_co2_g=int(raw["plate"]["co2_g_per_meal"]),
        plate_source=raw["plate"]["source"],
        max_days_back=int(raw["dates"]["max_days_back"]),
        max_name_length=int(raw["names"]["max_length"]),
        car_g_per_km=float(raw["reference"]["car_g_per_km"]),
        trip_min_km=float(raw.get("trip", {}).get("min_km", 0.1)),
        service_waits=bool(approval.get("service_waits", True)),
        headcount_wait_over=approval.get("headcount_over"),
        photo_required=frozenset(approval.get("photo_required", [])),
    )
