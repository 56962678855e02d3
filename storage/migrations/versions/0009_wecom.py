"""wecom: external identities (platform, corp, user id -> person), the WeCom callback inbox,
announcements and the chat outbox (replies and announcements, each sent once)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wecom_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("corp_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_inbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_wecom_inbox_dedupe_key")),
    )
    with op.batch_alter_table("wecom_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_wecom_inbox_waiting", ["done_at", "id"], unique=False)

    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("unit_ids", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["people.id"], name=op.f("fk_announcements_created_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_table(
        "external_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("corp_id", sa.String(length=64), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_external_identities_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identities")),
    )
    with op.batch_alter_table("external_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_external_identities_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            "uq_external_identities_account", ["platform", "corp_id", "user_key"], unique=True
        )

    op.create_table(
        "chat_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("failure", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_chat_outbox_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_chat_outbox_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_chat_outbox_dedupe_key")),
    )
    with op.batch_alter_table("chat_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_outbox_announcement_id"), ["announcement_id"], unique=False
        )
        batch_op.create_index(
            "ix_chat_outbox_recent", ["platform", "recipient", "sent_at"], unique=False
        )
        batch_op.create_index(
            "ix_chat_outbox_waiting", ["platform", "claimed_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("chat_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_outbox_waiting")
        batch_op.drop_index("ix_chat_outbox_recent")
        batch_op.drop_index(batch_op.f("ix_chat_outbox_announcement_id"))

    op.drop_table("chat_outbox")
    with op.batch_alter_table("external_identities", schema=None) as batch_op:
        batch_op.drop_index("uq_external_identities_account")
        batch_op.drop_index(batch_op.f("ix_external_identities_person_id"))

    op.drop_table("external_identities")
    op.drop_table("announcements")
    with op.batch_alter_table("wecom_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_wecom_inbox_waiting")

    op.drop_table("wecom_inbox")
