"""Sign-in sessions the server can end, and the audit of who got in (or tried to).

A session started by a password, a one-time link or Telegram is a row (storage.sessions)
named by a secret the cookie carries; only the secret's hash is stored. It ends at sign-out,
at "sign out everywhere", when the person's password or role changes (people.py ends them
in the same transaction), and after IDLE of no use. Device sessions (a name typed on a
phone) are not rows: they grant only what the person may do anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from campaigns import audit, codes
from campaigns.core import Core
from storage import sessions
from storage.writer import Call, Tx

IDLE = timedelta(hours=12)  # a working day without a request ends a session
TOUCH_EVERY = timedelta(minutes=5)  # how stale last_seen_at may get before it is written


async def start_session(
    core: Core, *, person_id: int, method: str, now: datetime, address: str = ""
) -> str:
    """A new session's secret, for the cookie; audited as a sign-in (a link's token use)."""
    secret = codes.new_secret()

    async def run(tx: Tx) -> str:
        await sessions.start(
            tx.conn,
            key_hash=codes.hash_secret(secret),
            person_id=person_id,
            method=method,
            now=now,
        )
        await audit.record(
            tx.conn,
            actor_id=person_id,
            action="sign_in",
            target=f"person:{person_id}",
            now=now,
            method=method,
            address=address,
        )
        return secret

    return await core.write(Call[str](run))


async def session_alive(core: Core, *, secret: str, person_id: int, now: datetime) -> bool:
    """True while the session is neither ended nor idle; its last use is kept up to date."""
    digest = codes.hash_secret(secret)
    async with core.read() as conn:
        row = await sessions.by_hash(conn, digest)
    if row is None or row["person_id"] != person_id or row["ended_at"] is not None:
        return False
    if now - row["last_seen_at"] > IDLE:
        return False
    if now - row["last_seen_at"] > TOUCH_EVERY:

        async def run(tx: Tx) -> None:
            await sessions.touch(tx.conn, digest, now)

        await core.write(Call[None](run))
    return True


async def end_session(core: Core, *, secret: str, now: datetime) -> None:
    """Sign-out: this session only."""

    async def run(tx: Tx) -> None:
        await sessions.end(tx.conn, codes.hash_secret(secret), now)

    await core.write(Call[None](run))


async def end_all_sessions(core: Core, *, person_id: int, now: datetime) -> int:
    """Sign out everywhere (audited); how many sessions were ended."""

    async def run(tx: Tx) -> int:
        ended = await sessions.end_all(tx.conn, person_id, now)
        await audit.record(
            tx.conn,
            actor_id=person_id,
            action="sign_out_everywhere",
            target=f"person:{person_id}",
            now=now,
            sessions=ended,
        )
        return ended

    return await core.write(Call[int](run))


async def end_all_in(tx: Tx, *, person_id: int, now: datetime) -> None:
    """Inside another change (a new password, a new role): every session of the person ends."""
    await sessions.end_all(tx.conn, person_id, now)


async def record_failed_sign_in(
    core: Core, *, login: str | None, method: str, address: str, now: datetime
) -> None:
    """A wrong password or a bad link, audited (the limiter keeps their number small)."""
    target = f"login:{login.strip().lower()}"[:60] if login else "link"

    async def run(tx: Tx) -> None:
        await audit.record(
            tx.conn,
            actor_id=None,
            action="sign_in_failed",
            target=target,
            now=now,
            method=method,
            address=address,
        )

    await core.write(Call[None](run))


async def record_export(
    core: Core, *, actor_id: int | None, what: str, now: datetime, **detail: object
) -> None:
    """An export of facts or people (who took the data out, and which)."""

    async def run(tx: Tx) -> None:
        await audit.record(
            tx.conn, actor_id=actor_id, action="export", target=what[:60], now=now, **detail
        )

    await core.write(Call[None](run))
