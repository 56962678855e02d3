"""Pure rules: CO2, the "135" advice, caps, codes; no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaigns import codes
from campaigns.rules import load_rules

RULES = load_rules()


@pytest.mark.parametrize(
    ("mode", "km", "grams"),
    [("metro", 10, 467), ("bus", 5, 134), ("walk", 1, 46), ("bike", 3, 140), ("bus", 0.5, 13)],
)
def test_trip_co2_uses_the_cited_factor(mode: str, km: float, grams: int) -> None:
    assert RULES.trip_co2_g(mode, km) == grams


def test_every_factor_names_its_source() -> None:
    for mode in RULES.modes.values():
        assert len(mode.source) > 40, mode.name
    assert "0.19" in RULES.plate_source and RULES.plate_co2_g == 192


@pytest.mark.parametrize(
    ("mode", "km", "fits", "suggested"),
    [
        ("walk", 0.8, True, None),
        ("walk", 1.0, True, None),
        ("walk", 2.0, False, "bike"),
        ("walk", 6.0, False, "bus"),
        ("bike", 3.0, True, None),
        ("bike", 4.0, False, "bus"),
        ("bus", 5.0, True, None),
        ("bus", 1.5, False, "bike"),
        ("metro", 0.5, False, "walk"),
    ],
)
def test_135_advice(mode: str, km: float, fits: bool, suggested: str | None) -> None:
    advice = RULES.advice_135(mode, km)
    assert (advice.fits, advice.suggested_mode) == (fits, suggested)


@pytest.mark.parametrize(("earned", "already", "expected"), [(5, 0, 5), (5, 18, 2), (5, 20, 0)])
def test_points_stop_at_the_daily_cap(earned: int, already: int, expected: int) -> None:
    assert RULES.capped_points("trip", earned, already) == expected


def test_implausible_bounds_refuse_a_40_km_walk() -> None:
    assert RULES.modes["walk"].max_km < 40


def test_rotating_token_accepts_current_and_previous_slot_only() -> None:
    now = datetime(2023, 7, 12, 2, 0, 5, tzinfo=UTC)
    token = codes.rotating_token("s", "abc", codes.current_slot(now))
    assert codes.verify_rotating("s", "abc", token, now)
    assert codes.verify_rotating("s", "abc", token, now + timedelta(seconds=30))
    assert not codes.verify_rotating("s", "abc", token, now + timedelta(seconds=60))
    assert not codes.verify_rotating("other", "abc", token, now)
    assert not codes.verify_rotating("s", "abd", token, now)


def test_codes_are_unguessable_and_url_safe() -> None:
    made = {codes.new_event_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(c.isalnum() and c.islower() or c.isdigit() for code in made for c in code)
