"""Personal API tokens for organizers: made in the console (the secret shown once, only its
SHA-256 kept), scoped to read or to read and write, revoked at once, and every use
audited in the same transaction that checks it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from campaigns import audit
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.people import get_person
from campaigns.reasons import Reason
from campaigns.results import PersonView, Role
from campaigns.roles import require_role
from storage import api_tokens as store
from storage.writer import Call, Tx

PREFIX = "gt_"
SCOPES = ("read", "write")
MAX_NAME = 80
MAX_TOKENS = 50  # active ones per person


@dataclass(frozen=True)
class TokenView:
    id: int
    person_id: int
    name: str
    scope: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class NewToken:
    token: TokenView
    secret: str  # shown once; never stored


@dataclass(frozen=True)
class TokenUse:
    person: PersonView
    token: TokenView


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _view(r: object) -> TokenView:
    row = dict(r)  # type: ignore[call-overload]
    return TokenView(
        row["id"],
        row["person_id"],
        row["name"],
        row["scope"],
        row["hint"],
        row["created_at"],
        row["last_used_at"],
        row["revoked_at"],
    )


async def create_token(
    core: Core, *, person_id: int, name: str, scope: str, now: datetime
) -> NewToken:
    """A new token for an organizer (audited). Refuses NOT_ALLOWED (below organizer),
    INVALID_INPUT (no name, a name too long, an unknown scope, too many tokens)."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME or scope not in SCOPES:
        raise Refused(Reason.INVALID_INPUT, field="name" if scope in SCOPES else "scope")
    secret = PREFIX + secrets.token_urlsafe(32)

    async def run(tx: Tx) -> NewToken:
        await require_role(tx, person_id, Role.ORGANIZER)
        active = [t for t in await store.tokens_of(tx.conn, person_id) if t["revoked_at"] is None]
        if len(active) >= MAX_TOKENS:
            raise Refused(Reason.INVALID_INPUT, field="name")
        new_id = await store.insert_token(
            tx.conn,
            person_id=person_id,
            name=name,
            scope=scope,
            token_hash=digest(secret),
            hint=secret[: len(PREFIX) + 4],
            created_at=now,
        )
        await audit.record(
            tx.conn,
            actor_id=person_id,
            action="create_api_token",
            target=f"token:{new_id}",
            now=now,
            name=name,
            scope=scope,
        )
        return NewToken(_view(await store.token(tx.conn, new_id)), secret)

    return await core.write(Call[NewToken](run))


async def list_tokens(core: Core, *, person_id: int) -> list[TokenView]:
    """A person's tokens, newest first (revoked ones too, marked)."""
    async with core.read() as conn:
        return [_view(r) for r in await store.tokens_of(conn, person_id)]


async def revoke_token(core: Core, *, person_id: int, token_id: int, now: datetime) -> TokenView:
    """Revoke one of one's own tokens, effective for the next request (audited). Refuses
    UNKNOWN_TOKEN (no such token of this person); revoking twice changes nothing."""

    async def run(tx: Tx) -> TokenView:
        row = await store.token(tx.conn, token_id)
        if row is None or row["person_id"] != person_id:
            raise Refused(Reason.UNKNOWN_TOKEN)
        if row["revoked_at"] is None:
            await store.revoke(tx.conn, token_id, now)
            await audit.record(
                tx.conn,
                actor_id=person_id,
                action="revoke_api_token",
                target=f"token:{token_id}",
                now=now,
                name=row["name"],
            )
        return _view(await store.token(tx.conn, token_id))

    return await core.write(Call[TokenView](run))


async def use_token(
    core: Core, *, secret: str, write: bool, method: str, path: str, now: datetime
) -> TokenUse:
    """Check a bearer token for one request and audit the use, in one transaction (so a
    token revoked a moment ago is refused). Refuses API_TOKEN_REFUSED (unknown, revoked, or
    its owner is no longer an organizer), API_TOKEN_READ_ONLY (a write with a read token)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        raise Refused(Reason.API_TOKEN_REFUSED)
    hashed = digest(secret)

    async def run(tx: Tx) -> tuple[TokenView, bool]:
        row = await store.token_by_hash(tx.conn, hashed)
        if (
            row is None
            or row["revoked_at"] is not None
            or row["owner_gone"] is not None
            or not Role(row["owner_role"]).at_least(Role.ORGANIZER)
        ):
            raise Refused(Reason.API_TOKEN_REFUSED)
        allowed = not write or row["scope"] == "write"
        if not await store.mark_used(tx.conn, row["id"], now):
            raise Refused(Reason.API_TOKEN_REFUSED)
        # A refused write is a use too: audited, then refused once the entry is written.
        await audit.record(
            tx.conn,
            actor_id=row["person_id"],
            action="api_call",
            target=f"token:{row['id']}",
            now=now,
            name=row["name"],
            method=method,
            path=path[:200],
            allowed=allowed,
        )
        return _view(row), allowed

    token, allowed = await core.write(Call[tuple[TokenView, bool]](run))
    if not allowed:
        raise Refused(Reason.API_TOKEN_READ_ONLY)
    return TokenUse(await get_person(core, token.person_id), token)
