"""What people and joining both need of a person, below both (so neither imports the
other): the languages a person may choose, a clean display name, a person's view read on a
connection."""

from __future__ import annotations

from typing import Any

from campaigns import text
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import PersonView
from campaigns.views import person_view
from storage import queries

LANGUAGES = ("zh", "en")


def clean_name(core: Core, name: str) -> str:
    """A display name, trimmed (campaigns.text); refuses HIDDEN_CHARACTERS, NAME_REQUIRED
    (nothing visible) and NAME_TOO_LONG."""
    return text.clean_name(name, max_length=core.rules.max_name_length)


async def person_view_of(conn: Any, person_id: int) -> PersonView:
    """A person's view, read on the given connection. Refuses UNKNOWN_PERSON."""
    row = await queries.person(conn, id=person_id)
    if row is None:
        raise Refused(Reason.UNKNOWN_PERSON)
    return person_view(row)
