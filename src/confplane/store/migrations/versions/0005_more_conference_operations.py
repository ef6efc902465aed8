"""meeting settings, nicknames, focus, ext info and short links (the control operations)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 08:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        # Members who were asked in (CreateVideoConference's invitees, InviteUsers);
        # members from before this revision count as not invited.
        batch_op.add_column(
            sa.Column("invited", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "conference_settings",
        sa.Column("conference_pk", PK, sa.ForeignKey("conferences.id"), primary_key=True),
        sa.Column("allow_unmute_self", sa.Boolean(), nullable=False),
        sa.Column("auto_transfer_host", sa.Boolean(), nullable=False),
        sa.Column("forbidden_share_screen", sa.Boolean(), nullable=False),
        sa.Column("only_internal_employees", sa.Boolean(), nullable=False),
        sa.Column("focus_union_id", sa.String(64), nullable=True),
        sa.Column("ext_info", sa.Text(), nullable=True),
    )
    op.create_table(
        "short_links",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("conference_pk", PK, sa.ForeignKey("conferences.id"), nullable=False),
        sa.Column("creator_union_id", sa.String(64), nullable=False),
        sa.Column("cool_app_code", sa.String(128), nullable=False),
        sa.Column("extension_app_biz_data", sa.Text(), nullable=True),
        sa.Column("use_extension_app", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Index("ix_short_links_conference", "conference_pk"),
    )


def downgrade() -> None:
    op.drop_table("short_links")
    op.drop_table("conference_settings")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("invited")
