"""Words for every refusal reason, as English msgids; each edge translates them once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from campaigns.labels import N_
from campaigns.reasons import Reason

REASON_MESSAGES: dict[Reason, str] = {
    Reason.ALREADY_CHECKED_IN: N_("You already checked in at {at}."),
    Reason.WINDOW_NOT_OPEN: N_("Check-in opens at {opens}."),
    Reason.WINDOW_CLOSED: N_("Check-in for this event closed at {closes}."),
    Reason.UNKNOWN_CODE: N_("We don't know this event code. Check it and try again."),
    Reason.CODE_EXPIRED: N_("This code has expired — scan the screen again."),
    Reason.OVER_CAPACITY: N_("This event is full ({capacity} places)."),
    Reason.IMPLAUSIBLE_DISTANCE: N_(
        "{km} km is more than we can accept for this mode (at most {max_km} km)."
    ),
    Reason.INVALID_QUANTITY: N_("Please enter a number greater than zero."),
    Reason.UNKNOWN_MODE: N_("Please choose walking, cycling, bus or metro."),
    Reason.UNKNOWN_MEAL: N_("Please choose breakfast, lunch or dinner."),
    Reason.DAILY_CAP_REACHED: N_("You have reached today's limit for this action."),
    Reason.TOO_MANY_HOURS: N_("That would be more than {max_hours} hours of service in one day."),
    Reason.NOT_ALLOWED: N_("Your role does not allow this."),
    Reason.UNKNOWN_UNIT: N_("Please choose your unit from the list."),
    Reason.UNKNOWN_PERSON: N_("We could not find this person."),
    Reason.UNKNOWN_EVENT: N_("We could not find this event."),
    Reason.UNKNOWN_CAMPAIGN: N_("We could not find this campaign."),
    Reason.UNKNOWN_FACT: N_("We could not find this entry."),
    Reason.UNKNOWN_TOKEN: N_("This code or link is not valid (or was already used)."),
    Reason.NAME_REQUIRED: N_("Please enter your name."),
    Reason.NAME_TOO_LONG: N_("Please keep the name to {max_length} characters or fewer."),
    Reason.FUTURE_DATE: N_("The date cannot be in the future."),
    Reason.DATE_TOO_OLD: N_("Entries can be logged up to {days} days late."),
    Reason.NO_ACTIVE_CAMPAIGN: N_("No campaign for this action is running on that date."),
    Reason.NO_CANTEEN: N_("This unit has no canteen on record."),
    Reason.NOT_OWN_CANTEEN: N_(
        "A canteen's self-evaluation is filed by its own staff: choose your own unit's canteen."
    ),
    Reason.ALREADY_VOID: N_("This entry was already voided."),
    Reason.REASON_REQUIRED: N_("Please give a reason for the correction."),
    Reason.INSUFFICIENT_BALANCE: N_("Not enough points: {balance} available, {price} needed."),
    Reason.OUT_OF_STOCK: N_("This reward is out of stock."),
    Reason.UNKNOWN_REWARD: N_("This reward is not on offer."),
    Reason.LOGIN_TAKEN: N_("This login name is already taken."),
    Reason.PERSON_DELETED: N_("This account has been deleted."),
    Reason.INVALID_INPUT: N_("Please check what you entered."),
    Reason.PHOTO_NOT_IMAGE: N_("The file is not a photo we can read (JPEG, PNG or WebP)."),
    Reason.PHOTO_TOO_LARGE: N_("The photo is too large: at most {limit_mb} MB."),
    Reason.PHOTO_TOO_MANY_PIXELS: N_(
        "The photo has too many pixels: at most {megapixels} megapixels. Take it again at a "
        "lower resolution."
    ),
    Reason.VERIFIER_REQUIRED: N_(
        "Someone of this name is on your unit's staff list. To confirm it is you, enter your "
        "staff number or the last four digits of your phone number."
    ),
    Reason.VERIFIER_WRONG: N_(
        "That staff number or phone number does not match the staff list. Check it and try again."
    ),
    Reason.VERIFIER_LOCKED: N_(
        "Too many wrong answers for this name. Try again in {minutes} minutes, or ask your "
        "unit's organizer."
    ),
    Reason.DEVICE_BOUND: N_(
        "This phone is registered to {name}. To switch it to someone else, give that "
        "person's staff number or phone's last four digits, or use a link code from their "
        '"Me" page.'
    ),
    Reason.AMBIGUOUS_NAME: N_(
        "Several people of this name are on record in this unit: find the person by name "
        "search, or give their staff number."
    ),
    Reason.LINK_CODE_INVALID: N_(
        'This link code is wrong, used or expired. Open "Me" on your other phone for a new one.'
    ),
    Reason.IDEMPOTENCY_KEY_REUSED: N_(
        "This request's key was already used for a different request: send a new key."
    ),
    Reason.HEADCOUNT_TOO_LARGE: N_("At most {max} people in one entry."),
    Reason.TRIP_TOO_SHORT: N_("A trip must be at least {min_km} km."),
    Reason.MEAL_ALREADY_LOGGED: N_("You already logged this meal on that day."),
    Reason.PHOTO_REQUIRED: N_("This entry needs a photo."),
    Reason.NOT_PENDING: N_("This entry is not waiting for approval."),
    Reason.CANNOT_MERGE: N_(
        "These cannot be merged: choose two different people who are still on record."
    ),
    Reason.HIDDEN_CHARACTERS: N_(
        "This text holds hidden or control characters (a copy and paste can leave them). "
        "Please type it again."
    ),
    Reason.UNDO_STALE: N_(
        "Another check-in was made at this door since; nothing was undone. Look at the last "
        "check-in again before you undo it."
    ),
    Reason.API_TOKEN_REFUSED: N_(
        "This API token is not valid: unknown, revoked, or its owner is no longer an organizer."
    ),
    Reason.API_TOKEN_READ_ONLY: N_(
        "This API token may only read. Make a read-and-write token to change data."
    ),
    # field (issue 14)
    Reason.UNKNOWN_BUILDING: N_("We could not find this building."),
    Reason.UNKNOWN_ROOM: N_("We don't know this room label. Scan it again or ask the organizer."),
    Reason.UNKNOWN_FINDING: N_("Please choose what you found from the list."),
    Reason.ROOM_ALREADY_VISITED: N_(
        "You already recorded this room on tonight's patrol at {at}. Go on to the next room."
    ),
    Reason.UNKNOWN_SHEET: N_("We could not find this sign-in sheet. Check the code printed on it."),
    Reason.UNKNOWN_SHEET_ROW: N_("Row {row} is not on this sign-in sheet."),
    Reason.SHEET_ROW_NAME_REQUIRED: N_(
        "Row {row} is ticked but has no name: write in the name from the sheet, or untick it."
    ),
    Reason.UNKNOWN_METER: N_("Please choose electricity (kWh) or water (m³)."),
    Reason.READING_EXISTS: N_(
        "This meter already has a reading on {day} ({value}). To correct it, void that "
        "reading with a reason first."
    ),
    Reason.METER_BACKWARDS: N_(
        "A meter cannot go backwards: {value} is less than the reading of {prev_day} "
        "({prev_value}). Check the figure; a replaced meter starts a new building meter."
    ),
    Reason.METER_JUMP: N_(
        "This reading means {per_day} a day since {prev_day}, more than {factor} times the "
        "usual {usual} a day. Check the figure; if it is right, confirm it and it is kept, "
        "flagged."
    ),
    Reason.ROWS_REFUSED: N_("Nothing was saved: {count} rows need correcting."),
}


def _render(value: Any, tz: tzinfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%H:%M")
    if isinstance(value, float):
        return f"{value:g}"
    return value


def message_for(
    reason: Reason, detail: Mapping[str, Any], gettext: Callable[[str], str], tz: tzinfo
) -> str:
    """The refusal in the reader's language, with its details filled in (times of day in
    the core's zone, `tz`)."""
    template = gettext(REASON_MESSAGES[reason])
    values = {key: _render(value, tz) for key, value in detail.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return gettext(REASON_MESSAGES[Reason.INVALID_INPUT]) if "{" in template else template
