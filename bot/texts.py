"""The bot's own menu entries and command descriptions, marked for extraction and translated
at render time; the words for kinds, modes and meals are in campaigns.labels."""

from __future__ import annotations

from campaigns.labels import N_

LANGUAGE_NAMES = {"zh": "简体中文", "en": "English"}

# Reply-keyboard menu entries: the text is the command, in whichever language it was shown.
MENU_CHECKIN = N_("✅ Check in")
MENU_TRIP = N_("🚲 Green trip")
MENU_PLATE = N_("🍽 Clean plate")
MENU_ME = N_("👤 Me")
MENU_PROGRESS = N_("📊 Progress")
MENU_HELP = N_("❓ Help")
MENU_VOLUNTEER = N_("🙋 Volunteer")
MENU_ENTRIES = (
    MENU_CHECKIN,
    MENU_TRIP,
    MENU_PLATE,
    MENU_ME,
    MENU_PROGRESS,
    MENU_HELP,
    MENU_VOLUNTEER,
)

# Command descriptions for Telegram's command menu.
COMMANDS = {
    "start": N_("Start, or register"),
    "checkin": N_("Check in at an event"),
    "trip": N_("Log a green trip"),
    "plate": N_("Log a clean plate"),
    "canteen": N_("Canteen self-evaluation"),
    "volunteer": N_("Volunteer: hours, headcount, canteen check"),
    "patrol": N_("Energy patrol: what was left on in a room"),
    "me": N_("My points, history and personal QR code"),
    "link": N_("Link this account to the web, or the web to it"),
    "progress": N_("The year's goal and each campaign"),
    "top": N_("Units by share of staff taking part"),
    "lang": N_("Language"),
    "help": N_("Help"),
    "login": N_("One-time sign-in link for the web"),
    "stats": N_("Organizer statistics"),
    "cancel": N_("Cancel what you are doing"),
}
