"""What the catalog lacks for the console: editing a campaign, listing people by unit and
role (with their subtree), so organizers can plan and assign."""

from __future__ import annotations

from datetime import date, datetime

from campaigns import audit
from campaigns.catalog import COUNTING_RULES, list_units
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.reports import subtree_ids
from campaigns.results import CampaignView, PersonView, Role
from campaigns.roles import require_role
from campaigns.views import campaign_view, person_view
from storage import queries, writes
from storage.writer import Call, Tx


async def update_campaign(
    core: Core,
    *,
    actor_id: int,
    campaign_id: int,
    now: datetime,
    title_zh: str,
    title_en: str,
    theme_zh: str,
    counting_rule: str,
    starts_on: date | None,
    ends_on: date | None,
    counts_toward_goal: bool,
    target: int | None,
) -> CampaignView:
    """Edit a campaign (audited with before and after). Refuses NOT_ALLOWED,
    UNKNOWN_CAMPAIGN, INVALID_INPUT."""
    if (
        not title_zh.strip()
        or counting_rule not in COUNTING_RULES
        or (starts_on and ends_on and ends_on < starts_on)
        or (target is not None and target < 0)
    ):
        raise Refused(Reason.INVALID_INPUT)
    values = {
        "title_zh": title_zh.strip(),
        "title_en": title_en.strip(),
        "theme_zh": theme_zh.strip(),
        "counting_rule": counting_rule,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "counts_toward_goal": counts_toward_goal,
        "target": target,
    }

    async def run(tx: Tx) -> CampaignView:
        await require_role(tx, actor_id, Role.ORGANIZER)
        before = await queries.campaign(tx.conn, campaign_id)
        if before is None:
            raise Refused(Reason.UNKNOWN_CAMPAIGN)
        await writes.update_campaign(tx.conn, campaign_id, values)
        changed = {k: [str(before[k]), str(v)] for k, v in values.items() if before[k] != v}
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="update_campaign",
            target=f"campaign:{campaign_id}",
            now=now,
            changes=changed,
        )
        return campaign_view(await queries.campaign(tx.conn, campaign_id))

    return await core.write(Call[CampaignView](run))


async def list_people(
    core: Core,
    *,
    query: str = "",
    role: Role | None = None,
    unit_id: int | None = None,
    limit: int = 200,
) -> list[PersonView]:
    """People by name, role and unit (a unit includes the units under it)."""
    scope = subtree_ids(await list_units(core), [unit_id]) if unit_id else None
    async with core.read() as conn:
        rows = await queries.people_listing(
            conn,
            text=(query or "").strip(),
            role=role.value if role else None,
            unit_ids=scope,
            limit=limit,
        )
    return [person_view(r) for r in rows]


async def create_account(
    core: Core,
    *,
    actor_id: int,
    login: str,
    password: str,
    name: str,
    role: Role,
    now: datetime,
    unit_id: int | None = None,
) -> PersonView:
    """A volunteer or organizer account made by an organizer (audited with who made it).
    Refuses NOT_ALLOWED (a role above the actor's own), INVALID_INPUT (login taken, empty,
    or a password under 10 characters)."""
    from campaigns.people import create_user  # noqa: PLC0415 - avoids an import cycle

    async with core.read() as conn:
        actor = await queries.person(conn, id=actor_id)
        taken = await queries.person(conn, login=(login or "").strip().lower())
    if actor is None or not Role(actor["role"]).at_least(max(role, Role.ORGANIZER, key=_rank)):
        raise Refused(Reason.NOT_ALLOWED)
    if taken is not None:
        raise Refused(Reason.INVALID_INPUT, field="login")
    person = await create_user(
        core, login=login, password=password, name=name, role=role, unit_id=unit_id, now=now
    )

    async def run(tx: Tx) -> None:
        await audit.record(
            tx.conn,
            actor_id=actor_id,
            action="create_account",
            target=f"person:{person.id}",
            now=now,
            role=role.value,
        )

    await core.write(Call[None](run))
    return person


def _rank(role: Role) -> int:
    return role.rank
