"""The bot writes dates and times as each language does (Babel) and counts with plurals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from aiogram.utils.i18n import I18n

from bot import render
from bot.dispatcher import make_i18n
from campaigns.core import DEFAULT_TZ
from campaigns.results import Progress, Totals
from campaigns.settings import Settings

NINE = datetime(2023, 7, 12, 1, 0, tzinfo=UTC)  # 09:00 in Qu County


@pytest.fixture
def i18n(settings: Settings) -> Iterator[I18n]:
    made = make_i18n(settings)
    with made.context():
        yield made


@pytest.mark.parametrize(
    ("language", "now", "expected"),
    [
        ("zh", NINE, "09:00"),
        ("en", NINE, "9:00\u202fAM"),
        ("zh", datetime(2023, 7, 13, 3, tzinfo=UTC), "7月12日 09:00"),
        ("en", datetime(2023, 7, 13, 3, tzinfo=UTC), "Jul 12, 9:00\u202fAM"),
        ("zh", datetime(2024, 1, 2, tzinfo=UTC), "2023年7月12日 09:00"),
        ("en", None, "Jul 12, 2023, 9:00\u202fAM"),
    ],
)
def test_times_in_each_languages_style(
    i18n: I18n, language: str, now: datetime | None, expected: str
) -> None:
    with i18n.use_locale(language):
        assert render.local_time(NINE, DEFAULT_TZ, now=now) == expected


@pytest.mark.parametrize(("language", "expected"), [("zh", "7月12日"), ("en", "Jul 12")])
def test_days_in_each_languages_style(i18n: I18n, language: str, expected: str) -> None:
    with i18n.use_locale(language):
        assert render.day(date(2023, 7, 12)) == expected


def progress(done: int, goal: int) -> Progress:
    return Progress(year=2023, goal=goal, totals=Totals(person_times=done))


@pytest.mark.parametrize(
    ("language", "goal", "words"),
    [
        ("en", 1, "0/1 person-time (0.0%)"),
        ("en", 2000, "0/2000 person-times (0.0%)"),
        ("zh", 1, "0/1 人次"),
        ("zh", 2000, "0/2000 人次"),
    ],
)
def test_person_times_take_their_plural(i18n: I18n, language: str, goal: int, words: str) -> None:
    with i18n.use_locale(language):
        assert words in render.progress_line(progress(0, goal))
