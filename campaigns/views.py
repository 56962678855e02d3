"""Row mappings → the frozen views of results.py."""

from __future__ import annotations

from typing import Any

from campaigns.results import (
    CampaignView,
    EventView,
    FactKind,
    FactView,
    PersonView,
    Role,
    UnitView,
)

Row = Any  # a RowMapping


def unit_view(r: Row) -> UnitView:
    return UnitView(
        id=r["id"],
        code=r["code"],
        name_zh=r["name_zh"],
        name_en=r["name_en"],
        parent_id=r["parent_id"],
        headcount=r["headcount"],
        has_canteen=r["has_canteen"],
        is_demo=r["is_demo"],
    )


def person_view(r: Row) -> PersonView:
    return PersonView(
        id=r["id"],
        display_name=r["display_name"],
        unit_id=r["unit_id"],
        unit_name_zh=r["unit_name_zh"],
        unit_name_en=r["unit_name_en"],
        role=Role(r["role"]),
        language=r["language"],
        telegram_id=r["telegram_id"],
        qr_token=r["qr_token"],
        deleted=r["deleted_at"] is not None,
        possible_duplicate=bool(r.get("possible_duplicate", False)),
        merged_into_id=r.get("merged_into_id"),
        left=r.get("left_at") is not None,
    )


def campaign_view(r: Row) -> CampaignView:
    return CampaignView(
        id=r["id"],
        slug=r["slug"],
        title_zh=r["title_zh"],
        title_en=r["title_en"],
        theme_zh=r["theme_zh"],
        kind=r["kind"],
        habit=r["habit"],
        counting_rule=r["counting_rule"],
        starts_on=r["starts_on"],
        ends_on=r["ends_on"],
        counts_toward_goal=r["counts_toward_goal"],
        target=r["target"],
    )


def event_view(r: Row, checked_in: int = 0) -> EventView:
    return EventView(
        id=r["id"],
        campaign_id=r["campaign_id"],
        code=r["code"],
        title_zh=r["title_zh"],
        title_en=r["title_en"],
        place=r["place"],
        starts_at=r["starts_at"],
        ends_at=r["ends_at"],
        checkin_opens_at=r["checkin_opens_at"],
        checkin_closes_at=r["checkin_closes_at"],
        capacity=r["capacity"],
        rotating=r["rotating"],
        is_demo=r["is_demo"],
        checked_in=checked_in,
    )


def fact_view(r: Row) -> FactView:
    return FactView(
        id=r["id"],
        kind=FactKind(r["kind"]),
        person_id=r["person_id"],
        unit_id=r["unit_id"],
        campaign_id=r["campaign_id"],
        event_id=r["event_id"],
        mode=r["mode"],
        quantity=r["quantity"],
        occurred_on=r["occurred_on"],
        created_at=r["created_at"],
        channel=r["channel"],
        logged_by_id=r["logged_by_id"],
        status=r["status"],
        co2_g=r["co2_g"],
        points=r["points"],
        counted=r["counted"],
        headcount=r["headcount"],
        evidence_path=r["evidence_path"],
        void_reason=r["void_reason"],
    )
