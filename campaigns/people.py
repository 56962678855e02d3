"""People: registration, lookup, roles, sign-in secrets, and leaving (anonymised)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import RowMapping

from campaigns import access, audit, codes, joining, text
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.loader import BatchLoader
from campaigns.profile import LANGUAGES, clean_name, person_view_of
from campaigns.reasons import Reason
from campaigns.results import PersonView, Role
from campaigns.roles import require_role
from campaigns.views import fact_view, person_view
from storage import identity as identity_store
from storage import queries, writes
from storage.models import CanteenCheck, Fact, LoginToken, Person
from storage.writer import Call, Tx

_hasher = PasswordHasher()
T = TypeVar("T")


async def _person(tx_or_conn: Any, person_id: int) -> PersonView:
    return await person_view_of(getattr(tx_or_conn, "conn", tx_or_conn), person_id)


async def register_person(
    core: Core,
    *,
    name: str,
    unit_id: int | None,
    now: datetime,
    language: str = "zh",
    telegram_id: int | None = None,
    role: Role = Role.PARTICIPANT,
    idempotency_key: str | None = None,
    verifier: str | None = None,
    device_person_id: int | None = None,
) -> PersonView:
    """The person behind a device that gives its name and unit: found on the roster or
    among the people already registered where that is safe, else made (see
    campaigns.joining.join, whose refusals it shares)."""
    joined = await joining.join(
        core,
        name=name,
        unit_id=unit_id,
        now=now,
        language=language,
        verifier=verifier,
        device_person_id=device_person_id,
        telegram_id=telegram_id,
        role=role,
        idempotency_key=idempotency_key,
    )
    return joined.person


async def get_person(core: Core, person_id: int) -> PersonView:
    """The person behind an id; one merged into another is that other person now (a
    device bound to either stays signed in). Refuses UNKNOWN_PERSON."""
    async with core.read() as conn:
        person = await _person(conn, person_id)
        if person.merged_into_id is not None:
            person = await _person(conn, await identity_store.merged_target(conn, person_id))
        return person


async def find_by_telegram(
    core: Core, telegram_id: int, *, cached: bool = True
) -> PersonView | None:
    """The person linked to a Telegram account, kept a few seconds (see Core.people_cache)
    unless `cached` is off: with several instances, another one's change would show late."""
    hit = core.people_cache.get(telegram_id) if cached else None
    if hit is not None and hit[0] > time.monotonic():
        found: PersonView = hit[1]
        return found
    row = await _telegram_loader(core).load(telegram_id)
    if row is None:
        return None
    person = person_view(row)
    if len(core.people_cache) > 10_000:
        core.people_cache.clear()
    core.people_cache[telegram_id] = (time.monotonic() + core.people_cache_seconds, person)
    return person


def _telegram_loader(core: Core) -> BatchLoader[int, RowMapping]:
    """Senders of updates handled together are looked up in one query."""
    loader: BatchLoader[int, RowMapping] | None = core.loaders.get("people.telegram")
    if loader is None:

        async def fetch(ids: Sequence[int]) -> dict[int, RowMapping]:
            async with core.read() as conn:
                rows = await queries.people_by_column(conn, Person.telegram_id, ids)
            return {row["telegram_id"]: row for row in rows}

        loader = core.loaders["people.telegram"] = BatchLoader(fetch)
    return loader


async def _write_people(core: Core, command: Call[T]) -> T:
    """A change to people; the Telegram lookup cache forgets everything it held."""
    try:
        return await core.write(command)
    finally:
        core.people_cache.clear()


async def find_by_token(core: Core, token: str) -> PersonView:
    """The person behind a personal QR token. Refuses UNKNOWN_TOKEN."""
    token = (token or "").strip()
    if text.problem(token):
        raise Refused(Reason.UNKNOWN_TOKEN)
    async with core.read() as conn:
        row = await queries.person(conn, qr_token=token) if token else None
        if row is not None and row["merged_into_id"] is not None:  # a merged person's old QR
            row = await queries.person(conn, id=await identity_store.merged_target(conn, row["id"]))
    if row is None or row["deleted_at"] is not None:
        raise Refused(Reason.UNKNOWN_TOKEN)
    return person_view(row)


async def search_people(core: Core, *, query: str, limit: int = 20) -> list[PersonView]:
    cleaned = text.clean_query(query)
    if not cleaned:
        return []
    async with core.read() as conn:
        return [person_view(r) for r in await queries.search_people(conn, cleaned, limit)]


async def _update(core: Core, person_id: int, **values: Any) -> PersonView:
    async def run(tx: Tx) -> PersonView:
        await _person(tx, person_id)
        await writes.update_by_id(tx.conn, Person, person_id, **values)
        return await _person(tx, person_id)

    return await _write_people(core, Call[PersonView](run))


async def set_language(core: Core, *, person_id: int, language: str) -> PersonView:
    """Refuses INVALID_INPUT for a language we do not speak."""
    if language not in LANGUAGES:
        raise Refused(Reason.INVALID_INPUT)
    return await _update(core, person_id, language=language)


async def link_telegram(core: Core, *, person_id: int, telegram_id: int) -> PersonView:
    return await _update(core, person_id, telegram_id=telegram_id)


async def set_role(
    core: Core, *, actor_id: int, person_id: int, role: Role, now: datetime
) -> PersonView:
    """Change a role (audited; the person's sign-in sessions end). Refuses NOT_ALLOWED
    unless the actor is an organizer, the person's role is below the actor's own and the
    role given is not above it."""

    async def run(tx: Tx) -> PersonView:
        actor = await _person(tx, actor_id)
        if not actor.can(Role.ORGANIZER) or not actor.role.at_least(role):
            raise Refused(Reason.NOT_ALLOWED)
        before = await _person(tx, person_id)
        if before.role.at_least(actor.role):  # nobody changes a peer's or a superior's role
            raise Refused(Reason.NOT_ALLOWED)
        await writes.update_by_id(tx.conn, Person, person_id, role=role.value)
        await access.end_all_in(tx, person_id=person_id, now=now)
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="set_role",
            target=f"person:{person_id}",
            now=now,
            before=before.role.value,
            after=role.value,
        )
        return await _person(tx, person_id)

    return await _write_people(core, Call[PersonView](run))


async def create_user(
    core: Core,
    *,
    login: str,
    password: str,
    name: str,
    role: Role,
    now: datetime,
    unit_id: int | None = None,
    reset: bool = False,
) -> PersonView:
    """An account that signs in with a password (argon2); with `reset`, an existing login's
    password, role and name are replaced (audited). Refuses INVALID_INPUT for an empty login
    or a password under 10 characters, LOGIN_TAKEN for an existing login without `reset`."""
    clean = clean_name(core, name)
    login = (login or "").strip().lower()
    if not login or len(password or "") < 10:
        raise Refused(Reason.INVALID_INPUT)
    text.check(login)
    hashed = _hasher.hash(password)

    async def run(tx: Tx) -> PersonView:
        existing = await queries.person(tx.conn, login=login)
        if existing is not None:
            if not reset:
                raise Refused(Reason.LOGIN_TAKEN)
            await audit.record(
                tx.conn,
                actor_id=None,
                action="reset_user",
                target=f"person:{existing['id']}",
                now=now,
                role=role.value,
            )
            await writes.update_by_id(
                tx.conn,
                Person,
                existing["id"],
                password_hash=hashed,
                role=role.value,
                display_name=clean,
            )
            await access.end_all_in(tx, person_id=existing["id"], now=now)
            return await _person(tx, existing["id"])
        new_id = await writes.insert_row(
            tx.conn,
            Person,
            display_name=clean,
            unit_id=unit_id,
            role=role.value,
            language="zh",
            login=login,
            password_hash=hashed,
            qr_token=codes.new_qr_token(),
            created_at=now,
        )
        await audit.record(
            tx.conn,
            actor_id=None,
            action="create_user",
            target=f"person:{new_id}",
            now=now,
            role=role.value,
            login=login,
        )
        return await _person(tx, new_id)

    return await _write_people(core, Call[PersonView](run))


async def verify_password(core: Core, *, login: str, password: str) -> PersonView | None:
    login = (login or "").strip().lower()
    if text.problem(login):  # no such login can exist (create_user refuses them)
        login = ""
    async with core.read() as conn:
        found = await queries.login_secret(conn, login)
    if found is None or not found["password_hash"] or found["deleted_at"] is not None:
        _hasher.hash("timing-equaliser")  # same cost whether or not the login exists
        return None
    try:
        _hasher.verify(found["password_hash"], password or "")
    except (VerificationError, InvalidHashError):
        return None
    return await get_person(core, found["id"])


async def issue_login_token(
    core: Core, *, person_id: int, now: datetime, ttl_seconds: int = 900
) -> str:
    """A one-time sign-in secret (only its hash is stored). Refuses NOT_ALLOWED below
    volunteer (participants need no web sign-in) and for a deleted account."""
    secret = codes.new_secret()

    async def run(tx: Tx) -> str:
        await require_role(tx, person_id, Role.VOLUNTEER)
        await writes.insert_row(
            tx.conn,
            LoginToken,
            token_hash=codes.hash_secret(secret),
            person_id=person_id,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
        return secret

    return await core.write(Call[str](run))


async def redeem_login_token(core: Core, *, token: str, now: datetime) -> PersonView:
    """Use a one-time sign-in secret. Refuses UNKNOWN_TOKEN when unknown, used or expired."""
    digest = codes.hash_secret(token or "")

    async def run(tx: Tx) -> PersonView:
        person_id = await writes.use_login_token(tx.conn, digest, now)
        if person_id is None:
            raise Refused(Reason.UNKNOWN_TOKEN)
        return await _person(tx, person_id)

    return await core.write(Call[PersonView](run))


async def delete_person(core: Core, *, person_id: int, now: datetime) -> list[str]:
    """Anonymise a person: name, Telegram link, sign-in and QR token go, canteen notes are
    blanked and evidence photos detached; facts, the unit and canteen checks stay, so every
    total stays true. Returns the detached photos' paths, for the caller to delete."""

    async def run(tx: Tx) -> list[str]:
        await _person(tx, person_id)
        photos = await _forget_notes_and_photos(tx, person_id)
        await writes.update_by_id(
            tx.conn,
            Person,
            person_id,
            display_name="—",
            telegram_id=None,
            login=None,
            password_hash=None,
            qr_token=f"deleted-{person_id}-{codes.new_secret()[:12]}",
            deleted_at=now,
        )
        await audit.record(
            tx.conn,
            actor_id=person_id,
            action="delete_person",
            target=f"person:{person_id}",
            now=now,
        )
        return photos

    return await _write_people(core, Call[list[str]](run))


async def _forget_notes_and_photos(tx: Tx, person_id: int) -> list[str]:
    photos: list[str] = []
    for fact in await queries.facts_of_person(tx.conn, person_id):
        if fact["evidence_path"]:
            photos.append(fact["evidence_path"])
            await writes.update_by_id(tx.conn, Fact, fact["id"], evidence_path=None)
    for check in await queries.canteen_checks_of_person(tx.conn, person_id):
        if check["evidence_path"]:
            photos.append(check["evidence_path"])
        await writes.update_by_id(tx.conn, CanteenCheck, check["id"], notes="", evidence_path=None)
    return photos


async def export_person(core: Core, *, person_id: int) -> dict[str, Any]:
    """Everything stored about a person, JSON-ready."""
    async with core.read() as conn:
        person = await _person(conn, person_id)
        facts = list(reversed(await queries.facts_of_person(conn, person_id)))
        ledger = await queries.ledger_of_person(conn, person_id)
        balance = await queries.ledger_balance(conn, person_id)
        checks = await queries.canteen_checks_of_person(conn, person_id)
    return {
        "person": {
            "id": person.id,
            "display_name": person.display_name,
            "unit": person.unit_name_zh,
            "role": person.role.value,
            "language": person.language,
            "telegram_linked": person.telegram_id is not None,
        },
        "balance": int(balance or 0),
        "facts": [_jsonable(fact_view(f).__dict__) for f in facts],
        "ledger": [_jsonable(dict(e)) for e in ledger],
        "canteen_checks": [_canteen_check(c) for c in checks],
    }


def _canteen_check(row: Any) -> dict[str, Any]:
    keys = (
        "id",
        "unit_id",
        "unit_name_zh",
        "unit_name_en",
        "kind",
        "checked_on",
        "passed",
        "notes",
        "evidence_path",
        "created_at",
        "status",
    )
    return _jsonable({key: row[key] for key in keys})


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in d.items()}
