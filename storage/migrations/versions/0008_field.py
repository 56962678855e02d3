"""field (issue 14): buildings, rooms, patrols, room visits, paper sheets, meter readings

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "buildings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("floor_area_m2", sa.Float(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_buildings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
        sa.UniqueConstraint("code", name=op.f("uq_buildings_code")),
    )
    with op.batch_alter_table("buildings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buildings_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index("uq_buildings_unit_name", ["unit_id", "name"], unique=True)

    op.create_table(
        "meter_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("occasion", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("reading_key", sa.String(length=80), nullable=True),
        sa.Column("idempotency_key", sa.String(length=80), nullable=True),
        sa.Column("idempotency_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('electricity', 'water')", name=op.f("ck_meter_readings_kind")),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_meter_readings_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["people.id"], name=op.f("fk_meter_readings_created_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by_id"], ["people.id"], name=op.f("fk_meter_readings_voided_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_readings")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_meter_readings_idempotency_key")),
        sa.UniqueConstraint("reading_key", name=op.f("uq_meter_readings_reading_key")),
    )
    with op.batch_alter_table("meter_readings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meter_readings_building_id"), ["building_id"], unique=False
        )
        batch_op.create_index(
            "ix_meter_readings_building_kind_day", ["building_id", "kind", "read_on"], unique=False
        )

    op.create_table(
        "paper_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("evidence_path", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["people.id"], name=op.f("fk_paper_sheets_created_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_paper_sheets_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_paper_sheets_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_sheets")),
        sa.UniqueConstraint("code", name=op.f("uq_paper_sheets_code")),
    )
    with op.batch_alter_table("paper_sheets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_sheets_event_id"), ["event_id"], unique=False)

    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_rooms_building_id_buildings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        sa.UniqueConstraint("code", name=op.f("uq_rooms_code")),
    )
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rooms_building_id"), ["building_id"], unique=False)
        batch_op.create_index("uq_rooms_building_name", ["building_id", "name"], unique=True)

    op.create_table(
        "paper_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("roster_entry_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("fact_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fact_id"], ["facts.id"], name=op.f("fk_paper_rows_fact_id_facts")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_paper_rows_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["roster_entry_id"],
            ["roster_entries.id"],
            name=op.f("fk_paper_rows_roster_entry_id_roster_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"], ["paper_sheets.id"], name=op.f("fk_paper_rows_sheet_id_paper_sheets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_rows")),
    )
    with op.batch_alter_table("paper_rows", schema=None) as batch_op:
        batch_op.create_index("uq_paper_rows_sheet_row", ["sheet_id", "row_no"], unique=True)

    op.create_table(
        "patrols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("fact_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_patrols_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(["fact_id"], ["facts.id"], name=op.f("fk_patrols_fact_id_facts")),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["people.id"], name=op.f("fk_patrols_volunteer_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrols")),
    )
    with op.batch_alter_table("patrols", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrols_building_id"), ["building_id"], unique=False)
        batch_op.create_index(
            "uq_patrols_building_volunteer_day", ["building_id", "volunteer_id", "day"], unique=True
        )

    op.create_table(
        "room_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patrol_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("visited_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("findings", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_path", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("visit_key", sa.String(length=80), nullable=True),
        sa.Column("idempotency_key", sa.String(length=80), nullable=True),
        sa.Column("idempotency_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patrol_id"], ["patrols.id"], name=op.f("fk_room_visits_patrol_id_patrols")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_room_visits_room_id_rooms")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by_id"], ["people.id"], name=op.f("fk_room_visits_voided_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_visits")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_room_visits_idempotency_key")),
        sa.UniqueConstraint("visit_key", name=op.f("uq_room_visits_visit_key")),
    )
    with op.batch_alter_table("room_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_room_visits_patrol_id"), ["patrol_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_room_visits_room_id"), ["room_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("room_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_room_visits_room_id"))
        batch_op.drop_index(batch_op.f("ix_room_visits_patrol_id"))

    op.drop_table("room_visits")
    with op.batch_alter_table("patrols", schema=None) as batch_op:
        batch_op.drop_index("uq_patrols_building_volunteer_day")
        batch_op.drop_index(batch_op.f("ix_patrols_building_id"))

    op.drop_table("patrols")
    with op.batch_alter_table("paper_rows", schema=None) as batch_op:
        batch_op.drop_index("uq_paper_rows_sheet_row")

    op.drop_table("paper_rows")
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.drop_index("uq_rooms_building_name")
        batch_op.drop_index(batch_op.f("ix_rooms_building_id"))

    op.drop_table("rooms")
    with op.batch_alter_table("paper_sheets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_sheets_event_id"))

    op.drop_table("paper_sheets")
    with op.batch_alter_table("meter_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_meter_readings_building_kind_day")
        batch_op.drop_index(batch_op.f("ix_meter_readings_building_id"))

    op.drop_table("meter_readings")
    with op.batch_alter_table("buildings", schema=None) as batch_op:
        batch_op.drop_index("uq_buildings_unit_name")
        batch_op.drop_index(batch_op.f("ix_buildings_unit_id"))

    op.drop_table("buildings")
