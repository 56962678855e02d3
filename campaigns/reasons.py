"""Machine-readable reasons for every refusal; the edges turn them into words."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    ALREADY_CHECKED_IN = "already_checked_in"
    WINDOW_NOT_OPEN = "window_not_open"
    WINDOW_CLOSED = "window_closed"
    UNKNOWN_CODE = "unknown_code"
    CODE_EXPIRED = "code_expired"
    OVER_CAPACITY = "over_capacity"
    IMPLAUSIBLE_DISTANCE = "implausible_distance"
    INVALID_QUANTITY = "invalid_quantity"
    UNKNOWN_MODE = "unknown_mode"
    UNKNOWN_MEAL = "unknown_meal"
    DAILY_CAP_REACHED = "daily_cap_reached"
    TOO_MANY_HOURS = "too_many_hours"
    NOT_ALLOWED = "not_allowed"
    UNKNOWN_UNIT = "unknown_unit"
    UNKNOWN_PERSON = "unknown_person"
    UNKNOWN_EVENT = "unknown_event"
    UNKNOWN_CAMPAIGN = "unknown_campaign"
    UNKNOWN_FACT = "unknown_fact"
    UNKNOWN_TOKEN = "unknown_token"
    NAME_REQUIRED = "name_required"
    NAME_TOO_LONG = "name_too_long"
    FUTURE_DATE = "future_date"
    DATE_TOO_OLD = "date_too_old"
    NO_ACTIVE_CAMPAIGN = "no_active_campaign"
    NO_CANTEEN = "no_canteen"
    ALREADY_VOID = "already_void"
    REASON_REQUIRED = "reason_required"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    OUT_OF_STOCK = "out_of_stock"
    PERSON_DELETED = "person_deleted"
    INVALID_INPUT = "invalid_input"
