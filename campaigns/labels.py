"""The one home of the words for values a person sees: kinds, modes, meals, roles, counting
rules, channels, statuses and audit actions. Each is an English msgid, marked with `N_` for
extraction and translated at the edge (web or bot) in the reader's language."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a msgid for extraction; the edge's `gettext` translates it where it is shown."""
    return message


KIND_LABELS = {
    "checkin": N_("Event check-in"),
    "trip": N_("Green trip"),
    "plate": N_("Clean plate"),
    "service": N_("Volunteer service"),
    "headcount": N_("Booth headcount"),
    "sorting": N_("Garbage sorting"),
}
MODE_LABELS = {"walk": N_("Walk"), "bike": N_("Bike"), "bus": N_("Bus"), "metro": N_("Metro")}
# The bot's buttons carry a picture; its sentences name the mode ("by the bus").
MODE_BUTTONS = {
    "walk": N_("🚶 Walk"),
    "bike": N_("🚲 Bike"),
    "bus": N_("🚌 Bus"),
    "metro": N_("🚇 Metro"),
}
MODE_NAMES = {
    "walk": N_("walking"),
    "bike": N_("cycling"),
    "bus": N_("the bus"),
    "metro": N_("the metro"),
}
MEAL_LABELS = {"breakfast": N_("Breakfast"), "lunch": N_("Lunch"), "dinner": N_("Dinner")}
ROLE_LABELS = {
    "participant": N_("Participant"),
    "volunteer": N_("Volunteer"),
    "organizer": N_("Organizer"),
    "admin": N_("Administrator"),
}
RULE_LABELS = {
    "per_event": N_("1 per person per event"),
    "per_day": N_("at most 1 per person per day"),
    "headcount": N_("booth headcount: N heads, with the volunteer on record"),
}
ACTION_LABELS = {
    "void_fact": N_("Voided a record"),
    "undo_checkin": N_("Undid a check-in at the door"),
    "evidence_ok": N_("Accepted a photo"),
    "evidence_rejected": N_("Rejected a photo"),
    "reconcile": N_("Reconciled totals against the records"),
    "create_campaign": N_("Created a campaign"),
    "update_campaign": N_("Edited a campaign"),
    "create_event": N_("Created an event"),
    "update_event": N_("Edited an event"),
    "upsert_unit": N_("Saved a unit"),
    "set_role": N_("Changed a role"),
    "create_user": N_("Created an account"),
    "create_account": N_("Created an account"),
    "save_reward": N_("Saved a reward"),
    "redeem_reward": N_("Handed out a reward"),
    "delete_person": N_("Deleted a person's data"),
    "sign_in": N_("Signed in"),
    "sign_in_failed": N_("Failed sign-in"),
    "sign_out_everywhere": N_("Signed out everywhere"),
    "export": N_("Exported data"),
}
