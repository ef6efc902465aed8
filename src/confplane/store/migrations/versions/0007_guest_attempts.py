"""wrong guest passwords counted per client and room, shared by every process

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guest_attempts",
        sa.Column("room_code", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_end", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("room_code", "client"),
    )
    with op.batch_alter_table("guest_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_guest_attempts_window_end", ["window_end"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("guest_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_guest_attempts_window_end")

    op.drop_table("guest_attempts")
