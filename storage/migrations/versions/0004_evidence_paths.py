"""Evidence paths relative to the evidence folder, old bot photos too

The first bot stored its photos at data/evidence/tg/<id>.jpg and recorded that path from
the data folder, "evidence/tg/<id>.jpg"; recorded paths are read from the evidence folder
(data/evidence) now, so those rows pointed at nothing: deleting the account missed the
files, and the console could not open them. The files stay where they are: dropping the
"evidence/" prefix names them from the evidence folder.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_PREFIX = "evidence/"
OLD_BOT_FOLDER = "tg/"  # the only place the first bot stored photos
TABLES = ("facts", "canteen_checks")


def _rewrite(starting: str, new_path: Callable[[sa.ColumnClause[str]], Any]) -> None:
    """Every recorded photo path that starts so becomes `new_path` of itself."""
    for name in TABLES:
        path = sa.column("evidence_path", sa.String(255))
        rows = sa.table(name, path).update().where(path.like(f"{starting}%"))
        op.execute(rows.values(evidence_path=new_path(path)))


def upgrade() -> None:
    _rewrite(OLD_PREFIX, lambda path: sa.func.substr(path, len(OLD_PREFIX) + 1))


def downgrade() -> None:
    _rewrite(OLD_BOT_FOLDER, lambda path: sa.literal(OLD_PREFIX) + path)
