"""people.registration_key: a repeated registration form makes one person

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registration_key", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint("uq_people_registration_key", ["registration_key"])


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint("uq_people_registration_key", type_="unique")
        batch_op.drop_column("registration_key")
