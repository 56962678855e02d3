"""Rewards bought with carbon-inclusive points: a redemption is a negative ledger entry,
refused when the balance or the stock is short."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from campaigns import audit
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.identity import request_fingerprint, scoped_key
from campaigns.reasons import Reason
from campaigns.recording import check_fingerprint
from campaigns.results import PersonView, Role, pick
from campaigns.roles import require_role
from campaigns.views import person_view
from storage import identity as identity_store
from storage import queries, writes
from storage.models import Person
from storage.writer import Call, Tx

MAX_PRICE = 1_000_000
MAX_STOCK = 1_000_000


@dataclass(frozen=True)
class RewardView:
    id: int
    name_zh: str
    name_en: str
    price: int
    stock: int
    active: bool
    redeemed: int = 0

    def name(self, lang: str) -> str:
        return pick(lang, self.name_zh, self.name_en)


@dataclass(frozen=True)
class Redemption:
    ledger_id: int
    person: PersonView
    reward: RewardView
    balance: int  # after the redemption
    repeated: bool = False


def _view(r: Any) -> RewardView:
    return RewardView(
        r["id"],
        r["name_zh"],
        r["name_en"],
        r["price"],
        r["stock"],
        bool(r["active"]),
        int(r.get("redeemed") or 0),
    )


async def list_rewards(core: Core, *, active_only: bool = False) -> list[RewardView]:
    async with core.read() as conn:
        views = [_view(r) for r in await queries.rewards(conn)]
    return [v for v in views if v.active] if active_only else views


async def save_reward(
    core: Core,
    *,
    actor_id: int | None,
    name_zh: str,
    price: int,
    stock: int,
    now: datetime,
    name_en: str = "",
    active: bool = True,
    reward_id: int | None = None,
) -> RewardView:
    """Create a reward, or change one (audited). Refuses NOT_ALLOWED, INVALID_INPUT."""
    name_zh, name_en = (name_zh or "").strip(), (name_en or "").strip()
    if (
        not name_zh
        or len(name_zh) > 120
        or len(name_en) > 160
        or not 0 < price <= MAX_PRICE
        or not 0 <= stock <= MAX_STOCK
    ):
        raise Refused(Reason.INVALID_INPUT)
    values = {
        "name_zh": name_zh,
        "name_en": name_en,
        "price": price,
        "stock": stock,
        "active": active,
    }

    async def run(tx: Tx) -> RewardView:
        await require_role(tx, actor_id, Role.ORGANIZER)
        if reward_id is None:
            rid = await writes.insert_reward(tx.conn, values)
        else:
            if await queries.reward(tx.conn, reward_id) is None:
                raise Refused(Reason.UNKNOWN_REWARD)
            rid = reward_id
            await writes.update_reward(tx.conn, rid, values)
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="save_reward",
            target=f"reward:{rid}",
            now=now,
            **values,
        )
        return _view(await queries.reward(tx.conn, rid))

    return await core.write(Call[RewardView](run))


async def redeem(
    core: Core,
    *,
    reward_id: int,
    token: str,
    volunteer_id: int,
    now: datetime,
    idempotency_key: str | None = None,
) -> Redemption:
    """A volunteer hands over a reward to the person whose QR was scanned.

    Refuses NOT_ALLOWED (below volunteer), UNKNOWN_TOKEN, UNKNOWN_REWARD (no such reward, or
    withdrawn), OUT_OF_STOCK, INSUFFICIENT_BALANCE (detail balance, price). The same
    idempotency key again returns the first redemption; used for another redemption it
    refuses IDEMPOTENCY_KEY_REUSED. The balance is read under the person's row lock, so
    that redemptions on several instances never spend the same points twice."""
    token = (token or "").strip()
    key = scoped_key(f"p{volunteer_id}", "redeem", idempotency_key)
    fingerprint = request_fingerprint("redeem", reward_id, token)

    async def run(tx: Tx) -> Redemption:
        await require_role(tx, volunteer_id, Role.VOLUNTEER)
        if key and (first := await queries.ledger_by_key(tx.conn, key)):
            check_fingerprint(first, fingerprint)
            person = person_view(await queries.person(tx.conn, id=first["person_id"]))
            reward = _view(await queries.reward(tx.conn, first["reward_id"]))
            balance = await queries.ledger_balance(tx.conn, person.id)
            return Redemption(first["id"], person, reward, balance, repeated=True)
        found = await queries.people_by_column(tx.conn, Person.qr_token, [token]) if token else []
        if not found or found[0]["deleted_at"] is not None:
            raise Refused(Reason.UNKNOWN_TOKEN)
        person_id = await identity_store.merged_target(tx.conn, found[0]["id"])
        person = person_view(await queries.person(tx.conn, id=person_id))
        row = await queries.reward(tx.conn, reward_id)
        if row is None or not row["active"]:
            raise Refused(Reason.UNKNOWN_REWARD)
        await identity_store.lock_people(tx.conn, [person.id])
        balance = await queries.ledger_balance(tx.conn, person.id)
        if balance < row["price"]:
            raise Refused(Reason.INSUFFICIENT_BALANCE, balance=balance, price=row["price"])
        if not await writes.take_from_stock(tx.conn, reward_id):
            raise Refused(Reason.OUT_OF_STOCK)
        ledger_id = await writes.insert_ledger(
            tx.conn,
            {
                "person_id": person.id,
                "reward_id": reward_id,
                "delta": -row["price"],
                "kind": "redeem",
                "created_at": now,
                "idempotency_key": key,
                "idempotency_fingerprint": fingerprint if key else None,
            },
        )
        await audit.record(
            tx.conn,
            actor_id=volunteer_id,
            action="redeem_reward",
            target=f"person:{person.id}",
            now=now,
            reward_id=reward_id,
            price=row["price"],
        )
        reward = _view(await queries.reward(tx.conn, reward_id))
        return Redemption(ledger_id, person, reward, balance - row["price"])

    return await core.write(Call[Redemption](run))


@dataclass(frozen=True)
class RedemptionLine:
    at: datetime
    person_name: str
    reward_zh: str
    reward_en: str
    points: int

    def reward(self, lang: str) -> str:
        return pick(lang, self.reward_zh, self.reward_en)


async def recent_redemptions(core: Core, *, limit: int = 50) -> list[RedemptionLine]:
    async with core.read() as conn:
        rows = await queries.redemptions(conn, limit=limit)
    return [
        RedemptionLine(r["created_at"], r["display_name"], r["name_zh"], r["name_en"], -r["delta"])
        for r in rows
    ]
