"""One human, one person: staff rosters, name keys, duplicates and merges, pending entries,
link codes, and idempotency keys scoped to their caller with the payload's fingerprint

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _name_key(name: str) -> str:
    # Frozen copy of campaigns.identity.name_key at this revision.
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()[:80]


def upgrade() -> None:
    op.create_table(
        "roster_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("row_key", sa.String(length=80), nullable=False),
        sa.Column("staff_no_hash", sa.String(length=64), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failures_since", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_roster_entries_person_id_people"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_roster_entries_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_roster_entries"),
        sa.UniqueConstraint("person_id", name="uq_roster_entries_person_id"),
    )
    op.create_index("ix_roster_entries_unit_name", "roster_entries", ["unit_id", "name_key"])
    op.create_index(
        "uq_roster_entries_unit_row", "roster_entries", ["unit_id", "row_key"], unique=True
    )
    op.create_index(
        "ix_roster_entries_staff_no_hash", "roster_entries", ["staff_no_hash"], unique=False
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registration_fingerprint", sa.String(64), nullable=True))
        batch_op.add_column(
            sa.Column("name_key", sa.String(length=80), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("possible_duplicate", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("left_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            "fk_people_merged_into_id_people", "people", ["merged_into_id"], ["id"]
        )
        batch_op.create_index("ix_people_unit_name", ["unit_id", "name_key"])
    people = sa.table(
        "people",
        sa.column("id", sa.Integer),
        sa.column("display_name", sa.String),
        sa.column("name_key", sa.String),
    )
    conn = op.get_bind()
    for pid, name in conn.execute(sa.select(people.c.id, people.c.display_name)).all():
        conn.execute(people.update().where(people.c.id == pid).values(name_key=_name_key(name)))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.alter_column("name_key", server_default=None)
        batch_op.alter_column("possible_duplicate", server_default=None)
    for table in ("facts", "ledger", "canteen_checks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("idempotency_fingerprint", sa.String(length=64), nullable=True)
            )
    op.create_index(
        "ix_facts_pending",
        "facts",
        ["id"],
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    with op.batch_alter_table("canteen_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pay_key", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint("uq_canteen_checks_pay_key", ["pay_key"])
    with op.batch_alter_table("login_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=8), nullable=False, server_default="signin")
        )
    with op.batch_alter_table("login_tokens", schema=None) as batch_op:
        batch_op.alter_column("purpose", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("login_tokens", schema=None) as batch_op:
        batch_op.drop_column("purpose")
    with op.batch_alter_table("canteen_checks", schema=None) as batch_op:
        batch_op.drop_constraint("uq_canteen_checks_pay_key", type_="unique")
        batch_op.drop_column("pay_key")
    op.drop_index("ix_facts_pending", table_name="facts")
    for table in ("facts", "ledger", "canteen_checks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("idempotency_fingerprint")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_unit_name")
        batch_op.drop_constraint("fk_people_merged_into_id_people", type_="foreignkey")
        batch_op.drop_column("left_at")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("possible_duplicate")
        batch_op.drop_column("name_key")
        batch_op.drop_column("registration_fingerprint")
    op.drop_index("ix_roster_entries_staff_no_hash", table_name="roster_entries")
    op.drop_index("uq_roster_entries_unit_row", table_name="roster_entries")
    op.drop_index("ix_roster_entries_unit_name", table_name="roster_entries")
    op.drop_table("roster_entries")
