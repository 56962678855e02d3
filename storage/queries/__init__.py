"""Reads shared by the services, one module per table (people, units, campaigns, events,
facts, tallies, canteen, rewards, ledger, audit); each returns plain mappings, never live ORM
rows. Writes are in storage.writes. Every read is importable from here as before."""

from __future__ import annotations

from storage.queries.audit import (
    audit_entries,
    change_marks,
    last_reconcile,
)
from storage.queries.campaigns import (
    active_habit_campaign,
    campaign,
    campaign_id_by_slug,
    campaign_slugs,
    campaigns,
    counts_toward_goal,
)
from storage.queries.canteen import (
    canteen_check_by_key,
    canteen_check_paid,
    canteen_checks_of_person,
    canteen_coverage,
)
from storage.queries.events import (
    event,
    events,
    events_by_code,
    has_demo_events,
)
from storage.queries.facts import (
    co2_and_facts,
    count_pending_approval,
    count_pending_evidence,
    day_usage,
    fact,
    fact_export_rows,
    fact_totals_all,
    fact_totals_grouped,
    facts_by,
    facts_listing,
    facts_of_person,
    last_door_checkin,
    logged_points_today,
    same_meal,
    uncounted_same_day,
    waiting_heads,
)
from storage.queries.ledger import (
    ledger_balance,
    ledger_by_key,
    ledger_of_person,
    redemptions,
)
from storage.queries.people import (
    PERSON_COLUMNS,
    login_secret,
    people_by_column,
    people_by_ids,
    people_listing,
    person,
    search_people,
    used_token_person,
)
from storage.queries.rewards import (
    reward,
    rewards,
)
from storage.queries.tallies import (
    event_counts,
    event_totals,
    live_signature,
    tallies_for_year,
)
from storage.queries.units import (
    search_units,
    unit,
    unit_has_canteen,
    unit_id_by_code,
    units,
)

__all__ = [
    "PERSON_COLUMNS",
    "active_habit_campaign",
    "audit_entries",
    "campaign",
    "campaign_id_by_slug",
    "campaign_slugs",
    "campaigns",
    "canteen_check_by_key",
    "canteen_check_paid",
    "canteen_checks_of_person",
    "canteen_coverage",
    "change_marks",
    "co2_and_facts",
    "count_pending_approval",
    "count_pending_evidence",
    "counts_toward_goal",
    "day_usage",
    "event",
    "event_counts",
    "event_totals",
    "events",
    "events_by_code",
    "fact",
    "fact_export_rows",
    "fact_totals_all",
    "fact_totals_grouped",
    "facts_by",
    "facts_listing",
    "facts_of_person",
    "has_demo_events",
    "last_door_checkin",
    "last_reconcile",
    "ledger_balance",
    "ledger_by_key",
    "ledger_of_person",
    "live_signature",
    "logged_points_today",
    "login_secret",
    "people_by_column",
    "people_by_ids",
    "people_listing",
    "person",
    "redemptions",
    "reward",
    "rewards",
    "same_meal",
    "search_people",
    "search_units",
    "tallies_for_year",
    "uncounted_same_day",
    "unit",
    "unit_has_canteen",
    "unit_id_by_code",
    "units",
    "used_token_person",
    "waiting_heads",
]
