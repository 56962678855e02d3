"""The conversation's rules, without aiogram: numbers as people type them, the trip's
distance checked where it is typed, which group messages are for the bot."""

from __future__ import annotations

import pytest

from bot.conversation import (
    Entity,
    addressed_to_bot,
    event_code,
    parse_number,
    private_start_payload,
    trip_km,
)
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.rules import load_rules

RULES = load_rules()
BOT = "GreenTallyBot"
BOT_ID = 777


@pytest.mark.parametrize(
    ("typed", "value"),
    [("2.5", 2.5), ("2,5", 2.5), ("3 km", 3.0), ("3公里", 3.0), ("很远", None), ("", None)],
)
def test_numbers_as_people_type_them(typed: str, value: float | None) -> None:
    assert parse_number(typed) == value


@pytest.mark.parametrize(
    ("mode", "typed", "result"),
    [
        ("walk", "0.8", 0.8),
        ("walk", "500", Reason.IMPLAUSIBLE_DISTANCE),
        ("bike", "60", 60.0),
        ("bike", "61", Reason.IMPLAUSIBLE_DISTANCE),
        ("bus", "0", Reason.INVALID_QUANTITY),
        ("bus", "-3", Reason.INVALID_QUANTITY),
        ("rocket", "3", Reason.UNKNOWN_MODE),
        ("bus", "far", None),
    ],
)
def test_trip_km_is_checked_by_the_cores_own_bound(
    mode: str, typed: str, result: float | Reason | None
) -> None:
    if isinstance(result, Reason):
        with pytest.raises(Refused) as refused:
            trip_km(RULES, mode=mode, typed=typed)
        assert refused.value.reason is result
    else:
        assert trip_km(RULES, mode=mode, typed=typed) == result


def command(text: str) -> list[Entity]:
    return [Entity("bot_command", 0, len(text.split(maxsplit=1)[0]))]


@pytest.mark.parametrize(
    ("text", "entities", "reply", "for_us"),
    [
        ("/start@GreenTallyBot", command("/start@GreenTallyBot"), False, True),
        ("/start@greentallybot e_abc", command("/start@greentallybot"), False, True),
        ("/trip", command("/trip"), False, True),  # a bare command, for every bot
        ("/start@OtherBot", command("/start@OtherBot"), False, False),
        ("大家好，今天下午开会", [], False, False),
        ("大家好 @GreenTallyBot", [Entity("mention", 4, 14)], False, True),  # UTF-16 offsets
        ("问问 @SomeoneElse", [Entity("mention", 3, 12)], False, False),
        ("好的", [Entity("text_mention", 0, 2, user_id=BOT_ID)], False, True),
        ("谢谢", [], True, True),  # a reply to one of the bot's messages
    ],
)
def test_which_group_messages_are_for_the_bot(
    text: str, entities: list[Entity], reply: bool, for_us: bool
) -> None:
    assert addressed_to_bot(text, entities, username=BOT, bot_id=BOT_ID, reply_to_bot=reply) is (
        for_us
    )


def test_an_emoji_before_a_mention_counts_in_utf16() -> None:
    text = "🌱 @GreenTallyBot"  # the emoji is two UTF-16 units
    assert addressed_to_bot(text, [Entity("mention", 3, 14)], username=BOT, bot_id=BOT_ID)


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("/start@GreenTallyBot e_Ab3-x_9", "e_Ab3-x_9"),
        ("/start e_Ab3", "e_Ab3"),
        ("/start", None),
        ("/start hello", None),
        ("/trip e_Ab3", None),
        ("/start e_bad!code", None),
    ],
)
def test_a_poster_code_is_carried_to_the_private_chat(text: str, payload: str | None) -> None:
    assert private_start_payload(text) == payload


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("abc123", "abc123"),
        ("e_abc123", "abc123"),
        ("http://127.0.0.1:8000/e/abc123", "abc123"),
        ("https://t.me/GreenTallyBot?start=e_abc123", "abc123"),
        ("两个词", None),
    ],
)
def test_event_codes_in_what_was_typed(typed: str, code: str | None) -> None:
    assert event_code(typed) == code
