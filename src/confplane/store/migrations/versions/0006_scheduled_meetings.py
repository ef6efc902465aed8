"""scheduled meetings and the statistics kept for them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 08:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", PK, primary_key=True, autoincrement=True),
        sa.Column("schedule_conference_id", sa.String(64), nullable=False, unique=True),
        sa.Column("org_id", PK, sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("creator_union_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(512), nullable=False),
        sa.Column("start_time", sa.BigInteger(), nullable=False),
        sa.Column("end_time", sa.BigInteger(), nullable=False),
        sa.Column("room_code", sa.String(16), nullable=False, unique=True),
        sa.Column("conference_id", sa.String(64), nullable=False, unique=True),
        sa.Column("conference_password", sa.String(16), nullable=False),
        sa.Column("host_password", sa.String(16), nullable=False),
        sa.Column("conference_pk", PK, sa.ForeignKey("conferences.id"), nullable=True, unique=True),
        sa.Column("cancelled_at", sa.BigInteger(), nullable=True),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_schedules_org_id", "schedules", ["org_id", "id"])
    op.create_index("ix_schedules_start_time", "schedules", ["start_time"])
    op.create_index("ix_schedules_end_time", "schedules", ["end_time"])


def downgrade() -> None:
    op.drop_index("ix_schedules_end_time", table_name="schedules")
    op.drop_index("ix_schedules_start_time", table_name="schedules")
    op.drop_index("ix_schedules_org_id", table_name="schedules")
    op.drop_table("schedules")
