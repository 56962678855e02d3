"""Joining: a new device finds its person instead of making one.

A cookie or a Telegram account is a device; a person may have several. Name and unit are
matched (by their normalised key) against the unit's staff roster and the people already
registered:
- a roster row with a verifier (staff number, phone's last four digits) binds the device to
  the row's person when the answer is right; wrong answers are limited per row, counted in
  the database so that every instance sees them;
- nobody is bound by name alone: without a verifier on file, a namesake of someone already
  registered becomes a new person flagged as a possible duplicate, for organizers to merge;
- a device already bound to a person is never silently registered as someone else.
A person carries their identity to another device with a one-time link code."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from campaigns import audit, codes
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.identity import (
    clean_link_code,
    name_key,
    new_link_code,
    request_fingerprint,
    verifier_matches,
)
from campaigns.profile import LANGUAGES, clean_name, person_view_of
from campaigns.reasons import Reason
from campaigns.recording import RetryAlone
from campaigns.results import PersonView, Role
from campaigns.roles import require_role
from storage import identity as store
from storage import queries, writes
from storage.models import LoginToken, Person
from storage.writer import Call, Tx

VERIFY_LIMIT = 5  # wrong answers per roster row ...
VERIFY_WINDOW = timedelta(minutes=15)  # ... within this window, then the row waits it out
LINK_TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class Joined:
    """Who a device is now: `bound` when it found a person already registered, `flagged`
    when it made a new one who may be someone already registered."""

    person: PersonView
    bound: bool = False
    flagged: bool = False


@dataclass(frozen=True)
class LinkCode:
    code: str
    expires_at: datetime


async def join(
    core: Core,
    *,
    name: str,
    unit_id: int | None,
    now: datetime,
    language: str = "zh",
    verifier: str | None = None,
    device_person_id: int | None = None,
    telegram_id: int | None = None,
    role: Role = Role.PARTICIPANT,
    idempotency_key: str | None = None,
) -> Joined:
    """The person behind a device that gives its name and unit.

    `device_person_id` is the person the device already belongs to (a signed-in browser):
    the same name and unit is that person again; another name needs that person's
    verifier. The same `idempotency_key` again answers as the first time.

    Refuses NAME_REQUIRED, NAME_TOO_LONG, UNKNOWN_UNIT, VERIFIER_REQUIRED, VERIFIER_WRONG,
    VERIFIER_LOCKED (detail minutes), DEVICE_BOUND (detail name), IDEMPOTENCY_KEY_REUSED."""
    clean = clean_name(core, name)
    key = name_key(clean)
    lang = language if language in LANGUAGES else "zh"
    fingerprint = request_fingerprint("join", key, unit_id, role.value)

    async def run(tx: Tx) -> Joined:
        if telegram_id is not None:
            found = await queries.person(tx.conn, telegram_id=telegram_id)
            if found is not None:
                return Joined(await live_person(tx, found["id"]), bound=True)
        if idempotency_key is not None:
            first = await store.registration(tx.conn, idempotency_key)
            if first is not None:
                if first["registration_fingerprint"] not in (None, fingerprint):
                    raise Refused(Reason.IDEMPOTENCY_KEY_REUSED)
                return Joined(await live_person(tx, first["id"]))
        if unit_id is None or await queries.unit(tx.conn, unit_id) is None:
            raise Refused(Reason.UNKNOWN_UNIT)
        current = await _device_person(tx, device_person_id)
        if (
            current is not None
            and current.unit_id == unit_id
            and name_key(current.display_name) == key
        ):
            return Joined(current, bound=True)
        joined = await _match(
            tx,
            core,
            key=key,
            unit_id=unit_id,
            verifier=verifier,
            now=now,
            switching=current,
        )
        if joined is None:
            flagged = bool(await store.people_named(tx.conn, unit_id=unit_id, name_key=key))
            person = await create_person(
                tx,
                name=clean,
                key=key,
                unit_id=unit_id,
                role=role,
                language=lang,
                telegram_id=telegram_id,
                now=now,
                flagged=flagged,
                registration_key=idempotency_key,
                fingerprint=fingerprint,
            )
            return Joined(person, flagged=flagged)
        if telegram_id is not None:
            await writes.update_by_id(tx.conn, Person, joined.person.id, telegram_id=telegram_id)
        await audit.record(
            tx.conn,
            actor_id=joined.person.id,
            action="bind_device",
            target=f"person:{joined.person.id}",
            now=now,
            device="telegram" if telegram_id is not None else "browser",
            switched_from=current.id if current else None,
        )
        return Joined(await live_person(tx, joined.person.id), bound=joined.bound)

    try:
        return await core.write(Call[Joined](run))
    finally:
        core.people_cache.clear()


async def _match(
    tx: Tx,
    core: Core,
    *,
    key: str,
    unit_id: int,
    verifier: str | None,
    now: datetime,
    switching: PersonView | None,
) -> Joined | None:
    """The roster's answer: a person to bind (or a roster row's new person), None to make a
    new person, or a refusal (a verifier to ask for, a wrong one, a device bound)."""
    rows = await store.roster_candidates(tx.conn, unit_id=unit_id, name_key=key)
    checked = [r for r in rows if r["staff_no_hash"] or r["phone_hash"]]
    if checked and verifier:
        window_start = now - VERIFY_WINDOW
        locked = [r for r in checked if _locked(r, window_start)]
        if len(locked) == len(checked):
            raise Refused(Reason.VERIFIER_LOCKED, minutes=_minutes_left(locked, now))
        for row in checked:
            if row in locked:
                continue
            if verifier_matches(
                core.secret,
                verifier,
                staff_no_hash=row["staff_no_hash"],
                phone_hash=row["phone_hash"],
            ):
                bound = row["person_id"] is not None
                return Joined(await row_person(tx, row, now=now), bound=bound)
        # Written although the answer is a refusal: the count must outlive it.
        await store.count_failure(
            tx.conn, [r["id"] for r in checked], now=now, window_start=window_start
        )
        raise Refused(Reason.VERIFIER_WRONG)
    if switching is not None:
        raise Refused(
            Reason.VERIFIER_REQUIRED if checked else Reason.DEVICE_BOUND,
            name=switching.display_name,
        )
    free = [r for r in rows if not (r["staff_no_hash"] or r["phone_hash"]) and not r["person_id"]]
    if checked and not free:
        raise Refused(Reason.VERIFIER_REQUIRED)
    if free and not await store.people_named(tx.conn, unit_id=unit_id, name_key=key):
        # The row's first person: nobody's history is handed over, so the name may claim it.
        return Joined(await row_person(tx, free[0], now=now))
    return None


def _locked(row: Any, window_start: datetime) -> bool:
    since = row["failures_since"]
    return since is not None and since >= window_start and row["failures"] >= VERIFY_LIMIT


def _minutes_left(rows: list[Any], now: datetime) -> int:
    ends: datetime = min(r["failures_since"] + VERIFY_WINDOW for r in rows)
    return max(1, math.ceil((ends - now).total_seconds() / 60))


async def row_person(tx: Tx, row: Any, *, now: datetime) -> PersonView:
    """The person a roster row holds (following merges), or a new one it now holds."""
    if row["person_id"] is not None:
        return await live_person(tx, row["person_id"])
    person = await create_person(
        tx,
        name=row["name"],
        key=row["name_key"],
        unit_id=row["unit_id"],
        role=Role.PARTICIPANT,
        language="zh",
        telegram_id=None,
        now=now,
        flagged=False,
    )
    if not await store.claim_roster_entry(tx.conn, row["id"], person.id):
        # Another instance bound the row meanwhile: the batch rolls back (this new person
        # too) and the command runs again alone, finding the row held.
        raise RetryAlone
    return person


async def create_person(
    tx: Tx,
    *,
    name: str,
    key: str,
    unit_id: int,
    role: Role,
    language: str,
    telegram_id: int | None,
    now: datetime,
    flagged: bool,
    registration_key: str | None = None,
    fingerprint: str | None = None,
) -> PersonView:
    new_id = await writes.insert_row(
        tx.conn,
        Person,
        display_name=name,
        name_key=key,
        unit_id=unit_id,
        role=role.value,
        language=language,
        telegram_id=telegram_id,
        qr_token=codes.new_qr_token(),
        created_at=now,
        registration_key=registration_key,
        registration_fingerprint=fingerprint if registration_key else None,
        possible_duplicate=flagged,
    )
    return await live_person(tx, new_id)


async def live_person(tx: Tx, person_id: int) -> PersonView:
    return await person_view_of(tx.conn, await store.merged_target(tx.conn, person_id))


async def _device_person(tx: Tx, person_id: int | None) -> PersonView | None:
    if person_id is None:
        return None
    row = await queries.person(tx.conn, id=await store.merged_target(tx.conn, person_id))
    if row is None or row["deleted_at"] is not None:
        return None
    return await person_view_of(tx.conn, row["id"])


# the door: someone without a phone ----------------------------------------------------------


async def walk_in(
    core: Core,
    *,
    volunteer_id: int,
    name: str,
    unit_id: int | None,
    now: datetime,
    verifier: str | None = None,
    idempotency_key: str | None = None,
) -> Joined:
    """The person a volunteer enters at the door by name and unit: the roster first (one
    row of that name: its person; several: the one the verifier names), then the people
    already registered (one of that name: them), else a new person. The volunteer sees the
    person in front of them, so no device is bound and nothing is handed over.

    Refuses NOT_ALLOWED (below volunteer), NAME_REQUIRED, NAME_TOO_LONG, UNKNOWN_UNIT,
    AMBIGUOUS_NAME (several of that name, no verifier to tell them apart), VERIFIER_WRONG,
    IDEMPOTENCY_KEY_REUSED."""
    clean = clean_name(core, name)
    key = name_key(clean)
    fingerprint = request_fingerprint("walk_in", key, unit_id, volunteer_id)

    async def run(tx: Tx) -> Joined:
        await require_role(tx, volunteer_id, Role.VOLUNTEER)
        if idempotency_key is not None:
            first = await store.registration(tx.conn, idempotency_key)
            if first is not None:
                if first["registration_fingerprint"] not in (None, fingerprint):
                    raise Refused(Reason.IDEMPOTENCY_KEY_REUSED)
                return Joined(await live_person(tx, first["id"]))
        if unit_id is None or await queries.unit(tx.conn, unit_id) is None:
            raise Refused(Reason.UNKNOWN_UNIT)
        rows = await store.roster_candidates(tx.conn, unit_id=unit_id, name_key=key)
        if len(rows) > 1 and verifier:
            picked = [
                r
                for r in rows
                if verifier_matches(
                    core.secret,
                    verifier,
                    staff_no_hash=r["staff_no_hash"],
                    phone_hash=r["phone_hash"],
                )
            ]
            if not picked:
                raise Refused(Reason.VERIFIER_WRONG)
            rows = picked[:1]
        if len(rows) > 1:
            raise Refused(Reason.AMBIGUOUS_NAME)
        if rows:
            return Joined(await row_person(tx, rows[0], now=now), bound=True)
        named = await store.people_named(tx.conn, unit_id=unit_id, name_key=key)
        if len(named) > 1:
            raise Refused(Reason.AMBIGUOUS_NAME)
        if named:
            return Joined(await live_person(tx, named[0]["id"]), bound=True)
        person = await create_person(
            tx,
            name=clean,
            key=key,
            unit_id=unit_id,
            role=Role.PARTICIPANT,
            language="zh",
            telegram_id=None,
            now=now,
            flagged=False,
            registration_key=idempotency_key,
            fingerprint=fingerprint,
        )
        return Joined(person)

    try:
        return await core.write(Call[Joined](run))
    finally:
        core.people_cache.clear()


# link codes: carrying an identity to another device ------------------------------------------


async def issue_link_code(core: Core, *, person_id: int, now: datetime) -> LinkCode:
    """A one-time code (and the QR the edge draws of it) that makes another browser or a
    Telegram account this person's, valid 10 minutes. Refuses UNKNOWN_PERSON,
    PERSON_DELETED."""
    code = new_link_code()

    async def run(tx: Tx) -> LinkCode:
        row = await queries.person(tx.conn, id=person_id)
        if row is None:
            raise Refused(Reason.UNKNOWN_PERSON)
        if row["deleted_at"] is not None:
            raise Refused(Reason.PERSON_DELETED)
        await writes.insert_row(
            tx.conn,
            LoginToken,
            token_hash=codes.hash_secret(f"link:{code}"),
            person_id=person_id,
            expires_at=now + LINK_TTL,
            purpose="link",
        )
        return LinkCode(code, now + LINK_TTL)

    return await core.write(Call[LinkCode](run))


async def _linked_before(
    tx: Tx, digest: str, now: datetime, telegram_id: int | None
) -> PersonView | None:
    """A used code whose person this Telegram account already is: the same `/link <code>`
    sent again (Telegram redelivers an update whose answer was lost) gets the first answer,
    not "code used". Nothing is written; another account still gets the refusal."""
    if telegram_id is None:
        return None
    person_id = await queries.used_token_person(tx.conn, digest, now, purpose="link")
    if person_id is None:
        return None
    target = await store.merged_target(tx.conn, person_id)
    row = await queries.person(tx.conn, id=target)
    if row is None or row["deleted_at"] is not None or row["telegram_id"] != telegram_id:
        return None
    return await person_view_of(tx.conn, target)


async def redeem_link_code(
    core: Core, *, code: str, now: datetime, telegram_id: int | None = None
) -> PersonView:
    """Use a link code: the person it names, now also this device's. With `telegram_id`,
    that Telegram account is bound to the person; a person it belonged to before keeps their
    history and is flagged as a possible duplicate. Refuses LINK_CODE_INVALID (wrong, used,
    expired)."""
    digest = codes.hash_secret(f"link:{clean_link_code(code)}")

    async def run(tx: Tx) -> PersonView:
        person_id = await writes.use_login_token(tx.conn, digest, now, purpose="link")
        if person_id is None:
            again = await _linked_before(tx, digest, now, telegram_id)
            if again is not None:  # the same /link again (a redelivered update): its answer
                return again
            raise Refused(Reason.LINK_CODE_INVALID)
        target = await store.merged_target(tx.conn, person_id)
        row = await queries.person(tx.conn, id=target)
        if row is None or row["deleted_at"] is not None:
            raise Refused(Reason.LINK_CODE_INVALID)
        if telegram_id is not None and row["telegram_id"] != telegram_id:
            before = await queries.person(tx.conn, telegram_id=telegram_id)
            if before is not None:
                await writes.update_by_id(
                    tx.conn, Person, before["id"], telegram_id=None, possible_duplicate=True
                )
            await writes.update_by_id(tx.conn, Person, target, telegram_id=telegram_id)
        await audit.record(
            tx.conn,
            actor_id=target,
            action="link_device",
            target=f"person:{target}",
            now=now,
            device="telegram" if telegram_id is not None else "browser",
        )
        return await person_view_of(tx.conn, target)

    try:
        return await core.write(Call[PersonView](run))
    finally:
        core.people_cache.clear()
