"""server processes and their heartbeats; the process holding each device

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "server_nodes",
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("heartbeat_at", sa.BigInteger(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("node_id"),
    )
    op.create_index("ix_server_nodes_heartbeat_at", "server_nodes", ["heartbeat_at"])
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("node_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_devices_node_active", ["node_id", "active"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index("ix_devices_node_active")
        batch_op.drop_column("node_id")
    op.drop_index("ix_server_nodes_heartbeat_at", "server_nodes")
    op.drop_table("server_nodes")
