"""Writing facts: one path for every kind, so the ledger and the tallies never drift."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import FactKind, Recorded
from campaigns.views import campaign_view, event_view, fact_view
from storage import queries, writes
from storage.db import insert_ignore
from storage.models import Fact, LedgerEntry
from storage.tallies import FactShape
from storage.writer import Tx


def checkin_key(event_id: int, person_id: int) -> str:
    return f"e:{event_id}:{person_id}"


def day_key(campaign_id: int, person_id: int, day: date) -> str:
    return f"d:{campaign_id}:{person_id}:{day.isoformat()}"


def shape_of(row: Any, counts_toward_goal: bool) -> FactShape:
    return FactShape(
        year=row["occurred_on"].year,
        day=row["occurred_on"].isoformat(),
        campaign_id=row["campaign_id"],
        event_id=row["event_id"],
        unit_id=row["unit_id"],
        person_id=row["person_id"],
        counts_toward_goal=counts_toward_goal,
        counted=row["counted"],
        headcount=row["headcount"],
        co2_g=row["co2_g"],
        points=row["points"],
    )


def fact_row(
    *,
    kind: FactKind,
    person_id: int | None,
    unit_id: int | None,
    campaign_id: int,
    occurred_on: date,
    now: datetime,
    channel: str,
    event_id: int | None = None,
    mode: str | None = None,
    quantity: float = 0.0,
    logged_by_id: int | None = None,
    evidence_path: str | None = None,
    co2_g: int = 0,
    points: int = 0,
    counted: int = 0,
    headcount: int = 0,
    idempotency_key: str | None = None,
    count_key: str | None = None,
    fingerprint: str | None = None,
    pending: bool = False,
) -> dict[str, Any]:
    """A fact's row. A pending one (waiting for approval) holds no count, no points, no CO2
    and no heads yet: approval works them out from its kind, mode and quantity."""
    if pending:
        count_key, counted, headcount, points, co2_g = None, 0, 0, 0, 0
    return {
        "kind": kind.value,
        "person_id": person_id,
        "unit_id": unit_id,
        "campaign_id": campaign_id,
        "event_id": event_id,
        "mode": mode,
        "quantity": quantity,
        "occurred_on": occurred_on,
        "created_at": now,
        "channel": channel,
        "logged_by_id": logged_by_id,
        "status": "pending" if pending else "counted",
        "evidence_path": evidence_path,
        "evidence_status": "pending" if evidence_path else None,
        "co2_g": co2_g,
        "points": points,
        "counted": counted,
        "headcount": headcount,
        "idempotency_key": idempotency_key,
        "idempotency_fingerprint": fingerprint if idempotency_key else None,
        "count_key": count_key,
    }


async def replay(
    conn: AsyncConnection, idempotency_key: str | None, fingerprint: str | None = None
) -> Recorded | None:
    """The first answer to an idempotency key already used, if any. Refuses
    IDEMPOTENCY_KEY_REUSED when the key was used for another request."""
    if not idempotency_key:
        return None
    row = await queries.fact(conn, idempotency_key=idempotency_key)
    if row is None:
        return None
    check_fingerprint(row, fingerprint)
    return await recorded_for(conn, row, repeated=True)


def check_fingerprint(row: Any, fingerprint: str | None) -> None:
    """The stored request behind a key is the one asked for again (rows written before
    keys had fingerprints pass)."""
    stored = row["idempotency_fingerprint"]
    if stored is not None and fingerprint is not None and stored != fingerprint:
        raise Refused(Reason.IDEMPOTENCY_KEY_REUSED)


async def recorded_for(conn: AsyncConnection, row: Any, *, repeated: bool = False) -> Recorded:
    camp = await queries.campaign(conn, row["campaign_id"])
    assert camp is not None
    ev = None
    if row["event_id"] is not None:
        ev_row = await queries.event(conn, event_id=row["event_id"])
        counts = await queries.event_counts(conn, [row["event_id"]])
        ev = event_view(ev_row, counts.get(row["event_id"], 0))
    return Recorded(fact=fact_view(row), campaign=campaign_view(camp), event=ev, repeated=repeated)


async def write_fact(
    tx: Tx, row: dict[str, Any], *, counts_toward_goal: bool, ledger_person: int | None
) -> dict[str, Any]:
    """Insert one fact with its ledger entry and tally changes.

    A habit fact claims the person-day's count if it is still free; otherwise it is kept
    with `counted = 0`. A pending fact only joins the waiting figure. Raises
    Refused(ALREADY_CHECKED_IN) if a check-in lost a race."""
    if row["status"] == "pending":
        inserted = await insert_ignore(tx.conn, Fact.__table__, [row], returning=("id",))
        if not inserted:
            raise RetryAlone  # the same key stored meanwhile: run alone, the replay answers
        if counts_toward_goal:
            tx.deltas.add_pending(row["occurred_on"].year, waiting_of(row), 1)
        return {**row, "id": inserted[0][0], "void_reason": None}
    inserted = await insert_ignore(tx.conn, Fact.__table__, [row], returning=("id",))
    if not inserted:
        if row["count_key"] and row["kind"] != FactKind.CHECKIN.value:
            row = {**row, "count_key": None, "counted": 0}
            inserted = await insert_ignore(tx.conn, Fact.__table__, [row], returning=("id",))
        if not inserted:
            raise await lost_race(tx.conn, row)
    row = {**row, "id": inserted[0][0], "void_reason": None}
    if row["points"] and ledger_person is not None:
        await writes.insert_rows(
            tx.conn,
            LedgerEntry,
            [
                {
                    "person_id": ledger_person,
                    "fact_id": row["id"],
                    "delta": row["points"],
                    "kind": "earn",
                    "created_at": row["created_at"],
                }
            ],
        )
    tx.deltas.add_fact(shape_of(row, counts_toward_goal))
    return row


async def lost_race(conn: AsyncConnection, row: dict[str, Any]) -> Exception:
    """Why an insert was ignored: another writer stored the same key first."""
    if row.get("idempotency_key") and await queries.fact(
        conn, idempotency_key=row["idempotency_key"]
    ):
        return RetryAlone()
    first = await queries.fact(conn, count_key=row["count_key"])
    return Refused(
        Reason.ALREADY_CHECKED_IN, at=first["created_at"] if first else row["created_at"]
    )


def waiting_of(row: Any) -> tuple[int, int]:
    """(person-times, heads) a pending fact would add if approved (at most: a habit day
    already counted adds none)."""
    if row["kind"] == FactKind.HEADCOUNT.value:
        return 0, int(row["quantity"])
    return 1, 0


class RetryAlone(Exception):
    """Not a refusal: the writer rolls the batch back and runs each command alone, where
    the idempotency replay then answers with the first result."""


async def counts_toward_goal(conn: AsyncConnection, campaign_id: int) -> bool:
    return await queries.counts_toward_goal(conn, campaign_id)


async def set_fact(conn: AsyncConnection, fact_id: int, **values: Any) -> None:
    await writes.update_by_id(conn, Fact, fact_id, **values)
