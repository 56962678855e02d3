"""People behind accounts on other chat platforms (WeCom; DingTalk later).

The organisation's directory vouches for the account, so its name and department are
matched against the roster of the unit the department maps to, once:
- a single roster row of that name: the account is that row's person (the same person as
  their web and Telegram identities);
- several rows of that name (同名), or a namesake already registered off the roster: a new
  person, flagged for the organizers' duplicates list;
- nobody of that name: a new person in the unit.
Afterwards the account (platform, corp, user id without case) names its person."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from campaigns import audit
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.identity import name_key
from campaigns.joining import create_person, live_person, row_person
from campaigns.profile import clean_name, person_view_of
from campaigns.reasons import Reason
from campaigns.recording import RetryAlone
from campaigns.results import PersonView, Role
from storage import identity as identity_store
from storage import queries
from storage import wecom as store
from storage.writer import Call, Tx


@dataclass(frozen=True)
class Account:
    platform: str
    corp_id: str
    user_id: str

    @property
    def key(self) -> str:
        return self.user_id.strip().casefold()


@dataclass(frozen=True)
class ExternalJoined:
    person: PersonView
    new: bool = False  # first time this account was seen
    bound: bool = False  # matched a roster row's person
    flagged: bool = False  # a possible duplicate, for organizers


async def known_person(core: Core, account: Account) -> PersonView | None:
    """The person an account is bound to, or None the first time."""
    async with core.read() as conn:
        found = await store.external_person(
            conn, platform=account.platform, corp_id=account.corp_id, user_key=account.key
        )
        if found is None:
            return None
        target = await identity_store.merged_target(conn, found)
        row = await queries.person(conn, id=target)
        if row is None or row["deleted_at"] is not None:
            return None
        return await person_view_of(conn, target)


async def join_external(
    core: Core, account: Account, *, name: str, unit_id: int | None, now: datetime
) -> ExternalJoined:
    """The person behind an account, bound the first time by the directory's name and the
    unit its department maps to. Refuses UNKNOWN_UNIT (no unit for the department),
    NAME_REQUIRED, NAME_TOO_LONG."""
    clean = clean_name(core, name)
    key = name_key(clean)

    async def run(tx: Tx) -> ExternalJoined:
        found = await store.external_person(
            tx.conn, platform=account.platform, corp_id=account.corp_id, user_key=account.key
        )
        if found is not None:
            return ExternalJoined(await live_person(tx, found))
        if unit_id is None or await queries.unit(tx.conn, unit_id) is None:
            raise Refused(Reason.UNKNOWN_UNIT)
        joined = await _match(tx, account, name=clean, key=key, unit_id=unit_id, now=now)
        bound = await store.bind_external(
            tx.conn,
            {
                "platform": account.platform,
                "corp_id": account.corp_id,
                "user_key": account.key,
                "user_id": account.user_id,
                "person_id": joined.person.id,
                "created_at": now,
            },
        )
        if not bound:
            raise RetryAlone  # another instance bound the account meanwhile: run again
        await audit.record(
            tx.conn,
            actor_id=joined.person.id,
            action="bind_device",
            target=f"person:{joined.person.id}",
            now=now,
            device=account.platform,
        )
        return joined

    try:
        return await core.write(Call[ExternalJoined](run))
    finally:
        core.people_cache.clear()


async def _match(
    tx: Tx, account: Account, *, name: str, key: str, unit_id: int, now: datetime
) -> ExternalJoined:
    rows = await identity_store.roster_candidates(tx.conn, unit_id=unit_id, name_key=key)
    if len(rows) == 1:
        row = rows[0]
        taken = row["person_id"] is not None and await store.has_external(
            tx.conn, person_id=row["person_id"], platform=account.platform
        )
        if not taken:  # the row's person has no account here yet: this is them
            person = await row_person(tx, row, now=now)
            return ExternalJoined(person, new=True, bound=True)
    named = await identity_store.people_named(tx.conn, unit_id=unit_id, name_key=key)
    flagged = bool(rows or named)  # a namesake on the roster or among the people
    person = await create_person(
        tx,
        name=name,
        key=key,
        unit_id=unit_id,
        role=Role.PARTICIPANT,
        language="zh",
        telegram_id=None,
        now=now,
        flagged=flagged,
    )
    return ExternalJoined(person, new=True, flagged=flagged)


async def unit_for(
    core: Core,
    departments: list[int],
    *,
    codes: dict[int, str],
    names: Callable[[int], Awaitable[str | None]],
) -> int | None:
    """The unit a member's departments map to: the first listed in `codes` (department id
    -> unit code), else the first whose name is a unit's Chinese name."""
    async with core.read() as conn:
        for department in departments:
            if department in codes:
                found = await store.unit_by_code(conn, codes[department])
                if found is not None:
                    return found
    for department in departments:
        name = await names(department)
        if name:
            async with core.read() as conn:
                found = await store.unit_named(conn, name)
            if found is not None:
                return found
    return None
