"""Event check-in: by the person's own scan of an event code, or by a volunteer scanning
the person's QR token. The hot path: many check-ins share one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from campaigns import codes
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.identity import request_fingerprint, scoped_key
from campaigns.reasons import Reason
from campaigns.recording import checkin_key, fact_row, lost_race, recorded_for, shape_of
from campaigns.results import CampaignView, FactKind, Recorded, Role
from campaigns.views import campaign_view, event_view, fact_view
from storage import identity as identity_store
from storage import queries, writes
from storage.db import insert_ignore
from storage.models import Fact, LedgerEntry, Person
from storage.writer import Tx


@dataclass(frozen=True)
class CheckIn:
    code: str
    now: datetime
    channel: str
    day: date  # the campaign day of `now`, in the core's time zone
    person_id: int | None = None
    token: str | None = None
    volunteer_id: int | None = None
    idempotency_key: str | None = None
    rotation_token: str | None = None
    # The edge vouches for a fresh scan of a rotating screen: the web's signed scan pass,
    # issued once scan_is_fresh accepted the screen's token.
    fresh_scan: bool = False
    secret: str = ""
    points: int = 0
    fingerprint: str | None = None  # what the keyed request asked for

    async def run(self, tx: Tx) -> Recorded:
        (result,) = await CheckIn.run_batch(tx, [self])
        if isinstance(result, Exception):
            raise result
        return result

    @classmethod
    async def run_batch(cls, tx: Tx, cmds: Sequence[CheckIn]) -> list[Recorded | Exception]:
        return await _Batch(tx, cmds).run()


class _Batch:
    def __init__(self, tx: Tx, cmds: Sequence[CheckIn]) -> None:
        self.tx = tx
        self.conn = tx.conn
        self.cmds = cmds
        self.out: list[Recorded | Exception | None] = [None] * len(cmds)
        self.by_token: dict[str, Any] = {}  # empty when no command names a token

    async def run(self) -> list[Recorded | Exception]:
        conn = self.conn
        keys = [c.idempotency_key for c in self.cmds if c.idempotency_key]
        self.replays = await queries.facts_by(conn, "idempotency_key", keys) if keys else {}
        self.events = await queries.events_by_code(conn, list({c.code for c in self.cmds}))
        ids = {c.person_id for c in self.cmds if c.person_id} | {
            c.volunteer_id for c in self.cmds if c.volunteer_id
        }
        self.people = await queries.people_by_ids(conn, list(ids)) if ids else {}
        tokens = [c.token for c in self.cmds if c.token]
        self.by_token = {}
        if tokens:
            rows = await queries.people_by_column(conn, Person.qr_token, tokens)
            self.by_token = {r["qr_token"]: r for r in rows}
            self.people.update({r["id"]: r for r in rows})
        merged = {r["merged_into_id"] for r in self.people.values() if r["merged_into_id"]}
        if merged:  # a person merged into another checks in as that other person
            self.people.update(await queries.people_by_ids(conn, list(merged)))
        # Capacity is checked against a count read under the events' row locks, so that
        # several instances admit exactly `capacity` people between them.
        capped = [e["id"] for e in self.events.values() if e["capacity"] is not None]
        await identity_store.lock_events(conn, capped)
        self.counts = await queries.event_counts(conn, [e["id"] for e in self.events.values()])
        pending = [(i, self._check(i, c)) for i, c in enumerate(self.cmds)]
        pending_rows = [(i, row) for i, row in pending if row is not None]
        prior = (
            await queries.facts_by(conn, "count_key", [row["count_key"] for _, row in pending_rows])
            if pending_rows
            else {}
        )
        await self._insert(pending_rows, prior)
        for i, c in enumerate(self.cmds):
            if self.out[i] is None and c.idempotency_key in self.replays:
                self.out[i] = await recorded_for(
                    conn, self.replays[c.idempotency_key], repeated=True
                )
        return [r if r is not None else Refused(Reason.INVALID_INPUT) for r in self.out]

    def _check(self, i: int, c: CheckIn) -> dict[str, Any] | None:
        """Refusals before any write; returns the row to insert, or None."""
        if c.idempotency_key and c.idempotency_key in self.replays:
            stored = self.replays[c.idempotency_key]["idempotency_fingerprint"]
            if stored is not None and c.fingerprint is not None and stored != c.fingerprint:
                self.out[i] = Refused(Reason.IDEMPOTENCY_KEY_REUSED)
            return None
        try:
            return self._row(c)
        except Refused as exc:
            self.out[i] = exc
            return None

    def _row(self, c: CheckIn) -> dict[str, Any]:
        ev = self.events.get(c.code)
        if ev is None:
            raise Refused(Reason.UNKNOWN_CODE)
        # A rotating screen guards self check-in; a volunteer at the door is the guard there.
        if (
            ev["rotating"]
            and c.volunteer_id is None
            and not c.fresh_scan
            and not (
                c.rotation_token
                and codes.verify_rotating(c.secret, c.code, c.rotation_token, c.now)
            )
        ):
            raise Refused(Reason.CODE_EXPIRED)
        if c.now < ev["checkin_opens_at"]:
            raise Refused(Reason.WINDOW_NOT_OPEN, opens=ev["checkin_opens_at"])
        if c.now > ev["checkin_closes_at"]:
            raise Refused(Reason.WINDOW_CLOSED, closes=ev["checkin_closes_at"])
        logged_by = None
        if c.volunteer_id is not None:
            vol = self.people.get(c.volunteer_id)
            if vol is None or not Role(vol["role"]).at_least(Role.VOLUNTEER):
                raise Refused(Reason.NOT_ALLOWED)
            logged_by = vol["id"]
        if c.token is not None:
            person = self.by_token.get(c.token)
            if person is None:
                raise Refused(Reason.UNKNOWN_TOKEN)
        else:
            person = self.people.get(c.person_id or 0)
            if person is None:
                raise Refused(Reason.UNKNOWN_PERSON)
        if person["merged_into_id"] is not None:
            person = self.people.get(person["merged_into_id"], person)
        if person["deleted_at"] is not None:
            raise Refused(Reason.PERSON_DELETED)
        return fact_row(
            kind=FactKind.CHECKIN,
            person_id=person["id"],
            unit_id=person["unit_id"],
            campaign_id=ev["campaign_id"],
            event_id=ev["id"],
            occurred_on=c.day,
            now=c.now,
            channel=c.channel,
            logged_by_id=logged_by,
            points=c.points,
            counted=1,
            idempotency_key=c.idempotency_key,
            fingerprint=c.fingerprint,
            count_key=checkin_key(ev["id"], person["id"]),
        )

    async def _insert(  # noqa: PLR0912 - one pass keeps each caller's answer in order
        self, pending: list[tuple[int, dict[str, Any]]], prior: dict[Any, Any]
    ) -> None:
        accepted: list[tuple[int, dict[str, Any]]] = []
        taken: dict[str, datetime] = {k: v["created_at"] for k, v in prior.items()}
        first_by_idem: dict[str, int] = {}
        for i, row in pending:
            c = self.cmds[i]
            ev = self.events[c.code]
            if c.idempotency_key and c.idempotency_key in first_by_idem:
                continue  # answered with the first command's result below
            if row["count_key"] in taken:
                self.out[i] = Refused(Reason.ALREADY_CHECKED_IN, at=taken[row["count_key"]])
                continue
            cap = ev["capacity"]
            used = self.counts.get(ev["id"], 0) + self.tx.deltas.pending(
                row["occurred_on"].year, "event", str(ev["id"]), "person_times"
            )
            if cap is not None and used >= cap:
                self.out[i] = Refused(Reason.OVER_CAPACITY, capacity=cap)
                continue
            taken[row["count_key"]] = row["created_at"]
            self.counts[ev["id"]] = self.counts.get(ev["id"], 0) + 1
            if c.idempotency_key:
                first_by_idem[c.idempotency_key] = i
            accepted.append((i, row))
        if not accepted:
            return
        inserted = await insert_ignore(
            self.conn, Fact.__table__, [r for _, r in accepted], returning=("id", "count_key")
        )
        ids = {ck: fid for fid, ck in inserted}
        ledger = []
        campaigns: dict[int, CampaignView] = {}
        for i, row in accepted:
            if row["count_key"] not in ids:
                self.out[i] = await lost_race(self.conn, row)
                continue
            row["id"] = ids[row["count_key"]]
            row["void_reason"] = None
            ev = self.events[self.cmds[i].code]
            self.tx.deltas.add_fact(shape_of(row, ev["counts_toward_goal"]))
            if row["points"]:
                ledger.append(
                    {
                        "person_id": row["person_id"],
                        "fact_id": row["id"],
                        "delta": row["points"],
                        "kind": "earn",
                        "created_at": row["created_at"],
                    }
                )
            cid = ev["campaign_id"]
            if cid not in campaigns:
                campaigns[cid] = campaign_view(await queries.campaign(self.conn, cid))
            count = self.counts[ev["id"]]
            self.out[i] = Recorded(
                fact=fact_view(row), campaign=campaigns[cid], event=event_view(ev, count)
            )
        if ledger:
            await writes.insert_rows(self.conn, LedgerEntry, ledger)
        for j, c in enumerate(self.cmds):
            first = first_by_idem.get(c.idempotency_key or "")
            if self.out[j] is None and first is not None and first != j:
                res = self.out[first]
                self.out[j] = (
                    Recorded(fact=res.fact, campaign=res.campaign, event=res.event, repeated=True)
                    if isinstance(res, Recorded)
                    else res
                )


async def check_in(
    core: Core,
    *,
    code: str,
    person_id: int,
    now: datetime,
    channel: str,
    idempotency_key: str | None = None,
    rotation_token: str | None = None,
    fresh_scan: bool = False,
    logged_by_id: int | None = None,
) -> Recorded:
    """Check a person into an event by its code; `logged_by_id` names the volunteer who
    found the person by name at the door. A rotating event's code needs the screen's
    current `rotation_token` (the API's `scan_token`), or `fresh_scan`: the edge holds a
    signed pass it issued for such a token (scan_is_fresh) a few minutes before.

    Refuses UNKNOWN_CODE, CODE_EXPIRED (rotating screens), WINDOW_NOT_OPEN, WINDOW_CLOSED,
    OVER_CAPACITY, UNKNOWN_PERSON, PERSON_DELETED, ALREADY_CHECKED_IN (detail `at`),
    NOT_ALLOWED when `logged_by_id` is not a volunteer, and IDEMPOTENCY_KEY_REUSED (the key
    this caller used for another check-in)."""
    code = code.strip().lower()
    caller = f"p{logged_by_id if logged_by_id is not None else person_id}"
    return await core.write(
        CheckIn(
            code=code,
            now=now,
            channel=channel,
            day=core.today(now),
            person_id=person_id,
            volunteer_id=logged_by_id,
            idempotency_key=scoped_key(caller, "checkin", idempotency_key),
            fingerprint=request_fingerprint("checkin", code, person_id),
            rotation_token=rotation_token,
            fresh_scan=fresh_scan,
            secret=core.secret,
            points=core.rules.points["checkin"],
        )
    )


async def check_in_by_token(
    core: Core,
    *,
    code: str,
    token: str,
    volunteer_id: int,
    now: datetime,
    channel: str,
    idempotency_key: str | None = None,
) -> Recorded:
    """A volunteer checks a person in by scanning their personal QR.

    Refuses as check_in, plus NOT_ALLOWED (below volunteer) and UNKNOWN_TOKEN (an empty
    token included)."""
    code, token = code.strip().lower(), (token or "").strip()
    if not token:
        raise Refused(Reason.UNKNOWN_TOKEN)
    return await core.write(
        CheckIn(
            code=code,
            now=now,
            channel=channel,
            day=core.today(now),
            token=token,
            volunteer_id=volunteer_id,
            idempotency_key=scoped_key(f"p{volunteer_id}", "checkin", idempotency_key),
            fingerprint=request_fingerprint("checkin", code, token),
            secret=core.secret,
            points=core.rules.points["checkin"],
        )
    )


def screen_token(core: Core, *, code: str, now: datetime) -> str:
    """What a rotating screen shows now: the `t` of its QR code's link (the core's secret
    never leaves the core)."""
    return codes.rotating_token(core.secret, code.strip().lower(), codes.current_slot(now))


def scan_is_fresh(core: Core, *, code: str, token: str | None, now: datetime) -> bool:
    """Whether `token` is what the event's rotating screen showed in this time slot or the
    one before (a scan in flight)."""
    return bool(token) and codes.verify_rotating(
        core.secret, code.strip().lower(), token or "", now
    )
