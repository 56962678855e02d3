"""An index for the photo-review queue: facts that carry evidence.

Most facts have no photo, so `evidence_path IS NOT NULL` through this index reads only the
few that do, instead of scanning every fact (the console's dashboard counts them).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_facts_evidence_path", "facts", ["evidence_path"])


def downgrade() -> None:
    op.drop_index("ix_facts_evidence_path", table_name="facts")
