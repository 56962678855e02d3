"""The door scanner's reads: the roster snapshot a door keeps on the phone for offline
scans and name search, and the check-in an undo would void (named before it is undone)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from campaigns import catalog, people
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import EventView, Role, pick
from campaigns.review import UNDO_WINDOW
from storage import door

ROSTER_LIMIT = 20_000  # a county's staff, with room; each entry is about 80 bytes


def token_digest(code: str, token: str) -> str:
    """What the roster holds instead of a personal QR token: a digest bound to the event,
    so the phone can recognise a scanned code offline but cannot show or reuse one (the
    scanner computes the same with crypto.subtle)."""
    data = f"gt-door:{code.strip().lower()}:{token.strip()}".encode()
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True)
class RosterEntry:
    id: int
    name: str
    unit_zh: str
    unit_en: str
    digest: str
    checked_in: bool

    def unit(self, lang: str) -> str:
        return pick(lang, self.unit_zh, self.unit_en)


@dataclass(frozen=True)
class Roster:
    event: EventView
    people: list[RosterEntry]
    at: datetime


async def roster(core: Core, *, code: str, volunteer_id: int, now: datetime) -> Roster:
    """The snapshot a door keeps offline: names, units and token digests of everyone who
    may be checked in, and who already is. Refuses UNKNOWN_CODE, NOT_ALLOWED."""
    event = await catalog.get_event(core, code=code)
    volunteer = await people.get_person(core, volunteer_id)
    if volunteer.deleted or not volunteer.can(Role.VOLUNTEER):
        raise Refused(Reason.NOT_ALLOWED)
    async with core.read() as conn:
        rows = await door.roster(conn, limit=ROSTER_LIMIT)
        inside = await door.checked_in_people(conn, event.id)
    entries = [
        RosterEntry(
            id=r["id"],
            name=r["display_name"],
            unit_zh=r["unit_name_zh"],
            unit_en=r["unit_name_en"],
            digest=token_digest(event.code, r["qr_token"]),
            checked_in=r["id"] in inside,
        )
        for r in rows
    ]
    return Roster(event=event, people=entries, at=now)


@dataclass(frozen=True)
class LastCheckIn:
    fact_id: int
    at: datetime
    name: str
    unit_zh: str
    unit_en: str

    def unit(self, lang: str) -> str:
        return pick(lang, self.unit_zh, self.unit_en)


async def last_checkin(
    core: Core, *, code: str, volunteer_id: int, now: datetime
) -> LastCheckIn | None:
    """The check-in an undo at this door would void now (the volunteer's last, within the
    undo window), or None. Refuses UNKNOWN_CODE."""
    event = await catalog.get_event(core, code=code)
    async with core.read() as conn:
        row = await door.last_checkin_by(conn, event_id=event.id, volunteer_id=volunteer_id)
    if row is None or now - row["created_at"] > UNDO_WINDOW:
        return None
    return LastCheckIn(
        fact_id=row["id"],
        at=row["created_at"],
        name=row["display_name"],
        unit_zh=row["unit_name_zh"],
        unit_en=row["unit_name_en"],
    )
