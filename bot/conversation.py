"""The conversation's rules, free of aiogram: how a typed answer is read and checked, what
each step expects, when a group message is for us and where it is sent, the registration
step. The aiogram handlers call these and render what they return; another chat door (a
WeCom app, say) can reuse them as they are.

Whether a value is acceptable stays the core's call (campaigns.actions): the rules here
only read what was typed and ask the core's own checks early, where the number is typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from campaigns import actions, joining
from campaigns.core import Core
from campaigns.labels import N_
from campaigns.results import PersonView
from campaigns.rules import Rules

_CODE = r"([A-Za-z0-9_-]{3,64})"
# The code itself, `e_<code>`, the poster's web link …/e/<code> or its t.me …?start=e_<code>.
CODE_IN_TEXT = re.compile(
    rf"^(?:e_{_CODE}|{_CODE}|\S*?/e/{_CODE}/?(?:[?#]\S*)?|\S*?[?&]start=e_{_CODE}(?:&\S*)?)$"
)
NUMBER = re.compile(r"^\s*(-?\d+(?:[.,，]\d+)?)\s*(?:km|公里|千米|h|小时|人)?\s*$", re.IGNORECASE)
DEEP_LINK = re.compile(r"^e_[A-Za-z0-9_-]{1,62}$")

# What a step that waits for a button says when something else arrives.
EXPECTS = {
    "trip.mode": N_("Tap one of the buttons below to say how you travelled, or ✖ Cancel."),
    "trip.confirm": N_(
        "Tap ✔ Confirm to log the trip, type another distance to correct it, or ✖ Cancel."
    ),
    "plate.meal": N_("Tap the meal you finished below, or ✖ Cancel."),
    "canteen.result": N_("Tap 👍 Passed or 👎 Not passed below, or ✖ Cancel."),
    "register.name": N_("Please type your name (as your colleagues know you)."),
    "register.verifier": N_(
        "Please type your staff number or the last four digits of your phone number."
    ),
}


def event_code(text: str) -> str | None:
    """The event code in what someone typed: the code itself, `e_<code>` or a poster link."""
    match = CODE_IN_TEXT.match(text.strip())
    if match is None:
        return None
    return next(group for group in match.groups() if group)


def parse_number(text: str | None) -> float | None:
    """A number as people type it ("2.5", "2,5", "3 km", "3公里"), else None."""
    match = NUMBER.match(text or "")
    if not match:
        return None
    return float(match.group(1).replace(",", ".").replace("，", "."))


def trip_km(rules: Rules, *, mode: str, typed: str | None) -> float | None:
    """The distance typed at the trip's km (or confirm) step, checked by the core's own
    rule for the mode right away; None when it is not a number at all. Refuses
    INVALID_QUANTITY, IMPLAUSIBLE_DISTANCE (detail max_km), UNKNOWN_MODE."""
    value = parse_number(typed)
    if value is None:
        return None
    return actions.check_trip(rules, mode=mode, km=value)


# Group chats ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    """A part of a message's text Telegram marked: a command, a mention."""

    type: str
    offset: int
    length: int
    user_id: int | None = None  # a text_mention's user


def _utf16_slice(text: str, offset: int, length: int) -> str:
    """Telegram counts entity offsets in UTF-16 code units."""
    data = text.encode("utf-16-le")
    return data[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="ignore")


def addressed_to_bot(
    text: str,
    entities: Sequence[Entity],
    *,
    username: str,
    bot_id: int,
    reply_to_bot: bool = False,
) -> bool:
    """True when a group message is for this bot: a command (bare, or `@` this bot, not
    another), a mention of it, or a reply to one of its messages. Anything else in a
    group is people talking to each other, and not ours to read."""
    if reply_to_bot:
        return True
    name = username.lower()
    return any(_names_bot(text, entity, name, bot_id) for entity in entities)


def _names_bot(text: str, entity: Entity, name: str, bot_id: int) -> bool:
    part = _utf16_slice(text, entity.offset, entity.length)
    if entity.type == "bot_command":
        _, at, target = part.partition("@")
        return not at or target.lower() == name
    if entity.type == "mention":
        return part.lower() == f"@{name}"
    return entity.type == "text_mention" and entity.user_id == bot_id


def private_start_payload(text: str) -> str | None:
    """The deep-link payload that carries a group's `/start e_<code>` into the private
    chat (the check-in happens there), or None."""
    parts = text.split(maxsplit=1)
    if len(parts) == 2 and parts[0].lower().startswith("/start") and DEEP_LINK.match(parts[1]):
        return parts[1].strip()
    return None


# Registration ---------------------------------------------------------------------------


async def register(
    core: Core,
    *,
    name: str,
    unit_id: int,
    telegram_id: int,
    language: str,
    now: datetime,
    verifier: str | None = None,
) -> PersonView:
    """The bot's registration step: name and unit once, linked to the Telegram account (a
    repeat finds the person already linked). The unit's staff list decides as on the web: a
    listed name with a staff number or phone digits on file is asked for it (`verifier`),
    and the right answer links the account to the person already on record (one person,
    whatever the door). Refuses NAME_REQUIRED, NAME_TOO_LONG, UNKNOWN_UNIT,
    VERIFIER_REQUIRED, VERIFIER_WRONG, VERIFIER_LOCKED."""
    joined = await joining.join(
        core,
        name=name,
        unit_id=unit_id,
        now=now,
        language=language,
        verifier=verifier,
        telegram_id=telegram_id,
    )
    return joined.person


async def link_account(core: Core, *, code: str, telegram_id: int, now: datetime) -> PersonView:
    """`/link <code>`: the Telegram account becomes the person a link code from their web
    "Me" page names. Refuses LINK_CODE_INVALID."""
    return await joining.redeem_link_code(core, code=code, now=now, telegram_id=telegram_id)
