"""events of meetings for apps: the outbox, its subscribers and their deliveries

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("event_seq", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.create_table(
        "events",
        sa.Column("id", PK, primary_key=True, autoincrement=True),
        sa.Column("org_id", PK, sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("conference_pk", PK, sa.ForeignKey("conferences.id"), nullable=False),
        sa.Column("conference_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("born_at", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.UniqueConstraint("conference_pk", "seq", name="uq_events_conference_seq"),
    )
    op.create_index("ix_events_org_id", "events", ["org_id", "id"])
    op.create_index("ix_events_born_at", "events", ["born_at"])
    op.create_table(
        "event_subscribers",
        sa.Column("id", PK, primary_key=True, autoincrement=True),
        sa.Column("app_id", PK, sa.ForeignKey("apps.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("secret", sa.String(256), nullable=True),
        sa.Column("event_types", sa.Text(), nullable=True),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("app_id", "kind", "url", name="uq_event_subscribers_target"),
    )
    op.create_table(
        "event_deliveries",
        sa.Column("id", PK, primary_key=True, autoincrement=True),
        sa.Column("event_id", PK, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("subscriber_id", PK, sa.ForeignKey("event_subscribers.id"), nullable=False),
        sa.Column("conference_pk", PK, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.BigInteger(), nullable=False),
        sa.Column("lease_until", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.String(512), nullable=True),
    )
    op.create_index(
        "ix_event_deliveries_queue",
        "event_deliveries",
        ["subscriber_id", "conference_pk", "seq"],
    )
    op.create_index("ix_event_deliveries_due", "event_deliveries", ["state", "next_at"])
    op.create_index("ix_event_deliveries_event", "event_deliveries", ["event_id"])


def downgrade() -> None:
    op.drop_table("event_deliveries")
    op.drop_table("event_subscribers")
    op.drop_index("ix_events_born_at", "events")
    op.drop_index("ix_events_org_id", "events")
    op.drop_table("events")
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.drop_column("event_seq")
