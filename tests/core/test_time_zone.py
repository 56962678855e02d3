"""The county's time zone comes from settings (GREENTALLY_TIMEZONE): campaign days and the
times of day in refusals are read in it."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import SecretStr, ValidationError

from campaigns import checkin
from campaigns.errors import Refused
from campaigns.messages import message_for
from campaigns.results import Channel
from campaigns.settings import Settings
from greentally.app import build_core
from tests import factories
from tests.factories import (
    NOW,
)  # 2023-07-12 02:00 UTC: 10:00 in Shanghai, 19:00 the day before in LA


def _settings(db_url: str, zone: str) -> Settings:
    return Settings(database_url=db_url, secret_key=SecretStr("k" * 40), timezone=zone)


@pytest.mark.parametrize(
    ("zone", "day", "closed_at"),
    [
        ("Asia/Shanghai", date(2023, 7, 12), "13:00"),
        ("America/Los_Angeles", date(2023, 7, 11), "22:00"),
    ],
)
async def test_the_campaign_day_and_times_are_local_to_the_configured_zone(
    db_url: str, zone: str, day: date, closed_at: str
) -> None:
    core = build_core(_settings(db_url, zone))
    try:
        unit = await factories.unit(core)
        person = await factories.person(core, unit)
        event = await factories.event(core)
        done = await checkin.check_in(
            core, code=event.code, person_id=person.id, now=NOW, channel=Channel.WEB
        )
        assert done.fact.occurred_on == day
        late = await factories.event(core, closes=NOW.replace(hour=5))
        with pytest.raises(Refused) as refused:
            await checkin.check_in(
                core,
                code=late.code,
                person_id=person.id,
                now=NOW.replace(hour=6),
                channel=Channel.WEB,
            )
        words = message_for(refused.value.reason, refused.value.detail, str, core.tz)
        assert words == f"Check-in for this event closed at {closed_at}."
    finally:
        await core.close()


def test_an_unknown_zone_is_refused_in_words() -> None:
    with pytest.raises(ValidationError, match="IANA zone"):
        Settings(timezone="Mars/Olympus_Mons")
