"""access tokens are handed out again while they live (DingTalk's rule)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        # Tokens issued before this revision have none: they serve until they expire,
        # and the next request gets a new one.
        batch_op.add_column(sa.Column("token", sa.String(64), nullable=True))
        batch_op.create_index("ix_access_tokens_app_org", ["app_id", "org_id"])


def downgrade() -> None:
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_access_tokens_app_org")
        batch_op.drop_column("token")
