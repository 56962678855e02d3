"""The one home of the words for values a person sees: kinds, modes, meals, roles, counting
rules, channels, statuses and audit actions. Each is an English msgid, marked with `N_` for
extraction and translated at the edge (web or bot) in the reader's language."""

from __future__ import annotations


def N_(message: str) -> str:  # the gettext convention for "mark, translate later"
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
# --- the console's words for values (issue 10) -------------------------------------------
CHANNEL_LABELS = {
    "web": N_("Web form"),
    "bot": N_("Telegram bot"),
    "scanner": N_("Door scanner"),
    "api": N_("API"),
    "cli": N_("Command line"),
    "wecom": N_("WeCom app"),
}
# Statuses of a fact. "pending" waits for an organizer's approval and counts nowhere yet
# (issue 9); a filter takes any of these keys.
STATUS_LABELS = {
    "counted": N_("Counted"),
    "void": N_("Voided"),
    "pending": N_("Waiting for approval"),
}
EVIDENCE_LABELS = {
    "pending": N_("Photo not reviewed yet"),
    "ok": N_("Photo accepted"),
    "rejected": N_("Photo rejected"),
}
CAMPAIGN_KIND_LABELS = {"event": N_("Events (check-in)"), "habit": N_("Habit (daily logging)")}
TOKEN_SCOPE_LABELS = {
    "read": N_("Read only"),
    "write": N_("Read and write"),
}
# Reasons the system itself writes on a voided record (people type the others).
SYSTEM_VOID_REASONS = {
    "undo at the door": N_("Undone at the door"),
    "merged duplicate": N_("Merged duplicate"),
}
# Campaign fields as an organizer knows them, for "edited the campaign: …" in the audit log.
FIELD_LABELS = {
    "title_zh": N_("Title (Chinese)"),
    "title_en": N_("Title (English)"),
    "theme_zh": N_("Theme"),
    "counting_rule": N_("Counting rule"),
    "starts_on": N_("First day"),
    "ends_on": N_("Last day"),
    "counts_toward_goal": N_("Counts toward the year's goal"),
    "target": N_("Target (person-times)"),
    "place": N_("Place"),
    "starts_at": N_("Starts"),
    "ends_at": N_("Ends"),
    "checkin_opens_at": N_("Check-in opens"),
    "checkin_closes_at": N_("Check-in closes"),
    "capacity": N_("Capacity"),
    "rotating": N_("Rotating screen code"),
}
ACTION_LABELS.update(
    {
        "reset_user": N_("Reset an account"),
        "create_api_token": N_("Created an API token"),
        "revoke_api_token": N_("Revoked an API token"),
        "api_call": N_("Used an API token"),
    }
)
# Each audit entry as a sentence; placeholders are filled by campaigns.audit_text.
AUDIT_SENTENCES = {
    "void_fact": N_("Voided record #{fact} ({kind}) of {person}. Reason: {reason}"),
    "undo_checkin": N_("Undid the check-in of {person} at {event} (record #{fact})."),
    "evidence_ok": N_("Accepted the photo of record #{fact}."),
    "evidence_rejected": N_("Rejected the photo of record #{fact} and voided it. Reason: {reason}"),
    "reconcile": N_("Recounted {checked} totals from the records: all equal."),
    "create_campaign": N_("Created the campaign {campaign}."),
    "update_campaign": N_("Edited the campaign {campaign}: {fields}."),
    "create_event": N_("Created the event {event}."),
    "update_event": N_("Edited the event {event}: {fields}."),
    "upsert_unit": N_("Saved the unit {unit} (code {code})."),
    "set_role": N_("Changed the role of {person} from {before} to {after}."),
    "create_user": N_("Created the sign-in {login} for {person} as {role}."),
    "reset_user": N_("Reset the sign-in of {person} (now {role})."),
    "create_account": N_("Created an account for {person} as {role}."),
    "save_reward": N_("Saved the reward {reward}: {price} points, {stock} in stock."),
    "redeem_reward": N_("Handed out {reward} to {person} for {price} points."),
    "delete_person": N_("A person deleted their own data (person #{id})."),
    "create_api_token": N_("Created the API token “{name}” ({scope})."),
    "revoke_api_token": N_("Revoked the API token “{name}”."),
    "api_call": N_("Called the API with the token “{name}”: {method} {path}"),
}
AUDIT_RECONCILE_MISMATCH = N_("Recounted {checked} totals from the records: {n} differ.")
AUDIT_OTHER = N_("Other change ({action}).")
# Figures whose English word has several Chinese ones: (msgctxt, msgid) for pgettext.
COUNT_CONTEXT = {
    "person_times": ("count of participations", "Person-times"),  # 人次
    "people": ("count of distinct people", "People"),  # 参与人数
    "headcount": ("count of booth visitors", "Headcount"),  # 展位人数
    "staff": ("count of a unit's staff", "Headcount"),  # 编制人数
    "persons": ("list of persons", "People"),  # 人员
}
# The identity and approval actions of issue 9, in the audit log's words.
ACTION_LABELS.update(
    {
        "approve_fact": N_("Approved a record"),
        "bind_device": N_("Joined on a device"),
        "import_roster": N_("Imported a staff list"),
        "link_device": N_("Linked a device"),
        "merge_people": N_("Merged two people"),
        "not_duplicate": N_("Marked as not a duplicate"),
    }
)
AUDIT_SENTENCES.update(
    {
        "approve_fact": N_("Approved record #{fact} ({kind}) of {person}: it counts now."),
        "bind_device": N_("{person} joined on a new device ({device})."),
        "import_roster": N_(
            "Imported the staff list: {rows} rows, {created} new, {updated} changed, {left} left."
        ),
        "link_device": N_("Linked another device ({device}) to {person}."),
        "merge_people": N_(
            "Merged person #{dropped} into {person}: {moved} records moved, {voided} "
            "duplicates voided."
        ),
        "not_duplicate": N_("Marked {person} as not a duplicate."),
    }
)
DEVICE_LABELS = {"telegram": N_("the Telegram app"), "browser": N_("a browser")}
# How someone signed in (campaigns.access), and the sentences of sign-ins and exports.
SIGN_IN_METHODS = {
    "password": N_("with a password"),
    "link": N_("with a one-time link"),
    "telegram": N_("from Telegram"),
    "device": N_("on a registered phone"),
}
AUDIT_SENTENCES.update(
    {
        "sign_in": N_("{person} signed in {method}."),
        "sign_in_failed": N_("A sign-in {method} failed ({login})."),
        "sign_out_everywhere": N_("{person} signed out on every device."),
        "export": N_("Exported {what} ({rows} rows)."),
    }
)
AUDIT_EXPORT_TOTALS = N_("Exported {what}.")

# Why a staff-list row (or the whole file) cannot be imported (campaigns.rosters.Problem).
ROSTER_PROBLEMS = {
    "bad_encoding": N_(
        "The file is neither UTF-8 nor GB18030 text: save it as CSV (UTF-8) or as XLSX."
    ),
    "not_a_table": N_("This is not a CSV or XLSX file we can read."),
    "empty": N_("The file has no rows."),
    "missing_columns": N_(
        "The first row must name the columns unit_code,name,staff_no,phone_last4 "
        "(or 单位代码,姓名,工号,手机尾号); missing: {columns}."
    ),
    "too_many_rows": N_("More than {max} rows: split the file."),
    "unknown_unit": N_("Unknown unit code “{code}”."),
    "name_missing": N_("No name."),
    "name_too_long": N_("The name is longer than {max} characters."),
    "bad_staff_no": N_("The staff number is longer than {max} characters."),
    "bad_phone": N_("The phone's last four digits must be four digits."),
    "duplicate_row": N_("The same person as row {first}."),
    "ambiguous_name": N_(
        "Several staff of this name are on the unit's list: give the staff number."
    ),
}
# Why people are listed as probable duplicates (campaigns.merging.Why).
DUPLICATE_REASONS = {
    "same_name": N_("Same name in the same unit"),
    "same_staff_no": N_("Same staff number"),
    "flagged": N_("Registered while someone of the name was on record"),
}
# --- field (issue 14): patrols, paper sheets, meters ---------------------------------------
CHANNEL_LABELS["paper"] = N_("Paper sign-in sheet")
# What a patrol finds left on in a room; none of them is "all off".
FINDING_LABELS = {
    "lights": N_("Lights on"),
    "ac": N_("Air conditioning on"),
    "computers": N_("Computers or screens on"),
    "water": N_("Water running"),
    "windows": N_("Windows open with heating or cooling on"),
}
METER_LABELS = {"electricity": N_("Electricity (kWh)"), "water": N_("Water (m³)")}
METER_UNITS = {"electricity": N_("kWh"), "water": N_("m³")}
OCCASION_LABELS = {
    "monthly": N_("Monthly reading"),
    "before_week": N_("Before the campaign week"),
    "after_week": N_("After the campaign week"),
}
ACTION_LABELS.update(
    {
        "save_building": N_("Saved a building"),
        "import_rooms": N_("Imported buildings and rooms"),
        "print_paper_sheet": N_("Printed a paper sign-in sheet"),
        "enter_paper_sheet": N_("Entered a paper sign-in sheet"),
        "meter_reading": N_("Recorded meter readings"),
        "void_meter_reading": N_("Voided a meter reading"),
        "void_room_visit": N_("Voided a room visit"),
    }
)
AUDIT_SENTENCES.update(
    {
        "save_building": N_("Saved the building {name} and its rooms."),
        "import_rooms": N_("Imported buildings and rooms from a file."),
        "print_paper_sheet": N_("Printed a paper sign-in sheet of {rows} rows for {event}."),
        "enter_paper_sheet": N_("Entered the paper sign-in sheet {what}."),
        "meter_reading": N_("Recorded meter readings."),
        "void_meter_reading": N_("Voided meter reading #{id}. Reason: {reason}"),
        "void_room_visit": N_("Voided room visit #{id}. Reason: {reason}"),
    }
)
MODE_LABELS["patrol"] = N_("Energy patrol")  # a service fact's mode: a patrol, not typed hours
# --- the WeCom door and announcements (issue 15) ------------------------------------------
ACTION_LABELS["announce"] = N_("Sent an announcement")
AUDIT_SENTENCES["announce"] = N_("Sent announcement #{id} to {rows} members.")
DEVICE_LABELS["wecom"] = N_("the WeCom app")
SIGN_IN_METHODS["wecom"] = N_("from WeCom")
